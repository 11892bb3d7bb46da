#!/usr/bin/env bash
# cmake --install puts the binary, the desktop entry, the icon and the assets where desktops look.
# usage: install_test.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR}
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/smtp-workbench share/applications/smtp-workbench.desktop \
         share/icons/hicolor/scalable/apps/smtp-workbench.svg share/smtp-workbench/presets.json; do
  [[ -s "$prefix/$f" ]] || { echo "missing after install: $f" >&2; exit 1; }
done
grep -q '^Exec=smtp-workbench$' "$prefix/share/applications/smtp-workbench.desktop"
grep -q '^Icon=smtp-workbench$' "$prefix/share/applications/smtp-workbench.desktop"
"$prefix/bin/smtp-workbench" --version | grep -q '^smtp-workbench '
echo "installed and runnable"
