// assess — scores manufacturing enterprises against China's digital-maturity ladders.
// The executable is the domain library plus this dispatcher; see commands.h for the table.
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return assess::cli::run(args, std::cout, std::cerr);
}
