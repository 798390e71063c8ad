// server.h — the Beast HTTP listener of `assess serve`. It only moves bytes: it reads a request
// within the size and time limits, hands it to App::handle (one at a time, so each answer save is
// one SQLite transaction), and writes the response. Over-long bodies get 413 before they are read;
// connections beyond the cap get 503. Beast stays in this one translation unit.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "api.h"

namespace assess {

struct ServerLimits {
  std::size_t max_body = 12u << 20;
  int request_timeout_seconds = 30;
  int max_connections = 256;
};

// Serves until stopped (SIGINT/SIGTERM). `ready` is called with the bound port.
void serve(App& app, const std::string& host, unsigned short port, const ServerLimits& limits,
           const std::function<void(unsigned short)>& ready);

}  // namespace assess
