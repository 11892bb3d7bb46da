#!/usr/bin/env bash
# Cross-builds the Windows programs into build-windows/: the dependencies first (scripts/setup-windows-deps.sh,
# cached), then CMake with cmake/mingw-w64-x86_64.cmake. Extra arguments go to `cmake --build`
# (e.g. --target smtpwb_windows_toolchain_tests). Test with: ctest --test-dir build-windows -L wine
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build=${SMTPWB_WINDOWS_BUILD_DIR:-build-windows}

bash scripts/setup-windows-deps.sh
[[ -f $build/CMakeCache.txt ]] ||
  cmake -S . -B "$build" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$root/cmake/mingw-w64-x86_64.cmake" \
    -DCMAKE_BUILD_TYPE=Release
log="$build/build-windows.log"
# -k 0: keep going, so one run lists every file that does not build yet.
if ! cmake --build "$build" -j "${SMTPWB_JOBS:-$(nproc)}" "$@" -- -k 0 2>&1 | tee "$log"; then
  failed=$(grep -o '^FAILED: [^ ]*' "$log" | sed 's/^FAILED: //' | sort -u)
  {
    echo
    echo "build-windows: the Windows build failed (full log: $log)."
    if [[ -n $failed ]]; then
      echo "Failed to build:"; printf '  %s\n' $failed
    fi
    echo "The cross build and the Wine harness can still be checked alone:"
    echo "  bash scripts/build-windows.sh --target smtpwb_windows_toolchain_tests && ctest --test-dir $build -L toolchain"
  } >&2
  exit 1
fi
echo "build-windows: Windows programs in $build/ (test: ctest --test-dir $build -L wine)"
