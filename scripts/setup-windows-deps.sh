#!/usr/bin/env bash
# Everything the Windows cross build needs, from Debian only:
#  - Debian 12 packages: MinGW-w64 (GCC 12 with POSIX threads), Wine (to run the Windows tests), Xvfb.
#  - The libraries, built for x86_64-w64-mingw32 as static libraries from Debian source packages
#    (`apt-get source` through a private deb-src list built from the machine's own mirror, Debian's patches
#    applied) into .deps/windows/prefix, with each package's debian/copyright kept under share/licenses/
#    for the Windows zip.
# Idempotent: one stamp per library records its recipe; a second run takes well under a second.
# usage: setup-windows-deps.sh [--force]   (--force rebuilds every library)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# SMTPWB_WINDOWS_DEPS: another place (e.g. to time a cold build without disturbing the shared prefix).
deps=${SMTPWB_WINDOWS_DEPS:-$root/.deps/windows}
mkdir -p "$deps" && deps=$(cd -P "$deps" && pwd)  # the real path: .deps is often a shared symlink
prefix="$deps/prefix"
stamps="$deps/stamps"
toolchain="$root/cmake/mingw-w64-x86_64.cmake"
host=x86_64-w64-mingw32
jobs=${SMTPWB_JOBS:-2}

die() { printf 'setup-windows-deps: %s\n' "$*" >&2; exit 1; }
step() { printf '== %s\n' "$*"; }
# shellcheck source=lib/debian-apt.sh
source "$root/scripts/lib/debian-apt.sh"

SYSTEM_PACKAGES=(g++-mingw-w64-x86-64-posix mingw-w64-tools wine wine64 xvfb xauth dpkg-dev cmake ninja-build python3)

# name | suite | source package | recipe revision (raise it when the build function changes)
LIBRARIES=(
  "mbedtls|forky|mbedtls|1"
  "nettle|bookworm|nettle|1"
  "nlohmann-json|bookworm|nlohmann-json3|1"
  "fmt|bookworm|fmtlib|1"
  "spdlog|bookworm|spdlog|1"
  "catch2|bookworm-backports|catch2|1"
  "glfw|bookworm|glfw3|1"
  "freetype|bookworm|freetype|1"
  "stb|bookworm|libstb|1"
  "imgui|trixie|imgui|1"
)
# mbedTLS 3.6.6 rejects RSA-PSS ServerKeyExchange signatures in TLS 1.2 (see setup-deps.sh).
MBEDTLS_MIN_PATCH=7

