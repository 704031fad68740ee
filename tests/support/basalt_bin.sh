# Sourced by the node test runners with the runner's first argument: exports BASALT_BIN, the
# basalt binary as an absolute path (the argument, else $BASALT_BIN, else build/release/basalt,
# relative paths taken from the current directory).
bin="${1:-${BASALT_BIN:-build/release/basalt}}"
if [[ "$bin" != /* ]]; then
  bin="$(pwd)/$bin"
fi
export BASALT_BIN="$bin"
