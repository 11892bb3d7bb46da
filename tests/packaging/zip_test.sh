#!/usr/bin/env bash
# The Windows zip: cpack -G ZIP in the Windows build dir, then its contents: the programs at the top,
# README.txt, and the licence text of every library linked into them. Prints the zip's size.
#   usage: zip_test.sh BUILD_WINDOWS_DIR
set -euo pipefail
build=$(cd "${1:?usage: $0 BUILD_WINDOWS_DIR}" && pwd)
fail() { echo "zip_test: $*" >&2; exit 1; }
mkdir -p "$build/packages"
(cd "$build" && cpack -G ZIP >"$build/packages/cpack-zip.log" 2>&1) ||
  fail "cpack -G ZIP failed: $(tail -n 5 "$build/packages/cpack-zip.log")"
zip=$(ls -t "$build"/packages/smtp-workbench-*-win64.zip | head -n 1)
top=$(basename "$zip" .zip)
listing=$(python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$zip")
for f in smtp-workbench.exe smtp-workbench-gui.exe README.txt \
         licenses/mbedtls.txt licenses/nettle.txt licenses/imgui.txt licenses/glfw3.txt licenses/freetype.txt \
         licenses/libstb.txt licenses/spdlog.txt licenses/fmtlib.txt licenses/nlohmann-json3.txt \
         licenses/g++-mingw-w64-x86-64-posix.txt licenses/mingw-w64-x86-64-dev.txt; do
  grep -qxF "$top/$f" <<<"$listing" || fail "$(basename "$zip") lacks $top/$f"
done
if grep -qiE '\.dll$|catch2' <<<"$listing"; then fail "the zip carries DLLs or the test framework: $listing"; fi
echo "$(basename "$zip"): $(stat -c %s "$zip") bytes, $(wc -l <<<"$listing") entries"
