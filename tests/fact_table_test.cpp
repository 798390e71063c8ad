#include "scoring/fact_table.h"

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "bureau_support.h"
#include "scoring/dashboard.h"
#include "scoring/logic.h"
#include "scoring/policy.h"
#include "scoring/rank.h"
#include "store.h"
#include "support.h"

namespace {

using assess::Json;
using assess::logic::Typed;
using assess::testing::mixed_candidates;
using assess::testing::records_of;

const std::string kCriteria = ASSESS_SOURCE_DIR "/policies/criteria";

// Typed slots holding the same values as a JSON object of scalars and string lists (the second
// method: Rule::evaluate reads the JSON).
struct Slots {
  std::vector<std::string> names;
  std::vector<Typed> values;
  std::vector<std::vector<std::string_view>> lists;
  Slots(const Json& data) : lists(data.size()) {
    std::size_t i = 0;
    for (auto it = data.begin(); it != data.end(); ++it, ++i) {
      names.push_back(it.key());
      const Json& v = it.value();
      Typed t;
      if (v.is_boolean())
        t = Typed::of_bool(v.get<bool>());
      else if (v.is_number_integer())
        t = Typed::of_int(v.get<std::int64_t>());
      else if (v.is_number())
        t = Typed::of_double(v.get<double>());
      else if (v.is_string())
        t = Typed::of_string(v.get_ref<const std::string&>());
      else if (v.is_array()) {
        for (const Json& e : v) lists[i].push_back(e.get_ref<const std::string&>());
        t.kind = Typed::kList;
        t.items = lists[i].data();
        t.count = static_cast<std::uint32_t>(lists[i].size());
      }
      values.push_back(t);
    }
  }
  int slot(std::string_view name) const {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return static_cast<int>(i);
    }
    return -1;
  }
};

// The words of the shipped catalogues (text.h Words).
const assess::Words en_words = assess::testing::shipped_words("en");
const assess::Words zh_words = assess::testing::shipped_words("zh-CN");

// Ranking results as the API and the CLI show them, every row.
std::string shown(const assess::RankResult& r, std::size_t limit = 0) {
  return assess::rank_to_json(r, "en", en_words, limit).dump(1);
}

assess::FactRowSource rows_of(assess::Store& store) {
  return [&store](const assess::FactQuery& q, const assess::FactRowVisitor& v) { return store.bureau_rows(q, v); };
}

}  // namespace

