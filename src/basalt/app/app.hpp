// Composition root: owns the store, services, router and server; runs `basalt serve` and the
// offline CLI commands. Nothing depends on this folder.
#pragma once

#include "basalt/config/config.hpp"

namespace basalt::app {

/// Parses argv (serve | superuser upsert/delete) and runs the command; returns the exit code.
int Main(int argc, char** argv);

/// Runs the server until SIGINT/SIGTERM; returns the exit code.
int Serve(const config::ServeConfig& cfg);

}  // namespace basalt::app
