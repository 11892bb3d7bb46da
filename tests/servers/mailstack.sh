#!/usr/bin/env bash
# mailstack.sh - start/stop a real local mail stack (Postfix + Dovecot SASL) for integration tests.
#
#   bash tests/servers/mailstack.sh start DIR   # build DIR, start servers, wait for 220 banners, write DIR/env
#   bash tests/servers/mailstack.sh stop  DIR   # stop the servers of DIR (by pid file), idempotent
#
# Everything lives inside DIR (nothing under /etc/postfix or /etc/dovecot is read for configuration
# or modified), so several instances in different DIRs can run side by side:
#
#   DIR/env                 KEY=VALUE lines for the tests (see write_env)
#   DIR/tls/                test CA (ca.crt) + server key/cert for "localhost" (ECDSA P-256)
#   DIR/postfix/            Postfix config_directory (main.cf, master.cf)
#   DIR/postfix-queue/      Postfix queue_directory (root-owned; pid/master.pid lives here)
#   DIR/postfix-data/       Postfix data_directory (master.lock, tlsmgr state)
#   DIR/dovecot/            Dovecot config (dovecot.conf, users passwd-file)
#   DIR/dovecot/run/        Dovecot base_dir (master.pid, auth socket for Postfix)
#   DIR/maildir/            the single Maildir every recipient @example.test is delivered to
#   DIR/log/                postfix.log (maillog_file), dovecot.log, start-up output
#
# Needs: root, postfix (3.6+ for the TLS min/max protocol syntax), dovecot-core 2.3, openssl, python3.
set -euo pipefail
# shellcheck source=tests/servers/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

readonly PROG=mailstack
readonly HOST=127.0.0.1
readonly DOMAIN=example.test
readonly SERVER_NAME=localhost
readonly USER_ASCII="alice@${DOMAIN}"
readonly PASS_ASCII='Alice-Secret-1'
readonly USER_UTF8="björn@${DOMAIN}"
readonly PASS_UTF8='pässwörd-Ünïcode'
readonly START_TIMEOUT=20   # seconds to wait for all banners
readonly STOP_TIMEOUT=5     # seconds between SIGTERM and SIGKILL
# Maildir owner: virtual(8) refuses root, and the uid must be >= virtual_minimum_uid (100).
readonly MAIL_USER=nobody

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }

# ---------------------------------------------------------------------------------------------------
# Paths (set by set_paths once DIR is resolved to an absolute path)
# ---------------------------------------------------------------------------------------------------
set_paths() {
  D=$1
  TLS_DIR=$D/tls
  PF_CONF=$D/postfix
  PF_QUEUE=$D/postfix-queue
  PF_DATA=$D/postfix-data
  PF_PIDFILE=$PF_QUEUE/pid/master.pid
  DV_DIR=$D/dovecot
  DV_CONF=$DV_DIR/dovecot.conf
  DV_BASE=$DV_DIR/run
  DV_PIDFILE=$DV_BASE/master.pid
  DV_AUTH_SOCKET=$DV_BASE/auth-postfix
  CY_DIR=$D/cyrus-sasl
  MAILDIR=$D/maildir
  LOG_DIR=$D/log
}

# ---------------------------------------------------------------------------------------------------
# Stopping (by pid file; the pid is verified to belong to THIS DIR before anything is signalled)
# ---------------------------------------------------------------------------------------------------

# Digits of the first line of a pid file, or nothing (missing/unreadable file).

# Postfix master: its cwd is always its queue_directory.
is_our_postfix() {
  local pid=$1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == master ]] &&
    [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == "$PF_QUEUE" ]]
}

# Dovecot master: its command line contains our config file ("dovecot -c DIR/dovecot/dovecot.conf").
is_our_dovecot() {
  local pid=$1 args
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == dovecot ]] || return 1
  args=$({ tr '\0' '\n' <"/proc/$pid/cmdline"; } 2>/dev/null || true)
  [[ $'\n'"$args"$'\n' == *$'\n'"$DV_CONF"$'\n'* ]]
}

# Any non-zombie member left in process group $1?
group_alive() {
  local table
  table=$(ps -e -o pgid=,stat= 2>/dev/null || true)
  [[ -n "$(awk -v g="$1" '$1 == g && $2 !~ /^Z/' <<<"$table")" ]]
}

