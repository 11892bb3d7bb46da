#!/usr/bin/env bash
# The Debian package: cpack -G DEB in BUILD_DIR, `dpkg -i` on this machine, the installed binary runs
# `check --demo` from /usr/bin, the desktop entry and icon are where desktops look, then `dpkg -r`.
# Needs root (or password-less sudo): otherwise it is skipped (exit 77). It refuses to touch an
# smtp-workbench package that was installed before it ran.
#   usage: deb_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "deb_test: $*" >&2; exit 1; }

sudo=
if [[ $(id -u) != 0 ]]; then
  sudo -n true 2>/dev/null || skip "installing a .deb needs root or password-less sudo"
  sudo="sudo -n"
fi
command -v dpkg-shlibdeps >/dev/null || skip "dpkg-shlibdeps (dpkg-dev) is not installed"

# One package name per machine: checkouts testing side by side take turns.
exec 9>/tmp/smtpwb-deb-test.lock
flock 9
if dpkg-query -W -f='${Status}' smtp-workbench 2>/dev/null | grep -q 'ok installed'; then
  skip "an smtp-workbench package is already installed on this machine; not replacing it"
fi

mkdir -p "$build/packages"
start=$(date +%s%N)
(cd "$build" && cpack -G DEB >"$build/packages/cpack-deb.log" 2>&1) ||
  fail "cpack -G DEB failed: $(tail -n 5 "$build/packages/cpack-deb.log")"
deb=$(ls -t "$build"/packages/smtp-workbench_*.deb | head -n 1)
echo "package: $(basename "$deb"), $(stat -c %s "$deb") bytes, cpack took $(( ($(date +%s%N) - start) / 1000000 )) ms"
dpkg-deb --field "$deb" Depends | sed 's/^/Depends: /'
dpkg-deb --field "$deb" Depends | grep -q 'libsecret-1-0' || fail "Depends lacks libsecret-1-0 (dpkg-shlibdeps did not run?)"

installed=0
remove() { [[ $installed == 1 ]] && $sudo dpkg -r smtp-workbench >/dev/null; }
trap remove EXIT
for attempt in 1 2 3 4 5 6; do  # another apt or dpkg run may hold the dpkg lock for a while
  if $sudo dpkg -i "$deb" >"$build/packages/dpkg-i.log" 2>&1; then installed=1; break; fi
  grep -q 'lock' "$build/packages/dpkg-i.log" || break
  sleep 10
done
[[ $installed == 1 ]] || { $sudo dpkg -r smtp-workbench >/dev/null 2>&1 || true; fail "dpkg -i failed: $(tail -n 5 "$build/packages/dpkg-i.log")"; }

for f in /usr/bin/smtp-workbench /usr/bin/smtp-workbench-gui /usr/share/applications/smtp-workbench.desktop \
         /usr/share/icons/hicolor/scalable/apps/smtp-workbench.svg /usr/share/doc/smtp-workbench/copyright; do
  [[ -s $f ]] || fail "missing after dpkg -i: $f"
done
[[ $(command -v smtp-workbench) == /usr/bin/smtp-workbench ]] || fail "smtp-workbench on PATH is $(command -v smtp-workbench), not /usr/bin's"
/usr/bin/smtp-workbench --version
/usr/bin/smtp-workbench check --demo --quiet || fail "/usr/bin/smtp-workbench check --demo exited with $?"
echo "installed with dpkg -i, ran check --demo from /usr/bin, removing again"
