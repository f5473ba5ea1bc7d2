// Owns the subcommand registry of the `deepsearch` CLI. Each tools/cmd_<name>.cpp registers
// itself with a static initializer, so adding a subcommand never touches main.cpp:
//
//   static void setup(CLI::App& app) {
//     auto* cmd = app.add_subcommand("sample", "sample text from a model");
//     ... cmd->callback([opts] { run_sample(*opts); });
//   }
//   DS_REGISTER_COMMAND(sample, setup);
//
// Callbacks throw ds::Error for bad input; main() prints it and exits with status 2.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace ds::cli {

using CommandSetup = void (*)(CLI::App& app);

// Returns true so it can initialize a static. Commands are set up in name order.
bool register_command(const char* name, CommandSetup setup);

// Exit code a command wants main() to return (default 0), e.g. 1 for "checks failed".
void set_exit_code(int code);

}  // namespace ds::cli

#define DS_REGISTER_COMMAND(name, setup) \
  static const bool ds_registered_command_##name = ::ds::cli::register_command(#name, setup)