TEST_CASE("typed evaluation gives what JSON evaluation gives, coercions included") {
  const std::vector<Json> data = {
      Json::parse(
          R"({"a": 5, "b": 5.5, "s": "5", "t": "abc", "e": "", "y": true, "n": false, "l": ["x", "none"], "m": []})"),
      Json::parse(
          R"({"a": 0, "b": -0.5, "s": " 12 ", "t": "L2", "e": "0", "y": false, "n": true, "l": [], "m": ["5"]})"),
      Json::parse(
          R"({"a": 40, "b": 39.9999999, "s": "1e3", "t": "SF2", "e": "x", "y": true, "n": true, "l": ["none"], "m": ["a", "b"]})"),
  };
  const std::vector<std::string> rules = {
      R"({"var": "a"})",
      R"({"==": [{"var": "a"}, {"var": "s"}]})",
      R"({"==": [{"var": "y"}, 1]})",
      R"({"===": [{"var": "y"}, true]})",
      R"({"!=": [{"var": "t"}, null]})",
      R"({"!==": [{"var": "a"}, 5]})",
      R"({"<": [{"var": "b"}, {"var": "a"}, 100]})",
      R"({"<=": [{"var": "s"}, {"var": "a"}]})",
      R"({">": [{"var": "t"}, "L1"]})",
      R"({">=": [{"var": "e"}, 0]})",
      R"({"in": [{"var": "t"}, ["L2", "L3", "L4"]]})",
      R"({"in": ["none", {"var": "l"}]})",
      R"({"in": ["b", {"var": "t"}]})",
      R"({"in": [5, {"var": "m"}]})",
      R"({"!": {"var": "m"}})",
      R"({"!!": {"var": "l"}})",
      R"({"and": [{"var": "y"}, {"var": "a"}]})",
      R"({"or": [{"var": "e"}, {"var": "n"}, {"var": "b"}]})",
      R"({"if": [{"var": "y"}, 100, 0]})",
      R"({"if": [{"var": "n"}, "x", {"var": "e"}, "y", "z"]})",
      R"({"-": [100, {"*": [2.5, {"max": [0, {"-": [40, {"var": "b"}]}]}]}]})",
      R"({"+": [{"var": "s"}, {"var": "a"}, {"var": "y"}]})",
      R"({"*": [{"var": "s"}, 2]})",
      R"({"/": [{"var": "a"}, {"var": "b"}]})",
      R"({"/": [1, 0]})",
      R"({"%": [{"var": "a"}, 3]})",
      R"({"min": [{"var": "t"}, 1]})",
      R"({"-": [{"var": "s"}]})",
      R"({"*": [{"var": "l"}]})",
      R"({"==": [{"var": "l"}, "none"]})",
      R"({"<": [{"var": "l"}, "z"]})",
      R"({"+": [{"var": "m"}]})",
      R"({"if": [{"and": [{"var": "l"}, {"!": {"in": ["none", {"var": "l"}]}}]}, 100, 0]})",
      R"(42)",
      R"("text")",
      R"(null)",
      R"({"==": [{"var": "missing"}, null]})"};
  for (const auto& d : data) {
    const Slots slots(d);
    for (const auto& text : rules) {
      auto rule = assess::logic::Rule::compile(Json::parse(text));
      // Unknown vars (not bound) make the typed compile fail; "missing" is bound to a null slot here.
      std::vector<Typed> values = slots.values;
      values.push_back(Typed::null());
      const auto typed = assess::logic::TypedRule::compile(rule, [&](std::string_view path) {
        return path == "missing" ? static_cast<int>(slots.values.size()) : slots.slot(path);
      });
      INFO(text, " on ", d.dump());
      REQUIRE(typed.has_value());
      CHECK(assess::logic::to_json(typed->evaluate(values.data())).dump() == rule.evaluate(d).dump());
    }
  }
}

TEST_CASE("a rule the typed evaluator does not cover is left to the JSON evaluator") {
  const auto slot = [](std::string_view path) { return path == "a" ? 0 : -1; };
  for (const char* text :
       {R"({"cat": [{"var": "a"}, "x"]})", R"({"var": ["a", 1]})", R"({"missing": ["a"]})", R"({"var": "b"})",
        R"({"map": [[1, 2], {"var": ""}]})", R"({"in": [{"var": "a"}, [1, 2]]})"}) {
    INFO(text);
    CHECK_FALSE(assess::logic::TypedRule::compile(assess::logic::Rule::compile(Json::parse(text)), slot).has_value());
  }
}

TEST_CASE(
    "fact values: typed columns for facts of the expected kind; a record with a fact of another kind is untyped") {
  Json facts = Json::parse(R"({"region": "320205", "profile": {"industry": "C3670", "employees": 120, "is_sme": true,
    "key_process_cnc_rate": 65.5, "provincial_labels": ["a", "b"], "smart_factory_tier": null},
    "results": {"sme-digital-2024": {"level": null, "total": 12.5}}})");
  const auto values = assess::fact_values(facts);
  REQUIRE(values.has_value());
  auto at = [&](const char* path) { return (*values)[static_cast<std::size_t>(assess::fact_column(path))]; };
  CHECK(at("region") == "320205");
  CHECK(at("profile.employees").is_number_integer());
  CHECK(at("profile.key_process_cnc_rate").is_number_float());
  CHECK(at("profile.is_sme") == true);
  CHECK(at("profile.provincial_labels") ==
        "a\x1f"
        "b\x1f");
  CHECK(at("profile.smart_factory_tier").is_null());
  CHECK(at("results.sme-digital-2024") == true);
  CHECK(at("results.cmmm") == false);
  CHECK(at("results.sme-digital-2024.level").is_null());
  std::vector<std::string_view> items;  // views into `labels`, which must outlive them
  const std::string labels = at("profile.provincial_labels").get<std::string>();
  assess::decode_list(labels, items);
  CHECK(items == std::vector<std::string_view>{"a", "b"});
  const auto summary = assess::fact_summary(facts);
  CHECK(summary.division == "36");
  CHECK(summary.sme_total_q == 12500000);
  CHECK_FALSE(summary.sf_total_q.has_value());

  facts["profile"]["employees"] = "120";
  CHECK_FALSE(assess::fact_values(facts).has_value());
  facts["profile"]["employees"] = 120;
  facts["profile"]["is_sme"] = 1;
  CHECK_FALSE(assess::fact_values(facts).has_value());
}

