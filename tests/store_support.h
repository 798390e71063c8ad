// store_support.h — the database the store and API tests run on: a fresh in-memory SQLite database,
// or, when ASSESS_TEST_DATABASE holds a "postgresql://…" URL (the CTest test store_api_on_postgresql
// starts a real cluster, tests/tools/pg_cluster.sh), that PostgreSQL database emptied first.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "db.h"
#include "store.h"

namespace assess::testing {

// The PostgreSQL URL the tests run on, or "" for SQLite.
inline std::string test_database_url() {
  const char* url = std::getenv("ASSESS_TEST_DATABASE");
  return url && Database::is_url(url) ? url : "";
}

inline bool testing_postgres() {
  return !test_database_url().empty();
}

// A new, empty store on the test database.
inline std::unique_ptr<Store> open_test_store() {
  const std::string url = test_database_url();
  if (url.empty()) return Store::open(":memory:");
  Database::open(url)->exec("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public");
  return Store::open(url);
}

// One text value (the first column of the first row, "" when none) of a query on the store's own
// connection, written in the portable SQL of db.h.
inline std::string query_text(Store& store, const std::string& sql) {
  const auto lock = store.guard();
  Cursor& c = store.database().prepare(sql);
  std::string out;
  if (c.step()) out = std::string(c.text(0));
  c.reset();
  return out;
}

}  // namespace assess::testing
