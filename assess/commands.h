// commands.h — the subcommands of the `assess` executable, one row each in a table
// {name, one-line help, handler}. main() looks the name up and runs it; `assess help` prints the
// table. Handlers take their arguments and streams, so tests can run them without a process.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace assess::cli {

// Exit codes shared by every subcommand.
constexpr int kOk = 0;
constexpr int kInvalidData = 1;  // a file or value failed validation
constexpr int kUsage = 2;        // wrong arguments
constexpr int kNotFound = 3;     // a file or id does not exist
constexpr int kTooLarge = 4;     // an input exceeds a limit

struct Command {
  std::string name;
  std::string help;
  std::function<int(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)> run;
};

const std::vector<Command>& commands();

// Runs `assess <args...>`; the whole program is this call.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace assess::cli