TEST_CASE(
    "ranking from the database's typed columns equals ranking the records in memory (shipped criteria, 3,000 "
    "enterprises)") {
  const auto candidates = mixed_candidates(3000, 7);
  auto store = assess::Store::open(":memory:");
  store->save_bureau_records(records_of(candidates), false, "test", "2026-01-01");
  // A second round for some: only the latest counts, as in bureau_candidates().
  std::vector<assess::Candidate> later(candidates.begin(), candidates.begin() + 300);
  for (auto& c : later) c.facts["profile"]["key_process_cnc_rate"] = 99.5;
  store->save_bureau_records(records_of(later), true, "test", "2026-06-01");
  const auto in_memory = assess::candidates_from_json(store->bureau_candidates(), "db");
  REQUIRE(in_memory.size() == 3000);

  auto criteria = assess::load_criteria_dir(kCriteria);
  // One criteria file that reads a fact outside the typed columns: every record is read as JSON.
  criteria.push_back(assess::load_criteria(Json::parse(R"({"id": "prev", "title": "t", "cite": "c", "top": 20,
    "eligibility": [{"id": "grew", "title": "grew", "logic": {">": [{"var": "profile.revenue_last_year"}, {"var": "profile.revenue_prev_year"}]}}],
    "score": [{"id": "g", "title": "g", "weight": 1, "value": {"-": [{"var": "profile.revenue_last_year"}, {"var": "profile.revenue_prev_year"}]}}]})"),
                                           "prev.json"));
  std::vector<assess::RankOptions> options(5);
  options[1].region = "320205";
  options[2].industry = "C36";
  options[3].top = 5;
  options[4].region = "3304";
  options[4].top = 50;
  for (auto& c : criteria) {
    for (int lift = 0; lift < 2; ++lift) {
      if (lift) c.regions.clear();  // the file's own region filter lifted: every region ranked
      for (const auto& o : options) {
        INFO(c.id, " region ", o.region, " industry ", o.industry, " top ", o.top, " lift ", lift);
        const auto expected = assess::rank(c, in_memory, o);
        const auto from_db = assess::rank_rows(c, rows_of(*store), o);
        CHECK(from_db.considered == expected.considered);
        CHECK(shown(from_db) == shown(expected));
        // Only the first rows built: the same rows and the same complete counts. Pages of up to 250
        // rows read their names afterwards by id; a longer page reads them with the rows.
        for (const std::size_t limit : {std::size_t{1}, std::size_t{7}, std::size_t{300}}) {
          INFO("page of ", limit);
          const auto page = assess::rank_rows(c, rows_of(*store), o, limit);
          CHECK(page.rows.size() <= limit);
          CHECK(shown(page, limit) == shown(expected, limit));
        }
      }
    }
  }
}

