#include "server.h"

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <ctime>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace assess {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Slow work (reports, scores with their gap search, imports, password hashing) runs at a lower
// scheduling priority than the saves and the connections' threads: when the cores are busy, a
// 20–40 ms report then waits for them instead of the saves waiting for it. Once per thread of the
// slow pools (Linux: a thread's own nice value).
void lower_priority() {
  static thread_local const bool lowered = [] {
    (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 5);
    return true;
  }();
  (void)lowered;
}

class Session;

// What every connection shares: the handler, the pools and the list of connections waiting for a
// header (the ones that may be closed to make room at the cap).
struct Shared {
  Shared(App& a, const ServerLimits& l, net::thread_pool& w, net::thread_pool& p, net::thread_pool& s)
      : app(a), limits(l), workers(w), password_workers(p), writers(s) {}
  App& app;
  ServerLimits limits;
  net::thread_pool& workers;
  net::thread_pool& password_workers;
  net::thread_pool& writers;
  std::atomic<int> open{0};
  std::mutex idle_mutex;
  std::list<std::weak_ptr<Session>> idle;  // oldest first
};

http::response<http::string_body> plain_response(http::status status, const std::string& message, unsigned version) {
  http::response<http::string_body> res{status, version};
  res.set(http::field::content_type, "application/json; charset=utf-8");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  res.set(http::field::connection, "close");
  res.body() =
      R"({"error":{"status":)" + std::to_string(static_cast<int>(status)) + R"(,"message":")" + message + "\"}}";
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Shared& shared) : stream_(std::move(socket)), shared_(shared) {
    ++shared_.open;
    beast::error_code ec;
    const auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string();
  }
  ~Session() {
    leave_idle();
    --shared_.open;
  }

  void start() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::read_header, shared_from_this()));
  }
  void refuse() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->send(plain_response(http::status::service_unavailable, "too many connections", 11));
    });
  }
  // Takes this connection off the idle list; the caller holds idle_mutex.
  void forget_idle_locked() {
    if (!idle_it_) return;
    shared_.idle.erase(*idle_it_);
    idle_it_.reset();
  }
  // Closes a connection that waits for a header (called from another thread, at the cap).
  void evict() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->waiting_for_header_) self->stream_.close();
    });
  }

 private:
  void read_header() {
    parser_.emplace();
    parser_->body_limit(shared_.limits.max_body);
    parser_->header_limit(16 * 1024);
    waiting_for_header_ = true;
    enter_idle();
    stream_.expires_after(std::chrono::seconds(shared_.limits.header_timeout_seconds));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    waiting_for_header_ = false;
    leave_idle();
    if (ec == http::error::body_limit) {
      return send(plain_response(http::status::payload_too_large, "the request body is larger than the limit", 11));
    }
    if (ec) return close();  // timeout, closed by the client, malformed or over-long header
    stream_.expires_after(std::chrono::seconds(shared_.limits.body_timeout_seconds));
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::body_limit) {
      return send(plain_response(http::status::payload_too_large, "the request body is larger than the limit", 11));
    }
    if (ec) return close();
    stream_.expires_never();  // no socket operation runs while the handler works
    auto& req = parser_->get();
    auto request = std::make_shared<HttpRequest>();
    request->method = std::string(req.method_string());
    request->target = std::string(req.target());
    request->remote = remote_;
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      request->headers[name] = std::string(field.value());
    }
    request->body = std::move(req.body());
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    const App::Work work = App::work_of(request->method, request->target);
    if (work == App::Work::kInline) {
      // Answers in well under a millisecond (a save, a list, a static file): run it here, with no
      // thread hop; the App takes its own locks.
      HttpResponse response;
      try {
        response = shared_.app.handle(*request, static_cast<std::int64_t>(std::time(nullptr)));
      } catch (const std::exception&) {
        return send(plain_response(http::status::internal_server_error, "internal error", version_));
      }
      return answer(*request, response);
    }
    auto& pool = work == App::Work::kPassword ? shared_.password_workers
                 : work == App::Work::kSave   ? shared_.writers
                                              : shared_.workers;
    net::post(pool, [self = shared_from_this(), request, work] {
      if (work != App::Work::kSave) lower_priority();
      auto response = std::make_shared<HttpResponse>();
      bool failed = false;
      try {
        *response = self->shared_.app.handle(*request, static_cast<std::int64_t>(std::time(nullptr)));
      } catch (const std::exception&) {
        failed = true;  // App::handle answers every error itself; this is the last guard
      }
      net::post(self->stream_.get_executor(), [self, request, response, failed] {
        if (failed)
          return self->send(plain_response(http::status::internal_server_error, "internal error", self->version_));
        self->answer(*request, *response);
      });
    });
  }

  void answer(const HttpRequest& request, HttpResponse& response) {
    http::response<http::string_body> res{static_cast<http::status>(response.status), version_};
    for (const auto& [k, v] : response.headers) res.insert(k, v);
    res.keep_alive(keep_alive_);
    res.body() = std::move(response.body);
    res.prepare_payload();
    if (request.method == "HEAD") res.body().clear();
    send(std::move(res));
  }

  void send(http::response<http::string_body>&& res) {
    response_ = std::make_shared<http::response<http::string_body>>(std::move(res));
    stream_.expires_after(std::chrono::seconds(shared_.limits.write_timeout_seconds));
    http::async_write(stream_, *response_, beast::bind_front_handler(&Session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    const bool again = !ec && response_->keep_alive();
    response_.reset();
    if (!again) return close();
    read_header();
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  void enter_idle() {
    std::lock_guard<std::mutex> lock(shared_.idle_mutex);
    if (idle_it_) return;
    idle_it_ = shared_.idle.insert(shared_.idle.end(), weak_from_this());
  }
  void leave_idle() {
    std::lock_guard<std::mutex> lock(shared_.idle_mutex);
    if (!idle_it_) return;
    shared_.idle.erase(*idle_it_);
    idle_it_.reset();
  }

  beast::tcp_stream stream_;
  Shared& shared_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> response_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool waiting_for_header_ = false;
  std::optional<std::list<std::weak_ptr<Session>>::iterator> idle_it_;  // guarded by idle_mutex
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, tcp::acceptor& acceptor, Shared& shared)
      : ioc_(ioc), acceptor_(acceptor), shared_(shared) {}

  void accept() {
    acceptor_.async_accept(net::make_strand(ioc_), beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }

 private:
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (!ec) {
      bool room = shared_.open < shared_.limits.max_connections;
      if (!room) room = evict_one();
      auto session = std::make_shared<Session>(std::move(socket), shared_);
      if (room) {
        session->start();
      } else {
        session->refuse();
      }
    } else if (ec == net::error::no_descriptors) {
      // Out of file descriptors: wait a moment instead of spinning.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    accept();
  }

  // Closes the connection that has waited longest for a header; false when none waits.
  bool evict_one() {
    std::shared_ptr<Session> victim;
    {
      std::lock_guard<std::mutex> lock(shared_.idle_mutex);
      for (const auto& entry : shared_.idle) {
        victim = entry.lock();  // an expired entry is taken off by its own destructor
        if (victim) break;
      }
      if (victim) victim->forget_idle_locked();
    }
    if (!victim) return false;
    victim->evict();
    return true;
  }

  net::io_context& ioc_;
  tcp::acceptor& acceptor_;
  Shared& shared_;
};

}  // namespace

void serve(App& app, const std::string& host, unsigned short port, const ServerLimits& limits,
           const std::function<void(unsigned short)>& ready) {
  // Runs until the process is stopped; the database is crash-safe (WAL), so SIGTERM or SIGKILL
  // loses nothing that was acknowledged.
  const int io_threads = std::max(1, limits.io_threads);
  net::io_context ioc{io_threads};
  tcp::acceptor acceptor{ioc};
  const tcp::endpoint endpoint{net::ip::make_address(host), port};
  acceptor.open(endpoint.protocol());
  acceptor.set_option(net::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(net::socket_base::max_listen_connections);
  net::thread_pool workers(static_cast<std::size_t>(std::max(1, limits.worker_threads)));
  net::thread_pool password_workers(static_cast<std::size_t>(std::max(1, limits.password_threads)));
  net::thread_pool writers(static_cast<std::size_t>(std::max(1, limits.writer_threads)));
  Shared shared(app, limits, workers, password_workers, writers);
  std::make_shared<Listener>(ioc, acceptor, shared)->accept();
  ready(acceptor.local_endpoint().port());
  std::vector<std::thread> threads;
  for (int i = 1; i < io_threads; ++i) threads.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
}

}  // namespace assess
