#!/usr/bin/env bash
# Sanitizer runs (issue 7), run by the default suite as the ctest test "sanitizers":
#   build-asan/  clang, AddressSanitizer + UndefinedBehaviorSanitizer, no GUI: the unit, integration and
#                proxy tests, every libFuzzer target's smoke run and the dialogue fuzzer's (label "fuzz").
#   build-tsan/  clang, ThreadSanitizer, no GUI: the threaded engine tests (sessions, event queue,
#                step mode, demo server, fault suite), the exporter's (worker pool, probe service, HTTP
#                listener) and a short dialogue fuzzer run (a scripted server thread beside each session's).
# Both build directories are kept between runs, so only the first run pays for the full builds.
# SMTPWB_JOBS sets the build and test parallelism (default: all cores).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=${SMTPWB_JOBS:-$(nproc)}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

configure_and_build() {  # dir sanitizers extra-cmake-args... -- targets...
  local dir=$1 sanitize=$2
  shift 2
  local args=() targets=()
  while [[ $# -gt 0 && $1 != -- ]]; do args+=("$1"); shift; done
  [[ $# -gt 0 ]] && shift
  targets=("$@")
  if [[ ! -f $dir/CMakeCache.txt ]]; then
    CC=clang CXX=clang++ cmake -S . -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only" -DCMAKE_C_FLAGS_DEBUG="-O1 -gline-tables-only" \
      -DSMTPWB_BUILD_GUI=OFF -DSMTPWB_SANITIZE="$sanitize" "${args[@]}" >/dev/null
  fi
  local target_args=()
  for t in "${targets[@]}"; do target_args+=(--target "$t"); done
  cmake --build "$dir" -j "$jobs" "${target_args[@]}"
}

start=$SECONDS
# LeakSanitizer included; the mail stack's and proxies' own processes are not instrumented.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp"

echo "== ASan+UBSan build (build-asan)"
bash scripts/setup-deps.sh >/dev/null
configure_and_build build-asan "address,undefined" -DSMTPWB_FUZZ=ON
echo "== ASan+UBSan: unit, integration and proxy tests; fuzz smoke runs ($((SECONDS - start)) s so far)"
ctest --test-dir build-asan --no-tests=error --output-on-failure -j "$jobs" -L 'unit|integration|fuzz'

echo "== TSan build (build-tsan) ($((SECONDS - start)) s so far)"
configure_and_build build-tsan thread -- smtpwb_unit_tests smtpwb_integration_tests smtpwb_dialogue_fuzzer
echo "== TSan: threaded engine tests ($((SECONDS - start)) s so far)"
ctest --test-dir build-tsan --no-tests=error --output-on-failure -j "$jobs" \
  -R 'unit:(EventQueue|worker pool|probe service|probe: bounded|http listener)|integration:(Demo server|Silent server|Events reach|Step mode|Cancel while paused|Fault suite|Load)'
echo "== TSan: dialogue fuzzer, 50 mutated dialogues ($((SECONDS - start)) s so far)"
build-tsan/tests/smtpwb_dialogue_fuzzer --dialogues 50 --seed 7 --timeout 2
echo "== sanitizers passed in $((SECONDS - start)) s"