TEST_CASE("the dashboard and the peer percentile from the database equal the in-memory figures (3,000 enterprises)") {
  const auto candidates = mixed_candidates(3000, 8);
  auto store = assess::Store::open(":memory:");
  store->save_bureau_records(records_of(candidates), false, "test", "2026-01-01");
  const auto in_memory = assess::candidates_from_json(store->bureau_candidates(), "db");
  const auto catalogue = assess::load_catalogue_dir(ASSESS_SOURCE_DIR "/policies");
  const auto targets = assess::dashboard_targets(catalogue);
  for (const char* region : {"320205", "320000", "3304", "510400", "100000", "99"}) {
    INFO(region);
    CHECK(assess::dashboard_to_json(assess::dashboard_rows(rows_of(*store), catalogue.dashboard, targets, region),
                                    "zh-CN", zh_words)
              .dump() == assess::dashboard_to_json(assess::dashboard(in_memory, catalogue.dashboard, targets, region),
                                                   "zh-CN", zh_words)
                             .dump());
  }
  int shown_count = 0;
  for (std::size_t i = 0; i < in_memory.size(); i += 13) {
    const auto& me = in_memory[i];
    for (const char* module : {"sme-digital-2024", "smart-factory-2025", "cmmm", "profile"}) {
      INFO(me.id, " ", module);
      // The enterprise as its own assessment sees it, beside the imported records (its own left out).
      Json self = me.facts;
      if (self.contains("profile") && self["profile"].is_object() && self["profile"].contains("key_process_cnc_rate")) {
        self["results"]["sme-digital-2024"] = {{"level", "L1"}, {"total", 31.5}};
      }
      std::vector<assess::Candidate> group;
      for (const auto& c : in_memory) {
        if (c.id != me.id) group.push_back(c);
      }
      group.push_back({me.id, me.name, self});
      const auto expected = assess::peer_to_json(assess::percentile(group, me.id, module), "en", en_words);
      const auto got = assess::peer_to_json(
          assess::percentile_of(me.id, self, module,
                                [&](const std::string& division, const std::string& size, std::int64_t q) {
                                  return store->peer_counts(module, division, size, q, me.id);
                                }),
          "en", en_words);
      CHECK(got.dump() == expected.dump());
      shown_count += got["percentile"].is_number();
    }
  }
  CHECK(shown_count > 50);
}

TEST_CASE("a data dir imported before the typed columns migrates, and its records rank identically") {
  const auto dir = std::filesystem::temp_directory_path() / ("assess-migrate-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "assess.db").string();
  const auto candidates = mixed_candidates(1500, 21);
  std::vector<assess::Candidate> expected_candidates;
  {
    auto store = assess::Store::open(path);
    store->save_bureau_records(records_of(candidates), false, "old.csv", "2025-01-01");
    std::vector<assess::Candidate> later(candidates.begin() + 100, candidates.begin() + 200);
    for (auto& c : later) c.facts["profile"]["digital_rd_tools"] = true;
    store->save_bureau_records(records_of(later), true, "old.csv", "2025-06-01");
    expected_candidates = assess::candidates_from_json(store->bureau_candidates(), "db");
  }
  // The database as schema version 5 left it: no typed columns (nor what versions 7 to 13 add).
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(
        sqlite3_exec(db,
                     "DROP TABLE bureau_facts; ALTER TABLE bureau_records DROP COLUMN origin; ALTER TABLE "
                     "bureau_records DROP COLUMN as_of; DROP TABLE login_attempts; ALTER TABLE assessments DROP "
                     "COLUMN version; DROP TABLE sync_node; DROP TABLE machine_tokens; DROP TABLE sync_cursors; "
                     "DROP TABLE sync_conflicts; DROP INDEX assessments_origin; ALTER TABLE assessments DROP "
                     "COLUMN origin; DROP INDEX audit_origin; ALTER TABLE audit DROP COLUMN origin; ALTER TABLE "
                     "audit DROP COLUMN user_name; DROP INDEX evidence_by_file; DROP INDEX assessments_by_enterprise; "
                     "DROP INDEX enterprises_by_name; PRAGMA user_version = 5;",
                     nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = assess::Store::open(path);
  CHECK(store->schema_version() == 13);
  CHECK(store->schema_version() == assess::Store::latest_schema_version());
  const auto catalogue = assess::load_catalogue_dir(ASSESS_SOURCE_DIR "/policies");
  for (const auto& c : assess::load_criteria_dir(kCriteria)) {
    INFO(c.id);
    CHECK(shown(assess::rank_rows(c, rows_of(*store), {})) == shown(assess::rank(c, expected_candidates, {})));
  }
  CHECK(assess::dashboard_to_json(assess::dashboard_rows(rows_of(*store), catalogue.dashboard,
                                                         assess::dashboard_targets(catalogue), "320000"),
                                  "zh-CN", zh_words)
            .dump() == assess::dashboard_to_json(assess::dashboard(expected_candidates, catalogue.dashboard,
                                                                   assess::dashboard_targets(catalogue), "320000"),
                                                 "zh-CN", zh_words)
                           .dump());
  store.reset();
  std::filesystem::remove_all(dir);
}
