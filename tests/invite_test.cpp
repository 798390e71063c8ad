#include <doctest/doctest.h>

#include <filesystem>

#include "api.h"
#include "store_support.h"

namespace {

struct Server {
  std::unique_ptr<assess::Store> store = assess::testing::open_test_store();
  std::string data_dir =
      (std::filesystem::temp_directory_path() / ("assess-invite-" + assess::random_token(6))).string();
  std::unique_ptr<assess::App> app;
  std::string cookie;
  std::string csrf;

  Server() {
    assess::AppConfig config;
    config.data_dir = data_dir;
    config.web_dir = ASSESS_SOURCE_DIR "/web";
    config.questionnaires_dir = ASSESS_SOURCE_DIR "/questionnaires";
    config.policies_dir = ASSESS_SOURCE_DIR "/policies";
    config.templates_dir = ASSESS_SOURCE_DIR "/templates";
    app = std::make_unique<assess::App>(config, *store);
    store->add_user("admin", "admin-password", "admin");
    login("admin", "admin-password");
  }
  ~Server() { std::filesystem::remove_all(data_dir); }

  assess::HttpResponse call(const std::string& method, const std::string& target, const std::string& body = "",
                            std::int64_t now = 1'800'000'000) {
    assess::HttpRequest r{method, target, {}, body, "127.0.0.1"};
    if (!body.empty()) r.headers["content-type"] = "application/json";
    if (!cookie.empty()) r.headers["cookie"] = cookie;
    if (!csrf.empty()) r.headers["x-csrf-token"] = csrf;
    return app->handle(r, now);
  }
  void login(const std::string& name, const std::string& password) {
    cookie.clear();
    csrf.clear();
    auto r = call("POST", "/api/login", assess::Json{{"name", name}, {"password", password}}.dump());
    REQUIRE(r.status == 200);
    const std::string set = r.header("Set-Cookie");
    cookie = set.substr(0, set.find(';'));
    csrf = assess::Json::parse(r.body)["csrf"];
  }
};

}  // namespace

TEST_CASE("an invite link lets an enterprise create its own account, once, before it expires") {
  Server s;
  auto e = s.call("POST", "/api/enterprises",
                  R"({"name": "邀请测试企业", "uscc": "91110000600037341L", "region": "320205"})");
  REQUIRE(e.status == 201);
  const auto enterprise_id = assess::Json::parse(e.body)["id"].get<std::int64_t>();
  auto other = s.call("POST", "/api/enterprises", R"({"name": "另一家企业"})");
  const auto other_id = assess::Json::parse(other.body)["id"].get<std::int64_t>();

  auto invite = s.call("POST", "/api/enterprises/" + std::to_string(enterprise_id) + "/invites?days=7");
  REQUIRE(invite.status == 201);
  const std::string token = assess::Json::parse(invite.body)["token"];

  s.cookie.clear();
  s.csrf.clear();
  auto accepted =
      s.call("POST", "/api/invites/" + token + "/accept", R"({"name": "factory", "password": "factory-pass"})");
  REQUIRE(accepted.status == 201);
  const auto user = assess::Json::parse(accepted.body)["user"];
  CHECK(user["role"] == "enterprise");
  CHECK(user["enterprise_id"] == enterprise_id);
  CHECK(accepted.header("Set-Cookie").find("HttpOnly; SameSite=Strict") != std::string::npos);

  SUBCASE("the new account sees only its own enterprise") {
    s.login("factory", "factory-pass");
    CHECK(s.call("GET", "/api/enterprises/" + std::to_string(enterprise_id)).status == 200);
    CHECK(s.call("GET", "/api/enterprises/" + std::to_string(other_id)).status == 403);
  }
  SUBCASE("a used link is refused") {
    auto again =
        s.call("POST", "/api/invites/" + token + "/accept", R"({"name": "factory2", "password": "factory-pass"})");
    CHECK(again.status == 404);
    CHECK(assess::Json::parse(again.body)["error"]["message"] == "this invite link is unknown, used or expired");
  }
  SUBCASE("an expired link is refused") {
    s.login("admin", "admin-password");
    auto late = s.call("POST", "/api/enterprises/" + std::to_string(enterprise_id) + "/invites?days=1");
    const std::string late_token = assess::Json::parse(late.body)["token"];
    s.cookie.clear();
    s.csrf.clear();
    auto r = s.call("POST", "/api/invites/" + late_token + "/accept",
                    R"({"name": "late", "password": "late-password"})", 1'800'000'000 + 2 * 86400);
    CHECK(r.status == 404);
  }
  SUBCASE("only admins and consultants create invites") {
    s.login("factory", "factory-pass");
    CHECK(s.call("POST", "/api/enterprises/" + std::to_string(enterprise_id) + "/invites").status == 403);
  }
}
