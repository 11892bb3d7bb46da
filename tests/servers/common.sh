# shellcheck shell=bash
# Helpers shared by the test-server scripts (sourced, not run).

# The first number in a pid file, or nothing.
read_pid() { { head -n 1 <"$1" | tr -dc '0-9'; } 2>/dev/null || true; }

# Alive = exists and is not a zombie. Daemonized masters are children of PID 1, which may reap them
# only later, so "kill -0" alone would report a finished master as still running.
alive() {
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ "$st" != Z* ]]
}

# pick_ports N: N distinct free ports on 127.0.0.1. All sockets are bound at the same time so the
# kernel cannot hand out the same port twice; they are closed right before the servers bind them.
pick_ports() {
  python3 -c '
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
' "$1"
}

# ---- daemons in the foreground of a session of their own, found again by pid files in $D ----------
# The script sets D (its directory), STOP_TIMEOUT, log() and do_stop (which on_start_exit calls).
# mailstack.sh has its own stop and trap: Postfix and Dovecot daemonize, so they are found by their
# own pid files and checked by queue directory and configuration instead. oauthstack.sh runs one
# node process and stops it by itself.

# Ours: the process's command line names a file inside $D (its configuration, log or data).
is_ours() {
  local args
  args=$({ tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null || true)
  [[ "$args" == *"$D/"* ]]
}

# start_daemon NAME COMMAND...: under setsid, so that its pid is its process group; output in
# $D/log/NAME.out, pid in $D/NAME.pid.
start_daemon() {
  local name=$1
  shift
  setsid "$@" >"$D/log/$name.out" 2>&1 </dev/null &
  echo $! >"$D/$name.pid"
}

# stop_daemons NAME...: SIGTERM the process group of each $D/NAME.pid that is still ours, wait up to
# STOP_TIMEOUT s, then SIGKILL what is left. Idempotent.
stop_daemons() {
  local -a pids=()
  local name pid i
  for name in "$@"; do
    pid=$(read_pid "$D/$name.pid")
    if [[ -n "$pid" ]] && alive "$pid" && is_ours "$pid"; then
      log "stopping $name (pid $pid)"
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
    rm -f "$D/$name.pid"
  done
  for ((i = 0; i < STOP_TIMEOUT * 10 && ${#pids[@]} > 0; i++)); do
    local -a left=()
    for pid in "${pids[@]}"; do alive "$pid" && left+=("$pid"); done
    pids=("${left[@]+"${left[@]}"}")
    ((${#pids[@]} == 0)) || sleep 0.1
  done
  for pid in "${pids[@]+"${pids[@]}"}"; do
    log "pid $pid did not exit within ${STOP_TIMEOUT}s, sending SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  done
}

# The EXIT trap of a start: when it failed, the last lines of every log in $D/log, then do_stop.
on_start_exit() {
  local rc=$?
  trap - EXIT
  if ((rc != 0)); then
    local f
    for f in "$D"/log/*; do
      [[ -s "$f" ]] || continue
      log "---- last lines of $f ----"
      tail -n 15 "$f" >&2
    done
    log "start failed; stopping what was started"
    do_stop || true
  fi
  exit "$rc"
}
