#!/usr/bin/env bash
# oauthstack.sh - start/stop the test-only OAuth servers (tests/servers/oauth/server.js: SMTP with
# XOAUTH2 via the npm package smtp-server, and an HTTPS authorization/token endpoint).
#
#   bash tests/servers/oauthstack.sh start DIR MODULES   # MODULES: where npm installs smtp-server (cached)
#   bash tests/servers/oauthstack.sh stop  DIR
#
# DIR/env gets KEY=VALUE facts for the tests; DIR/static-token and DIR/client-secret hold the secrets
# the tests use; the server's pid is in DIR/server.pid and it is stopped by that pid only.
set -euo pipefail

readonly HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly START_TIMEOUT=20

log() { printf 'oauthstack: %s\n' "$*" >&2; }
fail() {
  log "error: $*"
  exit 1
}

our_pid() {  # the pid in DIR/server.pid if it is still our node server.js for DIR
  local pid
  pid=$( { tr -dc "0-9" <"$1/server.pid"; } 2>/dev/null || true)
  [[ -n "$pid" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "server.js $1" || return 1
  echo "$pid"
}

cmd_stop() {
  local dir=$1 pid i
  [[ -d "$dir" ]] || return 0
  dir=$(cd "$dir" && pwd -P)
  if pid=$(our_pid "$dir"); then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/server.pid"
}

install_modules() {
  local modules=$1
  mkdir -p "$modules"
  if ! cmp -s "$HERE/oauth/package.json" "$modules/package.json" || [[ ! -d "$modules/node_modules/smtp-server" ]]; then
    cp "$HERE/oauth/package.json" "$modules/package.json"
    (cd "$modules" && npm install --no-package-lock --no-audit --no-fund --omit=dev >npm.log 2>&1) ||
      fail "npm install in $modules failed (see $modules/npm.log)"
  fi
}

make_tls() {
  local tls=$1/tls
  mkdir -p "$tls"
  {
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tls/ca.key" -out "$tls/ca.crt" \
      -days 30 -subj "/CN=SMTP Workbench OAuth test CA" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tls/server.key" -out "$tls/server.csr" \
      -subj "/CN=localhost"
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$tls/server.ext"
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
      -days 30 -extfile "$tls/server.ext" -out "$tls/server.crt"
  } >"$1/tls.log" 2>&1 || fail "creating the test certificates failed (see $1/tls.log)"
}

cmd_start() {
  local dir=$1 modules=$2 i
  command -v node >/dev/null || fail "node is not installed"
  command -v npm >/dev/null || fail "npm is not installed"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)
  cmd_stop "$dir"
  rm -rf "$dir/env" "$dir/tls"
  install_modules "$modules"
  make_tls "$dir"
  (umask 077 && openssl rand -hex 24 >"$dir/static-token" && openssl rand -hex 24 >"$dir/client-secret")
  NODE_PATH="$modules/node_modules" setsid node "$HERE/oauth/server.js" "$dir" >"$dir/server.log" 2>&1 </dev/null &
  echo $! >"$dir/server.pid"
  for ((i = 0; i < START_TIMEOUT * 10; i++)); do
    [[ -f "$dir/env" ]] && { log "running in $dir"; return 0; }
    kill -0 "$(cat "$dir/server.pid")" 2>/dev/null || { cat "$dir/server.log" >&2; fail "the server exited"; }
    sleep 0.1
  done
  cmd_stop "$dir"
  fail "the server did not listen within ${START_TIMEOUT}s"
}

case ${1:-} in
start) (($# == 3)) || fail "usage: $0 start DIR MODULES"; cmd_start "$2" "$3" ;;
stop) (($# == 2)) || fail "usage: $0 stop DIR"; cmd_stop "$2" ;;
*) fail "usage: $0 start DIR MODULES | stop DIR" ;;
esac
