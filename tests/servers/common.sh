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