# do_stop: SIGTERM both masters at once, wait up to STOP_TIMEOUT s, then SIGKILL. Both masters
# daemonize with setsid(), so a master's pid is also its process group id; once the master is gone,
# leftover children of that group are killed too (only if the group leader really was our master).
do_stop() {
  local -a pids=() names=() groups=()
  local pid pgid i n
  # Postfix is listed first: it is the Dovecot auth client.
  for n in postfix dovecot; do
    local pidfile check
    if [[ $n == postfix ]]; then pidfile=$PF_PIDFILE check=is_our_postfix; else pidfile=$DV_PIDFILE check=is_our_dovecot; fi
    pid=$(read_pid "$pidfile")
    if [[ -n "$pid" ]] && alive "$pid" && "$check" "$pid"; then
      pgid=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ' || true)
      pids+=("$pid")
      names+=("$n")
      if [[ "$pgid" == "$pid" ]]; then groups+=("$pid"); fi
      log "stopping $n (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile" # also removes stale pid files (process gone or pid reused by something else)
  done
  ((${#pids[@]} > 0)) || return 0

  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    n=0
    for pid in "${pids[@]}"; do alive "$pid" && n=$((n + 1)); done
    ((n == 0)) && break
    sleep 0.1
  done
  for i in "${!pids[@]}"; do
    if alive "${pids[$i]}"; then
      log "${names[$i]} (pid ${pids[$i]}) did not exit within ${STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
  done
  # The masters signal their children themselves; give them a moment, then kill stragglers.
  for pgid in "${groups[@]}"; do
    for ((i = 0; i < 20; i++)); do
      group_alive "$pgid" || break
      sleep 0.1
    done
    if group_alive "$pgid"; then kill -KILL -- "-$pgid" 2>/dev/null || true; fi
  done
  return 0
}

is_running() {
  local pid
  pid=$(read_pid "$PF_PIDFILE")
  [[ -n "$pid" ]] && alive "$pid" && is_our_postfix "$pid" && return 0
  pid=$(read_pid "$DV_PIDFILE")
  [[ -n "$pid" ]] && alive "$pid" && is_our_dovecot "$pid" && return 0
  return 1
}

cmd_stop() {
  local dir=$1
  # Nothing to do if DIR never existed.
  [[ -d "$dir" ]] || exit 0
  set_paths "$(cd "$dir" && pwd -P)"
  do_stop
  exit 0
}

# ---------------------------------------------------------------------------------------------------
# Starting
# ---------------------------------------------------------------------------------------------------

fail() {
  log "error: $*"
  exit 1 # the EXIT trap installed by cmd_start prints log tails and stops what was started
}

on_start_exit() {
  local rc=$?
  trap - EXIT
  if ((rc != 0)); then
    local f
    for f in "$LOG_DIR"/postfix-start.log "$LOG_DIR"/dovecot-start.log "$LOG_DIR"/postfix.log \
      "$LOG_DIR"/dovecot.log; do
      if [[ -s "$f" ]]; then
        printf '%s: ---- last lines of %s ----\n' "$PROG" "$f" >&2
        tail -n 25 "$f" >&2
      fi
    done
    log "start failed; stopping whatever was started in $D"
    do_stop || true
  fi
  exit "$rc"
}

# Refuse directories with characters that would need quoting in Postfix/Dovecot config files.
check_dir_name() {
  [[ "$D" =~ ^[A-Za-z0-9_./+@-]+$ ]] ||
    fail "DIR must consist of [A-Za-z0-9_./+@-] only (no spaces etc.): '$D'"
  # Unix socket paths are limited to 107 bytes; Dovecot puts sockets with names of up to
  # ~25 characters into its base_dir.
  ((${#DV_BASE} <= 80)) ||
    fail "DIR path too long for unix sockets (dovecot base_dir '$DV_BASE' has ${#DV_BASE} > 80 chars); use a shorter DIR"
}

# The unprivileged server processes (postfix, dovecot, nobody) open files by absolute path
# inside DIR, so every ancestor of DIR must be searchable by "other" (e.g. not under /root 0700).
check_traversable() {
  local p=$D
  while [[ "$p" != / ]]; do
    p=$(dirname "$p")
    (($(stat -c '0%a' "$p") & 1)) ||
      fail "directory '$p' is not searchable by other users (needs o+x); the postfix/dovecot/$MAIL_USER processes could not reach DIR. Use a DIR under e.g. /tmp"
  done
}

check_prereqs() {
  ((EUID == 0)) || fail "must run as root (Postfix and Dovecot masters need it)"
  local c
  for c in postfix postconf dovecot openssl python3 ps awk saslpasswd2; do
    command -v "$c" >/dev/null || fail "required command '$c' not found"
  done
  for c in postfix dovecot dovenull "$MAIL_USER"; do
    id "$c" >/dev/null 2>&1 || fail "required system user '$c' does not exist"
  done
  getent group postdrop >/dev/null || fail "required system group 'postdrop' does not exist"
}


make_tls() {
  local tlslog=$LOG_DIR/tls.log
  mkdir -p "$TLS_DIR"
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$TLS_DIR/ca.key" -out "$TLS_DIR/ca.crt" -days 3650 \
    -subj "/O=SMTP Workbench tests/CN=SMTP Workbench Test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" >>"$tlslog" 2>&1 ||
    fail "creating the test CA failed (see $tlslog)"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$TLS_DIR/server.key" -out "$TLS_DIR/server.csr" -subj "/CN=$SERVER_NAME" \
    >>"$tlslog" 2>&1 || fail "creating the server key failed (see $tlslog)"
  cat >"$TLS_DIR/server.ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:$SERVER_NAME, IP:$HOST
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
  openssl x509 -req -in "$TLS_DIR/server.csr" -CA "$TLS_DIR/ca.crt" -CAkey "$TLS_DIR/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 825 -extfile "$TLS_DIR/server.ext" \
    -out "$TLS_DIR/server.crt" >>"$tlslog" 2>&1 ||
    fail "signing the server certificate failed (see $tlslog)"
  rm -f "$TLS_DIR/server.csr"
  # An RSA 2048 certificate for the RSA listeners (most real servers have one; a TLS 1.2 server then
  # signs its key exchange with RSA-PSS or PKCS#1, which an ECDSA-only fixture never exercises).
  openssl req -new -newkey rsa:2048 -nodes -keyout "$TLS_DIR/server-rsa.key" -out "$TLS_DIR/server-rsa.csr" \
    -subj "/CN=$SERVER_NAME" >>"$tlslog" 2>&1 || fail "creating the RSA server key failed (see $tlslog)"
  sed 's/digitalSignature/digitalSignature, keyEncipherment/' "$TLS_DIR/server.ext" >"$TLS_DIR/server-rsa.ext"
  openssl x509 -req -in "$TLS_DIR/server-rsa.csr" -CA "$TLS_DIR/ca.crt" -CAkey "$TLS_DIR/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 825 -extfile "$TLS_DIR/server-rsa.ext" \
    -out "$TLS_DIR/server-rsa.crt" >>"$tlslog" 2>&1 ||
    fail "signing the RSA server certificate failed (see $tlslog)"
  rm -f "$TLS_DIR/server-rsa.csr"
  chmod 600 "$TLS_DIR/server-rsa.key"
  chmod 644 "$TLS_DIR/server-rsa.crt"
  # smtpd reads its key as root before it drops privileges, so the keys can stay root-only.
  chmod 600 "$TLS_DIR/ca.key" "$TLS_DIR/server.key"
  chmod 644 "$TLS_DIR/ca.crt" "$TLS_DIR/server.crt"
}

# Client certificates (issue 17): a separate client CA that the ccert listeners trust, a client
# certificate for alice (ECDSA P-256), the same key encrypted with a password, and a certificate from
# an unrelated CA that the listeners do not trust.
readonly CLIENT_KEY_PASSWORD='Client-Key-Secret-7'
make_client_tls() {
  local tlslog=$LOG_DIR/tls.log
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$TLS_DIR/client-ca.key" -out "$TLS_DIR/client-ca.crt" -days 3650 \
    -subj "/O=SMTP Workbench tests/CN=SMTP Workbench Client CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" >>"$tlslog" 2>&1 ||
    fail "creating the client CA failed (see $tlslog)"
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$TLS_DIR/other-ca.key" -out "$TLS_DIR/other-ca.crt" -days 3650 -subj "/CN=Unrelated Client CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" >>"$tlslog" 2>&1 ||
    fail "creating the unrelated CA failed (see $tlslog)"
  printf 'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth\n' \
    >"$TLS_DIR/client.ext"
  local ca
  for ca in client other; do
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TLS_DIR/$ca-client.key" \
      -out "$TLS_DIR/$ca-client.csr" -subj "/O=SMTP Workbench tests/CN=$USER_ASCII" >>"$tlslog" 2>&1 ||
      fail "creating a client key failed (see $tlslog)"
    openssl x509 -req -in "$TLS_DIR/$ca-client.csr" -CA "$TLS_DIR/$ca-ca.crt" -CAkey "$TLS_DIR/$ca-ca.key" \
      -set_serial "0x$(openssl rand -hex 16)" -days 825 -extfile "$TLS_DIR/client.ext" \
      -out "$TLS_DIR/$ca-client.crt" >>"$tlslog" 2>&1 || fail "signing a client certificate failed (see $tlslog)"
    rm -f "$TLS_DIR/$ca-client.csr"
  done
  mv "$TLS_DIR/other-client.crt" "$TLS_DIR/untrusted-client.crt"
  mv "$TLS_DIR/other-client.key" "$TLS_DIR/untrusted-client.key"
  openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$TLS_DIR/client-client.key" -out "$TLS_DIR/client-encrypted.key" \
    -passout "pass:$CLIENT_KEY_PASSWORD" >>"$tlslog" 2>&1 || fail "encrypting the client key failed (see $tlslog)"
  mv "$TLS_DIR/client-client.crt" "$TLS_DIR/client.crt"
  mv "$TLS_DIR/client-client.key" "$TLS_DIR/client.key"
  openssl pkcs12 -export -in "$TLS_DIR/client.crt" -inkey "$TLS_DIR/client.key" -out "$TLS_DIR/client.p12" \
    -passout "pass:$CLIENT_KEY_PASSWORD" >>"$tlslog" 2>&1 || fail "writing the PKCS#12 client file failed (see $tlslog)"
  rm -f "$TLS_DIR/other-ca.key" "$TLS_DIR/client-ca.key"
  # The test runs as another user than root may: the client keys are test fixtures, readable.
  chmod 644 "$TLS_DIR"/client*.crt "$TLS_DIR"/client*.key "$TLS_DIR/client.p12" "$TLS_DIR"/untrusted-client.* "$TLS_DIR/other-ca.crt"
}

write_dovecot_conf() {
  mkdir -p "$DV_DIR" "$DV_DIR/state"
  # passwd-file: user:{PLAIN}password:uid:gid:gecos:home:shell:extra. {PLAIN} lets every SASL
  # mechanism (incl. CRAM-MD5, DIGEST-MD5, SCRAM-*) work. Short names without domain as well.
  cat >"$DV_DIR/users" <<EOF
${USER_ASCII}:{PLAIN}${PASS_ASCII}::::::
${USER_ASCII%%@*}:{PLAIN}${PASS_ASCII}::::::
${USER_UTF8}:{PLAIN}${PASS_UTF8}::::::
${USER_UTF8%%@*}:{PLAIN}${PASS_UTF8}::::::
EOF
  # The auth process runs as the "dovecot" user and reads the file itself.
  chown root:dovecot "$DV_DIR/users"
  chmod 640 "$DV_DIR/users"

  cat >"$DV_CONF" <<EOF
# Generated by tests/servers/mailstack.sh - Dovecot as SASL backend for Postfix only.
base_dir = $DV_BASE
state_dir = $DV_DIR/state
instance_name = mailstack
log_path = $LOG_DIR/dovecot.log
info_log_path = $LOG_DIR/dovecot.log
debug_log_path = $LOG_DIR/dovecot.log

# No IMAP/POP3/LMTP listeners: only the auth service (and its helpers) run.
protocols = none
listen = $HOST
ssl = no
default_internal_user = dovecot
default_login_user = dovenull

disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5 digest-md5 scram-sha-1 scram-sha-256 oauthbearer xoauth2
# The default allows ASCII letters/digits/.-_@ only; empty = any character (UTF-8 user names).
auth_username_chars =
# Tests should not wait 2 s after every failed AUTH.
auth_failure_delay = 0
auth_verbose = yes

# Bearer tokens: JWTs (HS256) validated locally with the key in $DV_DIR/oauth-keys (see make_oauth).
passdb {
  driver = oauth2
  mechanisms = oauthbearer xoauth2
  args = $DV_DIR/oauth2.conf.ext
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN $DV_DIR/users
}
# A userdb is mandatory even though no mail is accessed through Dovecot.
userdb {
  driver = static
  args = uid=$MAIL_USER gid=$(id -gn "$MAIL_USER") home=/nonexistent
}

# Relative to base_dir, i.e. $DV_AUTH_SOCKET.
service auth {
  unix_listener ${DV_AUTH_SOCKET##*/} {
    mode = 0660
    user = postfix
    group = postfix
  }
}
EOF
}

# A random HS256 key for Dovecot's local JWT validation, and one valid token for alice (1 hour).
make_oauth() {
  local keys=$DV_DIR/oauth-keys/default/HS256
  mkdir -p "$keys"
  cat >"$DV_DIR/oauth2.conf.ext" <<EOF
introspection_mode = local
local_validation_key_dict = fs:posix:prefix=$DV_DIR/oauth-keys/
username_attribute = email
EOF
  OAUTH_TOKEN=$(python3 - "$keys/default" "$USER_ASCII" <<'EOF'
import base64, hashlib, hmac, json, os, sys, time
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
key = os.urandom(32)
with open(sys.argv[1], "w") as f:
    f.write(base64.b64encode(key).decode())
now = int(time.time())
head = b64(json.dumps({"typ": "JWT", "alg": "HS256"}).encode())
body = b64(json.dumps({"sub": sys.argv[2], "email": sys.argv[2], "iat": now, "nbf": now, "exp": now + 3600}).encode())
sig = b64(hmac.new(key, (head + "." + body).encode(), hashlib.sha256).digest())
print(head + "." + body + "." + sig)
EOF
  ) || fail "creating the OAuth test token failed"
  chown -R root:dovecot "$DV_DIR/oauth-keys" "$DV_DIR/oauth2.conf.ext"
  chmod -R u=rwX,g=rX,o= "$DV_DIR/oauth-keys" "$DV_DIR/oauth2.conf.ext"
}

# Cyrus SASL for the NTLM listener: alice with the ASCII password in a sasldb that smtpd can read.
# Debian's Postfix reads the Cyrus configuration from config_directory/sasl/smtpd.conf (it ignores
# cyrus_sasl_config_path).
write_cyrus_conf() {
  mkdir -p "$CY_DIR" "$PF_CONF/sasl"
  cat >"$PF_CONF/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $CY_DIR/sasldb2
mech_list: NTLM
EOF
  printf '%s' "$PASS_ASCII" | saslpasswd2 -f "$CY_DIR/sasldb2" -p -c -u "$DOMAIN" "${USER_ASCII%%@*}" ||
    fail "saslpasswd2 could not create the NTLM user"
  chown root:postfix "$CY_DIR/sasldb2"
  chmod 640 "$CY_DIR/sasldb2"
}

write_postfix_conf() {
  mkdir -p "$PF_CONF" "$PF_DATA"
  # queue_directory must be root-owned and not group/other writable; postfix creates the
  # subdirectories (with the right owners) itself via "post-install create-missing" at start.
  install -d -o root -g root -m 755 "$PF_QUEUE"
  chown postfix:postfix "$PF_DATA"
  chmod 700 "$PF_DATA"

  cat >"$PF_CONF/main.cf" <<EOF
# Generated by tests/servers/mailstack.sh
compatibility_level = 3.6
config_directory = $PF_CONF
queue_directory = $PF_QUEUE
data_directory = $PF_DATA
mail_owner = postfix
setgid_group = postdrop

# Logging to a file through postlogd (needs the postlog service in master.cf). Postfix only
# accepts maillog_file paths below maillog_file_prefixes.
maillog_file_prefixes = $LOG_DIR
maillog_file = $LOG_DIR/postfix.log

myhostname = mail.$DOMAIN
mydomain = $DOMAIN
myorigin = \$myhostname
inet_interfaces = $HOST
inet_protocols = ipv4
mynetworks = 127.0.0.0/8

# No DNS at all (the network is loopback-only).
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
smtp_host_lookup = native
lmtp_host_lookup = native
smtpd_peername_lookup = no

# Nothing is local; everything @$DOMAIN goes into ONE Maildir (trailing "/" = Maildir format).
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
local_transport = error:local delivery is disabled in tests
virtual_mailbox_domains = $DOMAIN
virtual_mailbox_base = $D
virtual_mailbox_maps = static:maildir/
virtual_uid_maps = static:$(id -u "$MAIL_USER")
virtual_gid_maps = static:$(id -g "$MAIL_USER")
virtual_minimum_uid = 100

# Relaying only for authenticated clients, and relayed mail never leaves the machine: it is
# accepted (250) and then discarded. (An "error:" transport would make smtpd reject such
# recipients already at RCPT time with 550, hiding whether relaying itself was permitted.)
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
default_transport = discard:no external delivery in tests
relay_transport = discard:no external delivery in tests

# SASL through Dovecot. Per-listener overrides in master.cf decide where AUTH is offered.
smtpd_sasl_type = dovecot
smtpd_sasl_path = $DV_AUTH_SOCKET
smtpd_sasl_auth_enable = yes
smtpd_tls_auth_only = no
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
# Bearer-token mechanisms only on the oauth listener (master.cf overrides this there).
smtpd_sasl_mechanism_filter = !external, !oauthbearer, !xoauth2, static:rest

# Server TLS material; the security level is set per listener.
smtpd_tls_security_level = none
smtpd_tls_chain_files = $TLS_DIR/server.key, $TLS_DIR/server.crt
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
smtpd_tls_ask_ccert = no

smtpd_banner = \$myhostname ESMTP SMTP-Workbench-test-stack
biff = no
EOF

  # chroot = n everywhere: the services use absolute paths inside DIR (Dovecot socket, Maildir).
  cat >"$PF_CONF/master.cf" <<EOF
# Generated by tests/servers/mailstack.sh
# service type  private unpriv  chroot  wakeup  maxproc command + args
# 1. PLAIN: no TLS at all, AUTH in plaintext.
$HOST:$PORT_PLAIN inet n - n - - smtpd
  -o syslog_name=postfix/plain
  -o smtpd_tls_security_level=none
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=no
# 2. SUBMISSION: STARTTLS required before anything else, AUTH only after TLS.
$HOST:$PORT_SUBMISSION inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
# 3. IMPLICIT: TLS from the first byte (SMTPS).
$HOST:$PORT_IMPLICIT inet n - n - - smtpd
  -o syslog_name=postfix/implicit
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
# 4. TLS12: STARTTLS required, TLS 1.2 only. Strict about names (for the hint tests): the EHLO name
#    must be fully qualified, and no sender address is owned by any login.
$HOST:$PORT_TLS12 inet n - n - - smtpd
  -o syslog_name=postfix/tls12
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_protocols=>=TLSv1.2,<=TLSv1.2
  -o smtpd_tls_mandatory_protocols=>=TLSv1.2,<=TLSv1.2
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
  -o smtpd_helo_required=yes
  -o smtpd_helo_restrictions=reject_non_fqdn_helo_hostname
  -o smtpd_sender_login_maps=static:nobody@$DOMAIN
  -o smtpd_sender_restrictions=reject_sender_login_mismatch
# 5. TLS13: STARTTLS required, TLS 1.3 only.
$HOST:$PORT_TLS13 inet n - n - - smtpd
  -o syslog_name=postfix/tls13
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_protocols=>=TLSv1.3
  -o smtpd_tls_mandatory_protocols=>=TLSv1.3
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
# 6. OAUTH: STARTTLS required, AUTH with bearer tokens only (OAUTHBEARER, XOAUTH2 via Dovecot's oauth2).
$HOST:$PORT_OAUTH inet n - n - - smtpd
  -o syslog_name=postfix/oauth
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_mechanism_filter=oauthbearer,xoauth2
# 7. NTLM: STARTTLS required, AUTH NTLM through Cyrus SASL (its NTLM plugin verifies NTLMv2; Dovecot's
# NTLM needs Samba's winbind). Users and plaintext passwords in $CY_DIR/sasldb2.
$HOST:$PORT_TLS12_RSA inet n - n - - smtpd
  -o syslog_name=postfix/tls12-rsa
  -o smtpd_tls_chain_files=$TLS_DIR/server-rsa.key,$TLS_DIR/server-rsa.crt
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_protocols=>=TLSv1.2,<=TLSv1.2
  -o smtpd_tls_mandatory_protocols=>=TLSv1.2,<=TLSv1.2
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
$HOST:$PORT_IMPLICIT_TLS12_RSA inet n - n - - smtpd
  -o syslog_name=postfix/implicit-tls12-rsa
  -o smtpd_tls_chain_files=$TLS_DIR/server-rsa.key,$TLS_DIR/server-rsa.crt
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_protocols=>=TLSv1.2,<=TLSv1.2
  -o smtpd_tls_mandatory_protocols=>=TLSv1.2,<=TLSv1.2
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
$HOST:$PORT_RSA inet n - n - - smtpd
  -o syslog_name=postfix/rsa
  -o smtpd_tls_chain_files=$TLS_DIR/server-rsa.key,$TLS_DIR/server-rsa.crt
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
$HOST:$PORT_NTLM inet n - n - - smtpd
  -o syslog_name=postfix/ntlm
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_type=cyrus
  -o smtpd_sasl_path=smtpd
  -o smtpd_sasl_local_domain=$DOMAIN
# 8. NOEXT: plain, without SMTPUTF8, CHUNKING and DSN in its EHLO reply (the test message's refusals).
$HOST:$PORT_NOEXT inet n - n - - smtpd
  -o syslog_name=postfix/noext
  -o smtpd_tls_security_level=none
  -o smtpd_discard_ehlo_keywords=smtputf8,chunking,dsn
# 9. CCERT_ASK: STARTTLS required, asks for a client certificate issued by the client CA (optional).
$HOST:$PORT_CCERT_ASK inet n - n - - smtpd
  -o syslog_name=postfix/ccert-ask
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_ask_ccert=yes
  -o smtpd_tls_CAfile=$TLS_DIR/client-ca.crt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
# 10. CCERT_REQ: STARTTLS required, and a trusted client certificate too (smtpd_tls_req_ccert).
$HOST:$PORT_CCERT_REQ inet n - n - - smtpd
  -o syslog_name=postfix/ccert-req
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_req_ccert=yes
  -o smtpd_tls_CAfile=$TLS_DIR/client-ca.crt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
# 11. SIZELIMIT: plain, messages up to 100000 bytes, SIZE hidden so that the client sends a larger one
#     and smtpd refuses it in the middle (a refused BDAT chunk).
$HOST:$PORT_SIZELIMIT inet n - n - - smtpd
  -o syslog_name=postfix/sizelimit
  -o smtpd_tls_security_level=none
  -o message_size_limit=100000
  -o smtpd_discard_ehlo_keywords=size
pickup     unix  n       -       n       60      1       pickup
cleanup    unix  n       -       n       -       0       cleanup
qmgr       unix  n       -       n       300     1       qmgr
tlsmgr     unix  -       -       n       1000?   1       tlsmgr
rewrite    unix  -       -       n       -       -       trivial-rewrite
bounce     unix  -       -       n       -       0       bounce
defer      unix  -       -       n       -       0       bounce
trace      unix  -       -       n       -       0       bounce
verify     unix  -       -       n       -       1       verify
flush      unix  n       -       n       1000?   0       flush
proxymap   unix  -       -       n       -       -       proxymap
proxywrite unix  -       -       n       -       1       proxymap
showq      unix  n       -       n       -       -       showq
error      unix  -       -       n       -       -       error
retry      unix  -       -       n       -       -       error
discard    unix  -       -       n       -       -       discard
virtual    unix  -       n       n       -       -       virtual
anvil      unix  -       -       n       -       1       anvil
scache     unix  -       -       n       -       1       scache
postlog    unix-dgram n  -       n       -       1       postlogd
EOF
  add_ipv6_listener
  # Postfix ignores (re-reads later) a main.cf modified within the last ~2 s; back-date both files.
  touch -d '-1 minute' "$PF_CONF/main.cf" "$PF_CONF/master.cf"
}

# The PLAIN listener also on [::1], for the -6/--ipv6 tests, where the machine has IPv6 loopback (a
# machine without it keeps an IPv4-only stack, and MAILSTACK_IPV6_HOST stays empty).
add_ipv6_listener() {
  IPV6_HOST=
  python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null || return 0
  IPV6_HOST=::1
  sed -i 's/^inet_protocols = ipv4$/inet_protocols = all/; s|^mynetworks = 127.0.0.0/8$|mynetworks = 127.0.0.0/8 [::1]/128|' "$PF_CONF/main.cf"
  cat >>"$PF_CONF/master.cf" <<EOF
[::1]:$PORT_PLAIN inet n - n - - smtpd
  -o syslog_name=postfix/plain6
  -o smtpd_tls_security_level=none
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=no
EOF
}

make_maildir() {
  install -d -o "$MAIL_USER" -g "$(id -gn "$MAIL_USER")" -m 755 \
    "$MAILDIR" "$MAILDIR/new" "$MAILDIR/cur" "$MAILDIR/tmp"
}

start_dovecot() {
  dovecot -c "$DV_CONF" >"$LOG_DIR/dovecot-start.log" 2>&1 || fail "dovecot did not start"
  # Postfix needs the auth socket; it appears once the master has set up its listeners.
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -S "$DV_AUTH_SOCKET" ]] && break
    sleep 0.1
  done
  [[ -S "$DV_AUTH_SOCKET" ]] || fail "dovecot auth socket $DV_AUTH_SOCKET did not appear within 10s"
  # Dovecot delays every AUTH from an IP after failed ones (2 s doubling to 15 s; no setting turns it
  # off), which would make the wrong-password tests from 127.0.0.1 slow down all later ones. The auth
  # process starts on the first AUTH and, finding no penalty socket of anvil, runs without penalty.
  rm -f "$DV_BASE/anvil-auth-penalty"
}

start_postfix() {
  # "postfix -c" as root needs no alternate_config_directories (that only restricts the set-gid
  # postdrop/postqueue). The start-up integrity check prints warnings to this log, if any.
  postfix -c "$PF_CONF" start >"$LOG_DIR/postfix-start.log" 2>&1 || fail "postfix did not start"
}

# Wait until every port greets with "220 " (implicit-TLS port: after the handshake).
wait_for_banners() {
  python3 - "$START_TIMEOUT" "$PORT_PLAIN" "$PORT_SUBMISSION" "$PORT_TLS12" "$PORT_TLS13" "$PORT_OAUTH" "$PORT_NTLM" \
    "$PORT_TLS12_RSA" "$PORT_RSA" "$PORT_NOEXT" "$PORT_CCERT_ASK" "$PORT_CCERT_REQ" "$PORT_SIZELIMIT" "tls:$PORT_IMPLICIT" "tls:$PORT_IMPLICIT_TLS12_RSA" <<'EOF' || fail "not every SMTP port answered with a 220 banner within ${START_TIMEOUT}s"
import socket, ssl, sys, time

deadline = time.monotonic() + float(sys.argv[1])
pending = {p: "not tried" for p in sys.argv[2:]}
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE

def probe(spec):
    tls = spec.startswith("tls:")
    port = int(spec[4:] if tls else spec)
    with socket.create_connection(("127.0.0.1", port), timeout=3) as raw:
        sock = ctx.wrap_socket(raw) if tls else raw
        sock.settimeout(5)
        f = sock.makefile("rb")
        line = f.readline()
        while line[3:4] == b"-":  # multi-line greeting
            line = f.readline()
        if not line.startswith(b"220 "):
            raise RuntimeError("unexpected greeting %r" % line)
        sock.sendall(b"QUIT\r\n")
        f.readline()

while pending and time.monotonic() < deadline:
    for spec in list(pending):
        try:
            probe(spec)
            del pending[spec]
        except Exception as e:
            pending[spec] = str(e) or type(e).__name__
    if pending:
        time.sleep(0.2)
for spec, err in pending.items():
    print("mailstack: port %s: %s" % (spec, err), file=sys.stderr)
sys.exit(1 if pending else 0)
EOF
}

write_env() {
  # KEY=VALUE, no quotes/spaces (values are known not to contain any).
  cat >"$D/env.tmp" <<EOF
MAILSTACK_HOST=$HOST
MAILSTACK_PLAIN_PORT=$PORT_PLAIN
MAILSTACK_SUBMISSION_PORT=$PORT_SUBMISSION
MAILSTACK_IMPLICIT_PORT=$PORT_IMPLICIT
MAILSTACK_TLS12_PORT=$PORT_TLS12
MAILSTACK_TLS13_PORT=$PORT_TLS13
MAILSTACK_OAUTH_PORT=$PORT_OAUTH
MAILSTACK_NTLM_PORT=$PORT_NTLM
MAILSTACK_TLS12_RSA_PORT=$PORT_TLS12_RSA
MAILSTACK_IMPLICIT_TLS12_RSA_PORT=$PORT_IMPLICIT_TLS12_RSA
MAILSTACK_RSA_PORT=$PORT_RSA
MAILSTACK_NOEXT_PORT=$PORT_NOEXT
MAILSTACK_OAUTH_TOKEN=$OAUTH_TOKEN
MAILSTACK_CA_FILE=$TLS_DIR/ca.crt
MAILSTACK_CCERT_ASK_PORT=$PORT_CCERT_ASK
MAILSTACK_CCERT_REQ_PORT=$PORT_CCERT_REQ
MAILSTACK_SIZELIMIT_PORT=$PORT_SIZELIMIT
MAILSTACK_CLIENT_CERT=$TLS_DIR/client.crt
MAILSTACK_CLIENT_KEY=$TLS_DIR/client.key
MAILSTACK_CLIENT_KEY_ENCRYPTED=$TLS_DIR/client-encrypted.key
MAILSTACK_CLIENT_KEY_PASSWORD=$CLIENT_KEY_PASSWORD
MAILSTACK_CLIENT_P12=$TLS_DIR/client.p12
MAILSTACK_UNTRUSTED_CLIENT_CERT=$TLS_DIR/untrusted-client.crt
MAILSTACK_UNTRUSTED_CLIENT_KEY=$TLS_DIR/untrusted-client.key
MAILSTACK_SERVER_NAME=$SERVER_NAME
MAILSTACK_MAILDIR=$MAILDIR
MAILSTACK_USER=$USER_ASCII
MAILSTACK_PASSWORD=$PASS_ASCII
MAILSTACK_USER_UTF8=$USER_UTF8
MAILSTACK_PASSWORD_UTF8=$PASS_UTF8
MAILSTACK_DOMAIN=$DOMAIN
MAILSTACK_LOG_DIR=$LOG_DIR
MAILSTACK_IPV6_HOST=${IPV6_HOST:-}
EOF
  mv "$D/env.tmp" "$D/env" # atomic: readers never see a half-written file
}

cmd_start() {
  local dir=$1
  umask 022
  mkdir -p "$dir"
  set_paths "$(cd "$dir" && pwd -P)"
  LOG_DIR=$D/log # used by the EXIT trap even before anything else exists
  check_prereqs
  check_dir_name
  check_traversable
  if is_running; then
    log "error: a mail stack is already running in $D; run '$0 stop $D' first"
    exit 1 # not via fail(): the running instance must not be stopped by our EXIT trap
  fi
  trap on_start_exit EXIT

  # Fresh state on every start (an old Maildir is emptied too): remove only what this script
  # creates. DIR itself becomes 0755 (e.g. after mktemp -d) so the unprivileged daemons can enter it.
  rm -rf "$D/env" "$D/env.tmp" "$TLS_DIR" "$PF_CONF" "$PF_QUEUE" "$PF_DATA" "$DV_DIR" "$CY_DIR" "$MAILDIR" "$LOG_DIR"
  install -d -m 755 "$D" "$LOG_DIR"

  read -r PORT_PLAIN PORT_SUBMISSION PORT_IMPLICIT PORT_TLS12 PORT_TLS13 PORT_OAUTH PORT_NTLM PORT_TLS12_RSA PORT_IMPLICIT_TLS12_RSA PORT_RSA PORT_NOEXT PORT_CCERT_ASK PORT_CCERT_REQ PORT_SIZELIMIT < <(pick_ports 14) ||
    fail "could not pick free ports"
  [[ -n "${PORT_SIZELIMIT:-}" ]] || fail "could not pick free ports"

  make_tls
  make_client_tls
  make_maildir
  write_dovecot_conf
  make_oauth
  write_cyrus_conf
  write_postfix_conf
  postconf -c "$PF_CONF" >/dev/null 2>"$LOG_DIR/postconf-check.log" ||
    fail "postconf rejected the generated main.cf"

  start_dovecot
  start_postfix
  wait_for_banners
  write_env
  trap - EXIT
  log "mail stack running in $D (plain $PORT_PLAIN, submission $PORT_SUBMISSION, implicit $PORT_IMPLICIT, tls12 $PORT_TLS12, tls13 $PORT_TLS13, oauth $PORT_OAUTH, ntlm $PORT_NTLM)"
}

# ---------------------------------------------------------------------------------------------------
(($# == 2)) || usage
[[ -n "$2" ]] || usage
case $1 in
start) cmd_start "$2" ;;
stop) cmd_stop "$2" ;;
*) usage ;;
esac