install_system_packages() {
  local need=() p
  for p in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
  done
  ((${#need[@]})) || return 0
  step "Debian 12 packages: ${need[*]}"
  local sudo=; [[ $(id -u) == 0 ]] || sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
    die "apt-get install failed for: ${need[*]}"
}

cmake_build() {  # cmake_build SRC BUILD [cmake options...]: configure, build, install into the prefix
  local src=$1 build=$2; shift 2
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$prefix" -DSMTPWB_WINDOWS_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib -DBUILD_SHARED_LIBS=OFF \
    -DCMAKE_CROSSCOMPILING_EMULATOR= "$@" >"$build.configure.log" 2>&1 ||
    die "configuring $(basename "$src") failed (see $build.configure.log)"
  cmake --build "$build" -j "$jobs" >"$build.build.log" 2>&1 || die "building $(basename "$src") failed (see $build.build.log)"
  cmake --install "$build" >"$build.install.log" 2>&1 || die "installing $(basename "$src") failed (see $build.install.log)"
}

# mbedTLS with Debian's configuration (the same options as the Linux build in setup-deps.sh).
build_mbedtls() {
  local src=$1 option
  for option in THREADING_C THREADING_PTHREAD CMAC_C SSL_DTLS_SRTP; do
    python3 "$src/scripts/config.py" -f "$src/include/mbedtls/mbedtls_config.h" set "MBEDTLS_$option" ||
      die "could not set MBEDTLS_$option in mbedTLS's configuration"
  done
  cmake_build "$src" "$src/build" -DUSE_STATIC_MBEDTLS_LIBRARY=ON -DUSE_SHARED_MBEDTLS_LIBRARY=OFF \
    -DENABLE_PROGRAMS=OFF -DENABLE_TESTING=OFF -DMBEDTLS_FATAL_WARNINGS=OFF
  local version
  version=$(sed -n 's/^#define MBEDTLS_VERSION_STRING *"\([0-9.]*\)".*/\1/p' "$prefix/include/mbedtls/build_info.h")
  [[ $version =~ ^3\.6\.([0-9]+)$ ]] && (( BASH_REMATCH[1] >= MBEDTLS_MIN_PATCH )) ||
    die "mbedTLS '$version' from the source package; this build needs 3.6.$MBEDTLS_MIN_PATCH or a later 3.6.x"
}

# nettle only for MD4 (NTLM's NT hash), as on Linux: no public-key part (so no GMP) and no assembler
# (MD4 has none, and it would need m4).
build_nettle() {
  local src=$1
  # Debian's patch edits aclocal.m4 and configure alike, so configure is current: say so to make, or
  # installing wants autoconf's tools to regenerate it.
  touch "$src/aclocal.m4" && touch "$src/configure" "$src/config.h.in" "$src/stamp-h.in"
  (cd "$src" && ./configure --host="$host" --prefix="$prefix" --libdir="$prefix/lib" --disable-shared \
     --disable-public-key --disable-assembler --disable-documentation --disable-openssl >configure.log 2>&1) ||
    die "configuring nettle failed (see $src/configure.log)"
  make -C "$src" -j "$jobs" libnettle.a >"$src/build.log" 2>&1 || die "building nettle failed (see $src/build.log)"
  make -C "$src" install-headers install-static install-pkgconfig >"$src/install.log" 2>&1 ||
    die "installing nettle failed (see $src/install.log)"
}

build_nlohmann_json() { cmake_build "$1" "$1/build" -DJSON_BuildTests=OFF -DJSON_Install=ON; }
build_fmt() { cmake_build "$1" "$1/build" -DFMT_TEST=OFF -DFMT_DOC=OFF; }
# spdlog on the fmt above, as Debian builds it (SPDLOG_FMT_EXTERNAL), so both OSes format the same way.
build_spdlog() {
  cmake_build "$1" "$1/build" -DSPDLOG_FMT_EXTERNAL=ON -DSPDLOG_BUILD_EXAMPLE=OFF -DSPDLOG_BUILD_TESTS=OFF \
    -DSPDLOG_BUILD_BENCH=OFF -DSPDLOG_BUILD_SHARED=OFF
}
build_catch2() { cmake_build "$1" "$1/build" -DBUILD_TESTING=OFF -DCATCH_INSTALL_DOCS=OFF -DCATCH_INSTALL_EXTRAS=ON; }
build_glfw() {
  cmake_build "$1" "$1/build" -DGLFW_BUILD_EXAMPLES=OFF -DGLFW_BUILD_TESTS=OFF -DGLFW_BUILD_DOCS=OFF
}
# FreeType for Dear ImGui's font rasteriser, without the optional codecs (the GUI loads TrueType only).
build_freetype() {
  cmake_build "$1" "$1/build" -DFT_DISABLE_ZLIB=ON -DFT_DISABLE_BZIP2=ON -DFT_DISABLE_PNG=ON \
    -DFT_DISABLE_HARFBUZZ=ON -DFT_DISABLE_BROTLI=ON
}

# Debian's own Makefiles (added by its patches) for stb and Dear ImGui, with the cross compiler.
debian_make() {  # debian_make SRC TARGET... [VAR=value...]
  local src=$1; shift
  make -C "$src" -j "$jobs" CC="$host-gcc-posix" CXX="$host-g++-posix" AR="$host-gcc-ar-posix" \
    MULTIARCH="$host" PREFIX="$prefix" LIBDIR=lib "$@" >>"$src/build.log" 2>&1 ||
    die "make $* in $(basename "$src") failed (see $src/build.log)"
}
# stb: the implementations precompiled into libstb.a, as Debian's libstb0 does.
build_stb() { debian_make "$1" libstb.a stb.pc; debian_make "$1" install-static install-header; }
# Dear ImGui with the back ends the window uses (GLFW + OpenGL 3) and the FreeType rasteriser;
# stb_truetype and stb_rect_pack come from libstb, as in Debian's build.
build_imgui() {
  local sources="imgui.cpp imgui_demo.cpp imgui_draw.cpp imgui_tables.cpp imgui_widgets.cpp misc/cpp/imgui_stdlib.cpp
    misc/freetype/imgui_freetype.cpp backends/imgui_impl_glfw.cpp backends/imgui_impl_opengl3.cpp"
  local version=${1##*/imgui-}; version=${version%%+*}
  local vars=(SRCS="$sources" LIBS_CPPFLAGS= LIBS_CFLAGS= LIBS_LDFLAGS= VERSION="$version")
  CPPFLAGS="-I$prefix/include -I$prefix/include/freetype2" debian_make "$1" libimgui.a imgui.pc "${vars[@]}"
  debian_make "$1" install-static install-header "${vars[@]}"
}

# pkg-config files name the prefix by its path at build time; every checkout shares the prefix through a
# .deps symlink, so make them name it relative to themselves (all sit two levels below the prefix).
make_pkgconfig_relocatable() {
  local pc
  for pc in "$prefix"/lib/pkgconfig/*.pc "$prefix"/share/pkgconfig/*.pc; do
    [[ -f $pc ]] && sed -i "s|$prefix|\${pcfiledir}/../..|g" "$pc"
  done
  return 0
}

# build_library NAME SUITE SOURCE-PACKAGE: fetch, build with build_NAME, keep the licence text.
build_library() {
  local name=$1 suite=$2 package=$3 work="$deps/src/$1" src
  step "$name: $package ($suite source package) for $host"
  src=$(debian_source "$work" "$suite" "$package")
  "build_${name//-/_}" "$src"
  make_pkgconfig_relocatable
  mkdir -p "$prefix/share/licenses/$package"
  cp "$src/debian/copyright" "$prefix/share/licenses/$package/copyright"
  printf '%s\n' "$(basename "$src")" > "$prefix/share/licenses/$package/VERSION"
  rm -rf "$work"
}

# The MinGW runtime linked into every .exe (libstdc++, libgcc, winpthreads, the CRT start-up code):
# its licence texts go into the zip beside the libraries'.
keep_runtime_licences() {
  local package
  for package in g++-mingw-w64-x86-64-posix mingw-w64-x86-64-dev; do
    mkdir -p "$prefix/share/licenses/$package"
    cp "/usr/share/doc/$package/copyright" "$prefix/share/licenses/$package/copyright"
    dpkg-query -W -f='${Package} ${Version}\n' "$package" > "$prefix/share/licenses/$package/VERSION"
  done
}

main() {
  [[ ${1:-} == --force ]] && rm -rf "$stamps" "$prefix"
  install_system_packages
  command -v "$host-g++-posix" >/dev/null || die "$host-g++-posix missing after installing g++-mingw-w64-x86-64-posix"
  mkdir -p "$stamps" "$prefix"
  keep_runtime_licences
  local entry name suite package revision pending=()
  for entry in "${LIBRARIES[@]}"; do
    IFS='|' read -r name suite package revision <<<"$entry"
    [[ -f $stamps/$name && $(cat "$stamps/$name") == "$suite $package $revision" ]] || pending+=("$entry")
  done
  if ((${#pending[@]} == 0)); then echo "setup-windows-deps: already done (use --force to redo)"; return 0; fi
  mirror=$(debian_mirror)
  [[ -n $mirror ]] || die "could not find the Debian mirror in the machine's apt sources (/etc/apt/sources.list*)"
  for entry in "${pending[@]}"; do
    IFS='|' read -r name suite package revision <<<"$entry"
    build_library "$name" "$suite" "$package"
    echo "$suite $package $revision" > "$stamps/$name"
  done
  rm -rf "$deps/src"
  step "Windows dependencies ready in ${prefix#"$root"/}"
}

main "$@"
