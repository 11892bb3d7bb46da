#!/usr/bin/env bash
# Installs everything SMTP Workbench needs to build and test, from Debian packages only.
#  - Debian 12 packages through the machine's own apt configuration.
#  - Newer packages (mbedTLS 3.6 and Dear ImGui 1.90 from trixie, Catch2 3.7 from bookworm-backports)
#    are fetched with `apt-get download` through a temporary sources list built from the mirror the
#    machine's apt already uses, and unpacked with `dpkg -x` into a project-local prefix (.deps/prefix).
# Idempotent: a stamp file records what was done; a second run takes well under a second.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deps="$root/.deps"
prefix="$deps/prefix"
stamp="$deps/setup.stamp"
stamp_version=3

die() { printf 'setup-deps: %s\n' "$*" >&2; exit 1; }
step() { printf '== %s\n' "$*"; }

SYSTEM_PACKAGES=(
  build-essential cmake pkg-config ninja-build
  libglfw3-dev libsecret-1-dev gnome-keyring libsecret-tools dbus libspdlog-dev libfmt-dev libstb-dev libfreetype-dev libgl-dev nlohmann-json3-dev nettle-dev sasl2-bin
  postfix dovecot-core swaks curl python3 libio-socket-ssl-perl libnet-ssleay-perl libauthen-sasl-perl openssl ca-certificates xvfb xauth libgl1-mesa-dri procps iproute2
  dante-server tinyproxy squid libpam-pwdfile libio-socket-socks-perl
)
# Packages whose system service the suite never uses: it runs its own instances on loopback ports.
UNUSED_SERVICES=(danted tinyproxy squid)
TRIXIE_PACKAGES=(libmbedtls-dev libmbedtls21 libmbedcrypto16 libmbedx509-7 libimgui-dev)
BACKPORTS_PACKAGES=(libcatch2-dev)

prefix_ready=0
if [[ -f "$stamp" && "$(cat "$stamp")" == "$stamp_version" ]] && [[ "${1:-}" != "--force" ]]; then
  prefix_ready=1
  missing=0
  for p in "${SYSTEM_PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing=1; done
  [[ $missing == 0 ]] && { echo "setup-deps: already done (use --force to redo)"; exit 0; }
fi

[[ $(id -u) == 0 ]] || SUDO=sudo
SUDO=${SUDO:-}
export DEBIAN_FRONTEND=noninteractive

# The Debian mirror this machine's apt is configured with (deb822 or one-line format), never hard-coded.
debian_mirror() {
  local files=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources)
  local f
  for f in "${files[@]}"; do
    [[ -f $f ]] || continue
    if [[ $f == *.sources ]]; then
      awk 'BEGIN{RS=""} /Suites:[^\n]*bookworm([ \n]|$)/ { if (match($0, /URIs:[ \t]*[^ \t\n]+/)) { u=substr($0,RSTART,RLENGTH); sub(/URIs:[ \t]*/,"",u); print u; exit } }' "$f"
    else
      awk '$1=="deb" { for (i=2;i<=NF;i++) if ($i ~ /^(https?|ftp|file):/) { if ($(i+1)=="bookworm") { print $i; exit } } }' "$f"
    fi
  done | head -n 1
}

mirror=$(debian_mirror)
[[ -n $mirror ]] || die "could not find the Debian mirror in the machine's apt sources (/etc/apt/sources.list*)"

step "Debian 12 packages"
if ! dpkg-query -W -f='${Status}' postfix 2>/dev/null | grep -q 'ok installed'; then
  # Postfix asks how to configure itself; the test suite runs its own instances, so: no configuration.
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
fi
need=()
for p in "${SYSTEM_PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p"); done
if ((${#need[@]})); then
  $SUDO apt-get update -qq || die "apt-get update failed"
  # policy-rc.d keeps package scripts from starting system daemons (we start our own on loopback).
  policy=/usr/sbin/policy-rc.d; made_policy=0
  if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' | $SUDO tee $policy >/dev/null; $SUDO chmod +x $policy; made_policy=1; fi
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || { [[ $made_policy == 1 ]] && $SUDO rm -f $policy; die "apt-get install failed for: ${need[*]}"; }
  [[ $made_policy == 1 ]] && $SUDO rm -f $policy
  # Installing may enable (and on a booted system start) the proxies' own services; stop and disable them.
  for service in "${UNUSED_SERVICES[@]}"; do
    if [[ -d /run/systemd/system ]]; then $SUDO systemctl disable --now "$service" >/dev/null 2>&1 || true
    elif [[ -x /etc/init.d/$service ]]; then
      $SUDO /etc/init.d/"$service" stop >/dev/null 2>&1 || true
      $SUDO update-rc.d "$service" disable >/dev/null 2>&1 || true
    fi
  done
fi
# Only system packages were missing: the shared prefix is complete, so leave it alone (other checkouts use it).
if [[ $prefix_ready == 1 ]]; then step "dependencies ready"; exit 0; fi

# Download packages of another suite into the prefix without touching the machine's apt state.
fetch_suite() {
  local suite=$1; shift
  local work="$deps/apt-$suite"
  mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/cache" "$work/debs"
  cat > "$work/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main
SRC
  local opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
              -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "Dir::State::Status=/var/lib/dpkg/status"
              -o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1")
  apt-get "${opts[@]}" update -qq || die "could not read the $suite package lists from $mirror"
  (cd "$work/debs" && rm -f ./*.deb && apt-get "${opts[@]}" download -qq "$@") || die "apt-get download failed for $suite: $*"
  local deb
  for deb in "$work/debs"/*.deb; do dpkg -x "$deb" "$prefix" || die "dpkg -x failed for $deb"; done
  rm -rf "$work/lists" "$work/cache"
}

step "mbedTLS 3.6 and Dear ImGui 1.90 (trixie) into .deps/prefix"
rm -rf "$prefix"; mkdir -p "$prefix"
fetch_suite trixie "${TRIXIE_PACKAGES[@]}"
step "Catch2 3 (bookworm-backports) into .deps/prefix"
fetch_suite bookworm-backports "${BACKPORTS_PACKAGES[@]}"

# Debian's -dev symlinks are absolute-free already; make sure the shared objects resolve inside the prefix.
[[ -f "$prefix/usr/include/mbedtls/build_info.h" ]] || die "mbedTLS headers missing after unpacking"
grep -q 'MBEDTLS_VERSION_STRING *"3\.6' "$prefix/usr/include/mbedtls/build_info.h" || die "unpacked mbedTLS is not 3.6"

echo "$stamp_version" > "$stamp"
step "dependencies ready"
