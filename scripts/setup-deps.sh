#!/usr/bin/env bash
# Installs everything SMTP Workbench needs to build and test, from Debian packages only.
#  - Debian 12 packages through the machine's own apt configuration.
#  - Newer packages (Dear ImGui 1.90 from trixie, Catch2 3.7 from bookworm-backports)
#    are fetched with `apt-get download` through a temporary sources list built from the mirror the
#    machine's apt already uses, and unpacked with `dpkg -x` into a project-local prefix (.deps/prefix).
#  - mbedTLS 3.6.7 is built from forky's source package (`apt-get source`, the same temporary list with
#    deb-src) into the same prefix: see build_mbedtls for why not the binary package.
# Idempotent: a stamp file records what was done; a second run takes well under a second.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deps="$root/.deps"
prefix="$deps/prefix"
stamp="$deps/setup.stamp"
stamp_version=6

die() { printf 'setup-deps: %s\n' "$*" >&2; exit 1; }
step() { printf '== %s\n' "$*"; }
# shellcheck source=lib/debian-apt.sh
source "$root/scripts/lib/debian-apt.sh"

SYSTEM_PACKAGES=(
  build-essential dpkg-dev cmake pkg-config ninja-build
  libglfw3-dev libsecret-1-dev gnome-keyring libsecret-tools dbus libspdlog-dev libfmt-dev libstb-dev libfreetype-dev libgl-dev nlohmann-json3-dev nettle-dev sasl2-bin
  postfix dovecot-core swaks curl python3 libio-socket-ssl-perl libnet-ssleay-perl libauthen-sasl-perl openssl ca-certificates xvfb xauth xdotool libgl1-mesa-dri procps iproute2
  dante-server tinyproxy squid libpam-pwdfile libio-socket-socks-perl
  gnutls-bin libgnutls-dane0 libgnutls30 libidn12 libidn2-0 libnsl2 libdb5.3 libpcre2-8-0 libcrypt1
  libldap-2.5-0 libmariadb3 libperl5.36 libpq5 libsasl2-2 libspf2-2 libsqlite3-0
  monitoring-plugins-basic prometheus prometheus-blackbox-exporter
)
# Packages whose system service the suite never uses: it runs its own instances on loopback ports
# (the monitoring tests start Prometheus and blackbox_exporter with generated configurations).
UNUSED_SERVICES=(danted tinyproxy squid prometheus prometheus-blackbox-exporter)
# mbedTLS 3.6.6 (trixie) rejects RSA-PSS ServerKeyExchange signatures in TLS 1.2 (fixed upstream in 3.6.7).
MBEDTLS_SUITE=forky
MBEDTLS_MIN_PATCH=7
TRIXIE_PACKAGES=(libimgui-dev)
BACKPORTS_PACKAGES=(libcatch2-dev)
# Exim (GnuTLS-based) for the interop matrix and the client-certificate and NTLM tests. As an MTA it
# conflicts with Postfix, so only its binary is unpacked into the prefix (its libraries are ordinary
# Debian 12 packages above); the suite runs it with its own configuration on loopback ports. The heavy
# build, because only it has the spa (NTLMv1) authenticator; it is the light one plus more drivers.
BOOKWORM_PACKAGES=(exim4-daemon-heavy)

prefix_ready=0
if [[ -f "$stamp" && "$(cat "$stamp")" == "$stamp_version" ]] && [[ "${1:-}" != "--force" ]]; then
  prefix_ready=1
  missing=0
  for p in "${SYSTEM_PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing=1; done
  getent passwd Debian-exim >/dev/null || missing=1
  [[ $missing == 0 ]] && { echo "setup-deps: already done (use --force to redo)"; exit 0; }
fi

[[ $(id -u) == 0 ]] || SUDO=sudo
SUDO=${SUDO:-}
export DEBIAN_FRONTEND=noninteractive

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
# Exim (unpacked below, not installed) runs its daemon as the user Debian's package would have created.
getent passwd Debian-exim >/dev/null ||
  $SUDO useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin Debian-exim ||
  die "could not create the Debian-exim user that Exim runs as"
# Only system packages were missing: the shared prefix is complete, so leave it alone (other checkouts use it).
if [[ $prefix_ready == 1 ]]; then step "dependencies ready"; exit 0; fi

