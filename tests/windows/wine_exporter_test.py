#!/usr/bin/env python3
"""smtp-workbench.exe exporter under Wine, scraped with curl from Linux, probing the suite's Linux Postfix.

usage: wine_exporter_test.py WINE_RUN EXE MAILSTACK_ENV
Saves two connections with the Windows program (check --save-profile), writes a private secrets file,
starts `exporter --listen 127.0.0.1:PORT`, scrapes /metrics, /probe?module=... and a 404, refuses a
secrets file that Everyone may read, and stops the exporter by its PID (SIGINT: Wine turns it into the
console's Ctrl+C, so the exporter stops as it does on Windows).
Exit 0 on success, 1 with the reason on failure, 77 (skipped) when Wine is missing.
"""
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from wine_check_test import SKIP, facts, fail, run_check, windows_path  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def curl(url):
    """(status, body) of a GET with curl, as a scraper would."""
    run = subprocess.run(["curl", "-s", "-m", "60", "-o", "-", "-w", "\n%{http_code}", url], capture_output=True, timeout=90)
    body, _, status = run.stdout.decode("utf-8", "replace").rpartition("\n")
    return int(status or 0), body


def save_connection(wine_run, exe, f, config, name, port_key):
    target = config / "connections" / (name + ".json")
    args = ["--host", f["MAILSTACK_HOST"], "--port", f[port_key], "--security", "starttls",
            "--ca-file", windows_path(f["MAILSTACK_CA_FILE"]), "--user", f["MAILSTACK_USER"], "--password-env", "SMTPWB_PW",
            "--timeout", "20", "--name", name, "--stop-after", "connect", "--quiet", "--save-profile", windows_path(target)]
    run = run_check(wine_run, exe, args, {"SMTPWB_PW": "unused"})
    if run.returncode != 0 or not target.exists():
        fail("check --save-profile " + name + " did not save the connection", run)


def write_secrets(path, f, mode):
    text = json.dumps({"healthy": f["MAILSTACK_PASSWORD"], "wrong-password": "not-" + f["MAILSTACK_PASSWORD"]})
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.chmod(path, mode)


class Exporter:
    """The Windows exporter as one Linux process (wine execs the program in place), stopped by PID."""

    def __init__(self, exe, tmp, config, secrets, port):
        env = dict(os.environ, WINEDEBUG=os.environ.get("WINEDEBUG", "-all"),
                   WINEDLLOVERRIDES=os.environ.get("WINEDLLOVERRIDES", "mscoree,mshtml="))
        self.err_path = tmp / "exporter.err"
        self.out_path = tmp / "exporter.out"
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.process = subprocess.Popen(
                ["wine", exe, "exporter", "--listen", "127.0.0.1:%d" % port, "--config-dir", windows_path(config),
                 "--secrets-file", windows_path(secrets), "--max-concurrent", "4"],
                env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)

    def stderr(self):
        return self.err_path.read_text(encoding="utf-8", errors="replace")

    def fail(self, why):
        self.process.kill()
        self.process.wait()
        print("--- exporter stderr\n" + self.stderr())
        fail(why)

    def stop(self):
        """SIGINT to the PID; the exporter must say it stopped and exit 0."""
        os.kill(self.process.pid, signal.SIGINT)
        try:
            status = self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.fail("the exporter did not stop within 20 s of SIGINT to PID %d" % self.process.pid)
        if status != 0 or "stopped" not in self.stderr():
            print("--- exporter stderr\n" + self.stderr())
            fail("the exporter exited with %d (expected 0 and 'stopped')" % status)


def wait_until_serving(exporter, base):
    until = time.monotonic() + 60
    while time.monotonic() < until:
        if exporter.process.poll() is not None:
            exporter.fail("the exporter exited with %d before serving" % exporter.process.returncode)
        status, _ = curl(base + "/metrics")
        if status == 200:
            return
        time.sleep(0.3)
    exporter.fail("the exporter did not answer /metrics within 60 s")


def check_scrapes(exporter, base, f):
    status, body = curl(base + "/probe?module=healthy")
    if status != 200 or not re.search(r"^probe_success 1$", body, re.M):
        exporter.fail("/probe?module=healthy: HTTP %d, no 'probe_success 1':\n%s" % (status, body))
    if not re.search(r'^probe_tls_version_info\{version="TLS 1\.3"\} 1$', body, re.M):
        exporter.fail("/probe?module=healthy: no TLS 1.3 version metric:\n" + body)
    status, body = curl(base + "/probe?module=wrong-password")
    if status != 200 or not re.search(r"^probe_success 0$", body, re.M):
        exporter.fail("/probe?module=wrong-password: HTTP %d, no 'probe_success 0':\n%s" % (status, body))
    status, body = curl(base + "/metrics")
    if status != 200 or "# TYPE" not in body:
        exporter.fail("/metrics: HTTP %d, not Prometheus text:\n%s" % (status, body))
    status, _ = curl(base + "/no-such-page")
    if status != 404:
        exporter.fail("/no-such-page: HTTP %d, expected 404" % status)
    if f["MAILSTACK_PASSWORD"] in body + exporter.stderr():
        exporter.fail("the password appears in /metrics or the exporter's output")


def check_refuses_shared_secrets(wine_run, exe, tmp, config, f):
    """A secrets file that Everyone may read (mode 0644: Wine gives Everyone read access) is refused."""
    shared = tmp / "shared-secrets.json"
    write_secrets(shared, f, 0o644)
    run = subprocess.run([wine_run, exe, "exporter", "--listen", "127.0.0.1:%d" % free_port(), "--config-dir",
                          windows_path(config), "--secrets-file", windows_path(shared)], capture_output=True, timeout=120)
    err = run.stderr.decode("utf-8", "replace")
    if run.returncode != 2 or "other users can read" not in err or "icacls" not in err:
        fail("a secrets file readable by Everyone was not refused", run)


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        sys.exit(2)
    wine_run, exe, env_file = sys.argv[1:]
    if not shutil.which("wine") or not shutil.which("curl"):
        print("SKIPPED: wine or curl is not installed")
        sys.exit(SKIP)
    f = facts(env_file)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = pathlib.Path(tmp_name)
        config = tmp / "config"
        (config / "connections").mkdir(parents=True)
        save_connection(wine_run, exe, f, config, "healthy", "MAILSTACK_TLS13_PORT")
        save_connection(wine_run, exe, f, config, "wrong-password", "MAILSTACK_TLS13_PORT")
        check_refuses_shared_secrets(wine_run, exe, tmp, config, f)
        secrets = tmp / "secrets.json"
        write_secrets(secrets, f, 0o600)
        port = free_port()
        exporter = Exporter(exe, tmp, config, secrets, port)
        base = "http://127.0.0.1:%d" % port
        wait_until_serving(exporter, base)
        check_scrapes(exporter, base, f)
        exporter.stop()
    print("ok: exporter")


if __name__ == "__main__":
    main()
