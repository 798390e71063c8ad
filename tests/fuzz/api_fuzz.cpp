// libFuzzer target: the HTTP handler, request to response, as a logged-in admin (the role that
// reaches every route). The input is "METHOD TARGET" on the first line and the body after it. Every
// request gets an answer with a status; 500 (an exception the handler did not map) is a finding.
// The App runs over an in-memory store and a private temporary data folder, seeded with one
// enterprise and one assessment so that the assessment routes have something to act on.
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "api.h"
#include "store.h"

namespace {

constexpr std::int64_t kNow = 1'790'000'000;

struct World {
  std::string data_dir;
  std::unique_ptr<assess::Store> store;
  std::unique_ptr<assess::App> app;
  assess::User admin;
  std::string token;
  std::string csrf;

  World() {
    char dir[] = "/tmp/assess-api-fuzz-XXXXXX";
    if (!mkdtemp(dir)) std::abort();
    data_dir = dir;
    store = assess::Store::open(":memory:");
    assess::AppConfig config;
    config.data_dir = data_dir;
    config.web_dir = ASSESS_SOURCE_DIR "/web";
    config.questionnaires_dir = ASSESS_SOURCE_DIR "/questionnaires";
    config.policies_dir = ASSESS_SOURCE_DIR "/policies";
    config.templates_dir = ASSESS_SOURCE_DIR "/templates";
    config.max_body = 1u << 20;
    app = std::make_unique<assess::App>(config, *store);
    admin = store->add_user("admin", "correct horse battery staple", "admin");
    login();
    send("POST", "/api/enterprises", R"({"name":"甲","region":"320205","uscc":"91320205MA1Y8KQ38L"})");
    send("POST", "/api/enterprises/1/assessments",
         R"({"modules":["profile","sme-digital-2024","smart-factory-2025"]})");
  }

  void login() {
    const assess::Session s = store->create_session(admin, kNow, 3600);
    token = s.token;
    csrf = s.csrf;
  }

  assess::HttpResponse send(const std::string& method, const std::string& target, const std::string& body) {
    if (!store->find_session(token, kNow)) login();  // a fuzzed logout ends the session
    assess::HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.headers.emplace("cookie", "assess_session=" + token);
    r.headers.emplace("x-csrf-token", csrf);
    r.headers.emplace("content-type", "application/json");
    return app->handle(r, kNow);
  }
};

World* world = nullptr;

}  // namespace

// Built before the first input, outside libFuzzer's per-input timeout: loading the definitions and
// hashing the admin's password take seconds.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  world = new World();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto line_end = input.find('\n');
  const std::string line = input.substr(0, line_end);
  const std::string body = line_end == std::string::npos ? "" : input.substr(line_end + 1);
  const auto space = line.find(' ');
  const std::string method = line.substr(0, space);
  const std::string target = space == std::string::npos ? "/" : line.substr(space + 1);
  // Password hashing (Argon2, ~0.5 s a call) would starve the fuzzer: logins, new users and invite
  // acceptance are left to the unit tests (their JSON bodies go through the same parser as the rest).
  if (target.find("login") != std::string::npos || target.find("accept") != std::string::npos ||
      target.find("users") != std::string::npos) {
    return 0;
  }
  const assess::HttpResponse r = world->send(method, target, body);
  if (r.status < 100 || r.status > 599) __builtin_trap();
  if (r.status == 500) {
    std::fprintf(stderr, "500 for %s %s: %s\n", method.c_str(), target.c_str(), r.body.substr(0, 300).c_str());
    __builtin_trap();
  }
  return 0;
}
