#!/usr/bin/env bash
# eximstack.sh - start/stop a real Exim for the client-certificate and NTLM tests (issue 17).
#
#   bash tests/servers/eximstack.sh start DIR EXIM_BINARY MAILSTACK_ENV   # DIR/env when every port answers
#   bash tests/servers/eximstack.sh stop  DIR                              # by pid file, idempotent
#
# It reuses the mail stack's test CA, server certificate and client CA (tests/servers/mailstack.sh), so
# one client certificate works against Postfix and Exim. Listeners (STARTTLS, GnuTLS):
#   ccert-ask  asks for a client certificate (tls_try_verify_hosts); AUTH EXTERNAL (driver = external)
#              accepts the certificate whose CN is the stack's user
#   ccert-req  requires one (tls_verify_hosts): GnuTLS ends the handshake with an alert without one
#   spa        AUTH NTLM through the spa authenticator, which verifies only NTLMv1 responses; only when
#              the binary has it (exim4-daemon-heavy; exim4-daemon-light has no spa): else EXIM_SPA_PORT is empty
set -euo pipefail
# shellcheck source=tests/servers/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

log() { printf 'eximstack: %s\n' "$*" >&2; }
fail() {
  log "error: $*"
  exit 1
}
usage() {
  echo "usage: $0 start DIR EXIM_BINARY MAILSTACK_ENV | stop DIR" >&2
  exit 2
}

env_value() { sed -n "s/^$1=//p" "$2" | head -n 1; }

is_our_exim() { [[ "$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)" == *"$D/exim.conf"* ]]; }

cmd_stop() {
  D=$1
  local pid
  pid=$(read_pid "$D/exim.pid" 2>/dev/null || true)
  if [[ -n "$pid" ]] && alive "$pid" && is_our_exim "$pid"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$D/exim.pid" "$D/env"
}

write_conf() {
  local tls=$1 user=$2 password=$3 spa=$4
  cat >"$D/exim.conf" <<CONF
primary_hostname = localhost
local_interfaces = 127.0.0.1
daemon_smtp_ports = $PORT_ASK : $PORT_REQ${spa:+ : $PORT_SPA}
spool_directory = $D/spool
log_file_path = $D/log/%slog
pid_file_path = $D/exim.pid
keep_environment =
tls_advertise_hosts = *
tls_certificate = $D/server.crt
tls_privatekey = $D/server.key
tls_verify_certificates = $tls/client-ca.crt
tls_try_verify_hosts = *
tls_verify_hosts = \${if eq{\$received_port}{$PORT_REQ}{*}{}}
acl_smtp_mail = accept
acl_smtp_rcpt = accept
begin acl
begin routers
begin transports
begin authenticators
EXTERNAL:
  driver = external
  public_name = EXTERNAL
  server_param2 = \${certextract{subject,CN}{\$tls_in_peercert}}
  server_condition = \${if and{{def:tls_in_peercert}{eq{\$auth2}{$user}}}}
  server_set_id = \$auth2
  server_advertise_condition = \${if def:tls_in_cipher}
CONF
  [[ -n "$spa" ]] && cat >>"$D/exim.conf" <<CONF
NTLM:
  driver = spa
  public_name = NTLM
  server_password = \${if eq{\$auth1}{$user}{$password}fail}
  server_advertise_condition = \${if and{{def:tls_in_cipher}{eq{\$received_port}{$PORT_SPA}}}}
CONF
  return 0
}

wait_listening() {
  local port
  for _ in $(seq 100); do
    local all=1
    for port in "$@"; do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || all=0; done
    ((all)) && return 0
    sleep 0.1
  done
  return 1
}

cmd_start() {
  local exim=$2 stack_env=$3
  mkdir -p "$1"
  D=$(cd "$1" && pwd -P)
  [[ -x "$exim" ]] || fail "no Exim binary at $exim (scripts/setup-deps.sh unpacks it)"
  [[ -r "$stack_env" ]] || fail "no mail stack facts at $stack_env (start tests/servers/mailstack.sh first)"
  cmd_stop "$D"
  rm -rf "$D/spool" "$D/log"
  install -d -m 755 "$D" "$D/spool" "$D/log"
  local tls user password spa=""
  tls=$(dirname "$(env_value MAILSTACK_CA_FILE "$stack_env")")
  user=$(env_value MAILSTACK_USER "$stack_env")
  password=$(env_value MAILSTACK_PASSWORD "$stack_env")
  local features
  features=$("$exim" -bV 2>/dev/null || true)  # non-zero without a default configuration file
  [[ $'\n'"$features" =~ $'\n'Authenticators:[^$'\n']*\ spa ]] && spa=yes
  read -r PORT_ASK PORT_REQ PORT_SPA < <(pick_ports 3) || fail "could not pick free ports"
  # Exim reads its key after dropping to Debian-exim: a copy it owns.
  install -m 644 "$tls/server.crt" "$D/server.crt"
  install -m 600 -o Debian-exim "$tls/server.key" "$D/server.key"
  write_conf "$tls" "$user" "$password" "$spa"
  chown -R Debian-exim:Debian-exim "$D/spool" "$D/log"
  "$exim" -C "$D/exim.conf" -bd >"$D/start.log" 2>&1 || fail "exim did not start: $(cat "$D/start.log")"
  wait_listening "$PORT_ASK" "$PORT_REQ" ${spa:+"$PORT_SPA"} || fail "exim does not listen (see $D/log)"
  [[ -n "$spa" ]] || { PORT_SPA=""; log "$exim has no spa authenticator (exim4-daemon-light): the NTLMv1 tests skip"; }
  cat >"$D/env.tmp" <<ENV
EXIM_CCERT_ASK_PORT=$PORT_ASK
EXIM_CCERT_REQ_PORT=$PORT_REQ
EXIM_SPA_PORT=$PORT_SPA
EXIM_LOG_DIR=$D/log
MAILSTACK_ENV=$(cd "$(dirname "$stack_env")" && pwd -P)/$(basename "$stack_env")
ENV
  mv "$D/env.tmp" "$D/env"
  log "exim running in $D (ccert-ask $PORT_ASK, ccert-req $PORT_REQ, spa ${PORT_SPA:-none})"
}

case ${1:-} in
start) (($# == 4)) || usage; cmd_start "$2" "$3" "$4" ;;
stop) (($# == 2)) || usage; cmd_stop "$2" ;;
*) usage ;;
esac
