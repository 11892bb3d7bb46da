"""The servers of the interop matrix: real TLS stacks on loopback ports, started and stopped by PID.

- OpenSSL `s_server` terminates TLS; an SMTP responder behind it (on s_server's stdin/stdout) answers
  the decrypted commands. A small front on the listening port speaks the plain-text part of STARTTLS
  and then splices the raw TLS bytes to a fresh `s_server -naccept 1`, so every client gets a server of
  its own and s_server's key, version, signature-algorithm, group and cipher options apply unchanged.
- GnuTLS `gnutls-serv --echo` terminates TLS behind the same front (implicit TLS): it speaks no SMTP, so
  only the handshake of each client is compared there.
- Exim (GnuTLS) with its own configuration, one port per TLS setting.
- Postfix (OpenSSL) is the suite's mail stack (tests/servers/mailstack.sh), started by its fixture.
"""

import os
import shutil
import signal
import socket
import subprocess
import threading
import time

LOOPBACK = "127.0.0.1"


def free_port():
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def listening(port):
    """True once something listens on the loopback port (read from /proc: a probe connection would use
    up an `s_server -naccept 1`)."""
    want = ":%04X" % port
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[1].endswith(want) and fields[3] == "0A":
                        return True
        except OSError:
            pass
    return False


def wait_listening(port, proc, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if listening(port):
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("server exited with %s before listening on %d" % (proc.returncode, port))
        time.sleep(0.02)
    raise RuntimeError("nothing listens on port %d after %d s" % (port, seconds))


def stop(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(3)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(3)


class SmtpResponder:
    """Answers SMTP commands arriving decrypted on s_server's stdout by writing to its stdin."""

    def __init__(self, proc, banner):
        self.proc = proc
        self.banner = banner
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def reply(self, text):
        try:
            self.proc.stdin.write(text.encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass

    def run(self):
        if self.banner:
            self.reply("220 localhost ESMTP interop\r\n")
        for line in iter(self.proc.stdout.readline, b""):
            verb = line.strip().split(b" ")[0].upper()
            if verb in (b"EHLO", b"HELO"):
                self.reply("250-localhost\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
            elif verb == b"QUIT":
                self.reply("221 2.0.0 Bye\r\n")
                break
            else:
                self.reply("250 2.0.0 Ok\r\n")
        try:
            self.proc.stdin.close()
        except OSError:
            pass


def splice(a, b):
    """Copies bytes both ways until either side closes."""
    def pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
    t = threading.Thread(target=pump, args=(b, a), daemon=True)
    t.start()
    pump(a, b)
    t.join(10)


def read_line(conn):
    data = b""
    while not data.endswith(b"\n") and len(data) < 4096:
        chunk = conn.recv(1)
        if not chunk:
            return None
        data += chunk
    return data


class TlsFront:
    """Listens on a stable loopback port; for each client speaks the plain-text part (STARTTLS mode) and
    then splices it to a TLS terminator made by `backend()`, which returns (port, cleanup)."""

    def __init__(self, mode, backend):
        self.mode = mode
        self.backend = backend
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.closed = False
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        cleanup = None
        try:
            conn.settimeout(30)
            if self.mode == "starttls" and not self.plain_part(conn):
                return
            port, cleanup = self.backend()
            with socket.create_connection((LOOPBACK, port), timeout=30) as up:
                if self.mode == "starttls":
                    conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
                splice(conn, up)
        except OSError:
            pass
        finally:
            conn.close()
            if cleanup:
                cleanup()

    @staticmethod
    def plain_part(conn):
        conn.sendall(b"220 localhost ESMTP interop\r\n")
        while True:
            line = read_line(conn)
            if line is None:
                return False
            verb = line.strip().split(b" ")[0].upper()
            if verb == b"EHLO":
                conn.sendall(b"250-localhost\r\n250-PIPELINING\r\n250 STARTTLS\r\n")
            elif verb == b"STARTTLS":
                return True
            elif verb == b"QUIT":
                conn.sendall(b"221 2.0.0 Bye\r\n")
                return False
            else:
                conn.sendall(b"503 5.5.1 STARTTLS first\r\n")

    def close(self):
        self.closed = True
        self.sock.close()


class OpenSslServer:
    """`openssl s_server` with the given options, one process per client, behind a TlsFront."""

    kind = "openssl"

    def __init__(self, mode, args):
        self.args = args
        self.front = TlsFront(mode, self.spawn)
        self.port = self.front.port

    def spawn(self):
        port = free_port()
        cmd = ["openssl", "s_server", "-quiet", "-naccept", "1", "-accept", "%s:%d" % (LOOPBACK, port)] + self.args
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        wait_listening(port, proc)
        SmtpResponder(proc, banner=True if self.front.mode == "implicit" else False)
        return port, lambda: stop(proc)

    def close(self):
        self.front.close()


class GnuTlsServer:
    """`gnutls-serv --echo` (one long-running process) behind a TlsFront in implicit mode."""

    kind = "gnutls"

    def __init__(self, args):
        self.backend_port = free_port()
        cmd = ["gnutls-serv", "--echo", "--quiet", "--disable-client-cert", "-p", str(self.backend_port)] + args
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        wait_listening(self.backend_port, self.proc)
        self.front = TlsFront("implicit", lambda: (self.backend_port, None))
        self.port = self.front.port

    def close(self):
        self.front.close()
        stop(self.proc)


EXIM_CONF = """\
primary_hostname = localhost
local_interfaces = {host}
daemon_smtp_ports = {ports}
tls_on_connect_ports = {implicit_ports}
spool_directory = {dir}/spool
log_file_path = {dir}/log/%slog
pid_file_path = {dir}/exim.pid
keep_environment =
tls_advertise_hosts = *
tls_certificate = ${{lookup{{$received_port}}lsearch{{{dir}/certs}}}}
tls_privatekey = ${{lookup{{$received_port}}lsearch{{{dir}/keys}}}}
tls_require_ciphers = ${{lookup{{$received_port}}lsearch{{{dir}/priorities}}}}
acl_smtp_mail = accept
acl_smtp_rcpt = accept
begin acl
begin routers
begin transports
begin authenticators
PLAIN:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = ${{if and{{{{eq{{$auth2}}{{alice}}}}{{eq{{$auth3}}{{secret}}}}}}}}
  server_advertise_condition = ${{if def:tls_in_cipher}}
"""


class EximServer:
    """One Exim daemon (Debian's, GnuTLS-based) with one port per (mode, certificate, priority)."""

    kind = "exim"

    def __init__(self, workdir, binary, listeners):
        """listeners: list of (mode, cert, key, priority); sets .ports in the same order."""
        self.dir = os.path.join(workdir, "exim")
        shutil.rmtree(self.dir, ignore_errors=True)
        for sub in ("spool", "log"):
            os.makedirs(os.path.join(self.dir, sub))
        self.ports = [free_port() for _ in listeners]
        tables = {"certs": [], "keys": [], "priorities": []}
        for port, (mode, cert, key, priority) in zip(self.ports, listeners):
            tables["certs"].append("%d: %s" % (port, cert))
            tables["keys"].append("%d: %s" % (port, key))
            tables["priorities"].append("%d: %s" % (port, priority))
        for name, lines in tables.items():
            with open(os.path.join(self.dir, name), "w") as f:
                f.write("\n".join(lines) + "\n")
        implicit = [str(p) for p, l in zip(self.ports, listeners) if l[0] == "implicit"]
        conf = os.path.join(self.dir, "exim.conf")
        with open(conf, "w") as f:
            f.write(EXIM_CONF.format(host=LOOPBACK, dir=self.dir, ports=" : ".join(map(str, self.ports)),
                                     implicit_ports=" : ".join(implicit)))
        subprocess.run(["chown", "-R", "Debian-exim:Debian-exim", os.path.join(self.dir, "spool"),
                        os.path.join(self.dir, "log")], check=True)
        out = subprocess.run([binary, "-C", conf, "-bd"], capture_output=True, text=True, timeout=20)
        if out.returncode != 0:
            raise RuntimeError("exim did not start: " + out.stderr.strip())
        self.pid = None
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not all(listening(p) for p in self.ports):
            time.sleep(0.05)
        with open(os.path.join(self.dir, "exim.pid")) as f:
            self.pid = int(f.read().split()[0])
        if not all(listening(p) for p in self.ports):
            raise RuntimeError("exim does not listen on every port; see " + os.path.join(self.dir, "log"))

    def close(self):
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            self.pid = None
