#!/usr/bin/env bash
# The benchmark in one command: builds, starts the test suite's mail stack (Postfix + Dovecot SASL) in a
# directory of its own, measures smtp-workbench beside swaks and curl, the GUI and 200 tests at once,
# stops the stack and writes BENCHMARKS.md. See README.md, "Benchmarks".
#
#   bash bench/run.sh [--smoke] [--out FILE] [--no-build] [--build-dir DIR]
#
#   --smoke       3 runs each, 1000 GUI lines, 20 concurrent tests: checks that the harness works (CI)
#   --out FILE    write the results there instead of BENCHMARKS.md
#   --no-build    use the binaries in the build directory as they are
#   --build-dir   the CMake build directory (default: build/)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$root/BENCHMARKS.md
build_dir=$root/build
smoke=()
build=1
shown=(bench/run.sh)
usage() { echo "usage: bench/run.sh [--smoke] [--out FILE] [--no-build] [--build-dir DIR]" >&2; exit 2; }
while (($#)); do
  case $1 in
    --smoke) smoke=(--smoke); shown+=(--smoke) ;;
    --out) (($# >= 2)) || usage; out=$2; shown+=(--out FILE); shift ;;
    --no-build) build=0 ;;
    --build-dir) (($# >= 2)) || usage; build_dir=$2; shift ;;
    *) usage ;;
  esac
  shift
done

if ((build)); then bash "$root/scripts/build.sh"; fi
for tool in "$build_dir/app/smtp-workbench" "$build_dir/bench/concurrency_bench"; do
  [[ -x $tool ]] || { echo "bench: $tool is not built (run without --no-build, or bash scripts/build.sh)" >&2; exit 2; }
done
for tool in swaks curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is not installed (bash scripts/setup-deps.sh)" >&2; exit 2; }
done

# A short directory that the server processes can traverse (Unix socket paths, unprivileged users).
stack=$(mktemp -d /tmp/smtpwb-bench-XXXXXX)
chmod 755 "$stack"
stop_stack() {
  bash "$root/tests/servers/mailstack.sh" stop "$stack" >/dev/null 2>&1 || true
  rm -rf "$stack"
}
trap stop_stack EXIT
if ! bash "$root/tests/servers/mailstack.sh" start "$stack" >"$stack.log" 2>&1; then
  cat "$stack.log" >&2
  rm -f "$stack.log"
  exit 1
fi
rm -f "$stack.log"

# 200 tests at once need a server that takes 200 connections at once. Postfix's default process limit
# (100) is also its listen backlog: the SYNs beyond it are dropped and retried 1 s later, which would
# measure the kernel's retransmission timer. The limit and the backlog apply at start, hence the restart.
pf=(postfix -c "$stack/postfix")
postconf -c "$stack/postfix" -e default_process_limit=250
"${pf[@]}" stop >/dev/null 2>&1
for _ in $(seq 100); do "${pf[@]}" status >/dev/null 2>&1 || break; sleep 0.1; done
"${pf[@]}" start >/dev/null 2>&1 || { echo "bench: Postfix did not restart" >&2; exit 1; }
# shellcheck disable=SC1091
port=$(. "$stack/env" && echo "$MAILSTACK_TLS13_PORT")
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

python3 "$root/bench/bench.py" --env "$stack/env" --build-dir "$build_dir" --out "$out" "${smoke[@]}" \
  --command "${shown[*]}"
echo "bench: results written to $out" >&2