# Download packages of another suite into the prefix without touching the machine's apt state.
fetch_suite() {
  local suite=$1; shift
  local work="$deps/apt-$suite"
  private_apt "$work" deb "$suite"
  mkdir -p "$work/debs"
  (cd "$work/debs" && rm -f ./*.deb && apt-get "${apt_opts[@]}" download -qq "$@") || die "apt-get download failed for $suite: $*"
  local deb
  for deb in "$work/debs"/*.deb; do dpkg -x "$deb" "$prefix" || die "dpkg -x failed for $deb"; done
  rm -rf "$work/lists" "$work/cache"
}

# mbedTLS from its Debian source package, with Debian's configuration (debian/rules sets these options),
# built as static libraries by this machine's compiler. forky's binary libmbedtls-dev 3.6.7-3 is not
# used: its static libmbedcrypto.a aborts with "stack smashing detected" in every ECDSA signature on
# Debian 12 (a 20-line mbedtls_pk_sign program shows it; its shared library and this build do not).
build_mbedtls() {
  local work="$deps/src-mbedtls" src
  src=$(debian_source "$work" "$MBEDTLS_SUITE" mbedtls)
  local option
  for option in THREADING_C THREADING_PTHREAD CMAC_C SSL_DTLS_SRTP; do
    python3 "$src/scripts/config.py" -f "$src/include/mbedtls/mbedtls_config.h" set "MBEDTLS_$option" ||
      die "could not set MBEDTLS_$option in mbedTLS's configuration"
  done
  cmake -S "$src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix/usr" \
    -DCMAKE_INSTALL_LIBDIR="lib/$(gcc -print-multiarch)" -DUSE_STATIC_MBEDTLS_LIBRARY=ON -DUSE_SHARED_MBEDTLS_LIBRARY=OFF \
    -DENABLE_PROGRAMS=OFF -DENABLE_TESTING=OFF -DMBEDTLS_FATAL_WARNINGS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    >"$work/configure.log" 2>&1 || die "configuring mbedTLS failed (see $work/configure.log)"
  cmake --build "$work/build" -j "$(nproc)" >"$work/build.log" 2>&1 || die "building mbedTLS failed (see $work/build.log)"
  cmake --install "$work/build" >"$work/install.log" 2>&1 || die "installing mbedTLS into the prefix failed"
  rm -rf "$work"
}

rm -rf "$prefix"; mkdir -p "$prefix"
step "mbedTLS 3.6 ($MBEDTLS_SUITE source package) built into .deps/prefix"
build_mbedtls
step "Dear ImGui 1.90 (trixie) into .deps/prefix"
fetch_suite trixie "${TRIXIE_PACKAGES[@]}"
step "Catch2 3 (bookworm-backports) into .deps/prefix"
fetch_suite bookworm-backports "${BACKPORTS_PACKAGES[@]}"
step "Exim 4 (bookworm) into .deps/prefix"
fetch_suite bookworm "${BOOKWORM_PACKAGES[@]}"

[[ -f "$prefix/usr/include/mbedtls/build_info.h" ]] || die "mbedTLS headers missing after the build"
mbedtls_version=$(sed -n 's/^#define MBEDTLS_VERSION_STRING *"\([0-9.]*\)".*/\1/p' "$prefix/usr/include/mbedtls/build_info.h")
[[ $mbedtls_version =~ ^3\.6\.([0-9]+)$ ]] && (( BASH_REMATCH[1] >= MBEDTLS_MIN_PATCH )) ||
  die "$MBEDTLS_SUITE now has mbedTLS '$mbedtls_version'; this build needs 3.6.$MBEDTLS_MIN_PATCH or a later 3.6.x (3.6.6 rejects RSA-PSS in TLS 1.2): set MBEDTLS_SUITE to a suite that has one."
for lib in libmbedtls.a libmbedx509.a libmbedcrypto.a; do
  [[ -f "$prefix/usr/lib/$(gcc -print-multiarch)/$lib" ]] || die "the mbedTLS $mbedtls_version build left no static $lib in the prefix"
done

echo "$stamp_version" > "$stamp"
step "dependencies ready"
