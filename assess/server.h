// server.h — the Beast HTTP listener of `assess serve`. It only moves bytes, asynchronously: a few
// I/O threads read and write every connection with a deadline per step (a complete request header
// within 30 s, which also bounds the idle time between keep-alive requests), so a silent, trickling
// or slow client never holds a thread another client needs. Each complete request runs where the
// route table (App::work_of) says: quick ones (a save, a list, a static file) on the I/O thread
// itself, with no thread hop; slow ones (reports, scores with their gap search, imports, evidence
// files) on a worker pool; password routes (login, password change, invite accept, new users) on
// their own small pool, so Argon2 hashing never delays a page view; the threads of both pools run
// at a lower priority (nice 5), so that on busy cores the saves go first. Over-long bodies get 413
// before they are read; at the connection cap the connection idle longest (waiting for a header) is
// closed to make room, and only when none is idle does a new one get 503. Beast stays in this one
// translation unit.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "api.h"

namespace assess {

struct ServerLimits {
  std::size_t max_body = 12u << 20;
  int header_timeout_seconds = 30;  // a complete header, counted from connect or from the previous answer
  int body_timeout_seconds = 60;    // the body after its header (12 MiB at a slow 200 KiB/s)
  int write_timeout_seconds = 30;   // one answer
  int max_connections = 512;
  int io_threads = 2;
  int worker_threads = 2;
  int password_threads = 2;
  // Answer saves wait here for the store's group commit: threads that mostly sleep, so that the
  // saves of many clients can be written in one transaction.
  int writer_threads = 16;
};

// Serves until stopped (SIGINT/SIGTERM). `ready` is called with the bound port.
void serve(App& app, const std::string& host, unsigned short port, const ServerLimits& limits,
           const std::function<void(unsigned short)>& ready);

}  // namespace assess
