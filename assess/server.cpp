#include "server.h"

#include <atomic>
#include <chrono>
#include <ctime>
#include <iostream>
#include <condition_variable>
#include <deque>
#include <cstdint>
#include <mutex>
#include <thread>

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace assess {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// One request at a time through the handler (each save is one SQLite transaction), served in
// arrival order so that no client waits behind a crowd of later ones (a plain mutex is unfair).
// Each waiter sleeps on its own condition variable and only the next one is woken: waking every
// waiter on each release costs more than the request itself with 50 clients on 2 cores.
std::mutex app_mutex;
bool app_busy = false;
std::deque<std::condition_variable*> app_waiters;
std::atomic<int> open_connections{0};

struct FifoLock {
  FifoLock() {
    std::unique_lock<std::mutex> lock(app_mutex);
    if (!app_busy && app_waiters.empty()) {
      app_busy = true;
      return;
    }
    std::condition_variable turn;
    app_waiters.push_back(&turn);
    turn.wait(lock, [&] { return !app_busy && app_waiters.front() == &turn; });
    app_waiters.pop_front();
    app_busy = true;
  }
  ~FifoLock() {
    std::lock_guard<std::mutex> lock(app_mutex);
    app_busy = false;
    if (!app_waiters.empty()) app_waiters.front()->notify_one();
  }
};

void set_timeout(tcp::socket& socket, int seconds) {
  timeval tv{seconds, 0};
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

void write_plain(tcp::socket& socket, http::status status, const std::string& body) {
  http::response<http::string_body> res{status, 11};
  res.set(http::field::content_type, "application/json; charset=utf-8");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  res.set(http::field::connection, "close");
  res.body() = body;
  res.prepare_payload();
  beast::error_code ec;
  http::write(socket, res, ec);
}

void session(tcp::socket socket, App& app, ServerLimits limits) {
  struct Count {
    Count() { ++open_connections; }
    ~Count() { --open_connections; }
  } count;
  set_timeout(socket, limits.request_timeout_seconds);
  if (open_connections > limits.max_connections) {
    write_plain(socket, http::status::service_unavailable, R"({"error":{"status":503,"message":"too many connections"}})");
    return;
  }
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(limits.max_body);
    parser.header_limit(16 * 1024);
    beast::error_code ec;
    // Read piece by piece against one deadline for the whole request, so a client that trickles
    // bytes cannot hold a connection (each piece also has the socket timeout).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(limits.request_timeout_seconds);
    while (!ec && !parser.is_done()) {
      http::read_some(socket, buffer, parser, ec);
      if (std::chrono::steady_clock::now() > deadline) {
        write_plain(socket, http::status::request_timeout, R"({"error":{"status":408,"message":"the request took too long"}})");
        return;
      }
    }
    if (ec == http::error::body_limit) {
      write_plain(socket, http::status::payload_too_large,
                  R"({"error":{"status":413,"message":"the request body is larger than the limit"}})");
      return;
    }
    if (ec == http::error::end_of_stream || ec) return;
    auto& req = parser.get();
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      request.headers[name] = std::string(field.value());
    }
    request.body = std::move(req.body());
    HttpResponse response;
    try {
      FifoLock lock;
      response = app.handle(request, static_cast<std::int64_t>(std::time(nullptr)));
    } catch (const std::exception&) {
      // App::handle answers every error itself; this is the last guard for the process.
      write_plain(socket, http::status::internal_server_error, R"({"error":{"status":500,"message":"internal error"}})");
      return;
    }
    http::response<http::string_body> res{static_cast<http::status>(response.status), req.version()};
    for (const auto& [k, v] : response.headers) res.insert(k, v);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(response.body);
    res.prepare_payload();
    if (request.method == "HEAD") res.body().clear();
    http::write(socket, res, ec);
    if (ec || !res.keep_alive()) break;
  }
  beast::error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace

void serve(App& app, const std::string& host, unsigned short port, const ServerLimits& limits,
           const std::function<void(unsigned short)>& ready) {
  // Runs until the process is stopped; the database is crash-safe (WAL), so SIGTERM or SIGKILL
  // loses nothing that was acknowledged.
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc, {net::ip::make_address(host), port}};
  ready(acceptor.local_endpoint().port());
  for (;;) {
    beast::error_code ec;
    tcp::socket socket{ioc};
    acceptor.accept(socket, ec);
    if (ec) continue;
    std::thread(session, std::move(socket), std::ref(app), limits).detach();
  }
}

}  // namespace assess
