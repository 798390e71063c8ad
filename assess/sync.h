// sync.h — the laptop side of laptop <-> server sync (issue 16, item 3): `assess sync --server URL`
// and the laptop UI's sync button run sync_with_server().
//
// What and why: a consultant works offline on a laptop (SQLite) and later sends the work to a
// bureau's server. The laptop pushes its changes in batches (enterprises by USCC, assessments by a
// global id, audit rows — every answer change — and evidence records), uploads only the evidence
// files the server says it lacks (by SHA-256), then pulls in batches what its user may see on the
// server and downloads the files it lacks. Each side keeps a cursor per direction (the last id of
// each kind handled) that is saved only after a batch is fully done, and applying a batch twice
// changes nothing (rows are known by their global ids), so a sync cut off anywhere and run again ends
// in the same state. The server decides conflicts (store.h, Store::sync_apply); the laptop takes the
// server's values and lists the open conflicts a person resolves in the UI.
//
// The client speaks plain HTTP/1.1 over POSIX sockets (no Beast here): http:// URLs only, to a
// loopback address unless allowed (a token must not cross a network unencrypted).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store.h"

namespace assess {

struct SyncOptions {
  std::string server;        // http://host[:port]
  std::string token;         // the machine token (never from the command line)
  std::string evidence_dir;  // where this laptop keeps its evidence files
  std::size_t batch = 200;   // items per request (at most 1000, the server's bound)
  // Test hook (ASSESS_SYNC_STOP_AFTER): stop after this many batches, after the server answered and
  // before the cursor is saved, as a sync cut off at its worst moment. 0: never.
  int stop_after = 0;
  bool allow_remote = false;  // plain HTTP to a host that is not this computer
};

struct SyncReport {
  Json pushed = Json::object();  // counts the server applied
  Json pulled = Json::object();  // counts applied here
  std::int64_t batches = 0;
  std::int64_t files_sent = 0;
  std::int64_t bytes_sent = 0;  // evidence file bytes only
  std::int64_t files_received = 0;
  std::int64_t bytes_received = 0;
  std::int64_t conflicts_open = 0;  // on the server, for what this user sees
  bool interrupted = false;
  std::vector<std::string> warnings;
  Json json() const;
};

// Throws Error ("sync", …) when the server refuses or cannot be reached; what was done before stays
// (cursors of finished batches are saved).
SyncReport sync_with_server(Store& store, const SyncOptions& options);

// The number of items a batch may hold (the server refuses more).
constexpr std::size_t kMaxSyncBatch = 1000;

}  // namespace assess
