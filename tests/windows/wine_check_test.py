#!/usr/bin/env python3
"""smtp-workbench.exe check under Wine against the suite's Linux Postfix (tests/servers/mailstack.sh).

usage: wine_check_test.py WINE_RUN EXE MAILSTACK_ENV CASE
CASE: starttls-auth-message | wrong-password | latin1-message | demo-probe | unicode-paths
Exit 0 on success, 1 with the reason on failure, 77 (skipped) when wine-run.sh skips.
"""
import json
import os
import pathlib
import secrets
import subprocess
import sys
import tempfile
import time

SKIP = 77


def fail(why, run=None):
    print("FAILED:", why)
    if run is not None:
        print("--- exit status", run.returncode)
        print("--- stdout\n" + run.stdout.decode("utf-8", "replace"))
        print("--- stderr\n" + run.stderr.decode("utf-8", "replace"))
    sys.exit(1)


def facts(env_file):
    out = {}
    for line in pathlib.Path(env_file).read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key:
            out[key] = value
    return out


def windows_path(path):
    """Wine maps the Unix root to drive Z:."""
    return "Z:" + str(path).replace("/", "\\")


def run_check(wine_run, exe, args, env_extra):
    env = dict(os.environ, **env_extra)
    run = subprocess.run([wine_run, exe, "check", *args], env=env, capture_output=True, timeout=120)
    if run.returncode == SKIP:
        print(run.stdout.decode("utf-8", "replace"))
        sys.exit(SKIP)
    return run


def wait_for_delivery(maildir, marker, limit_s=30):
    until = time.monotonic() + limit_s
    new = pathlib.Path(maildir) / "new"
    while time.monotonic() < until:
        for entry in new.glob("*"):
            data = entry.read_bytes()
            if marker.encode() in data:
                return data
        time.sleep(0.1)
    return b""


def base_args(f, port_key):
    return ["--host", f["MAILSTACK_HOST"], "--port", f[port_key], "--security", "starttls",
            "--ca-file", windows_path(f["MAILSTACK_CA_FILE"]), "--color", "never", "--timeout", "20",
            "--user", f["MAILSTACK_USER"], "--password-env", "SMTPWB_PW"]


def send_message(wine_run, exe, f, code_page, body):
    """Sends `body` (text) in `code_page`; returns (report, delivered bytes, expected body bytes)."""
    marker = "wine-" + code_page + "-" + secrets.token_hex(8)
    with tempfile.TemporaryDirectory() as tmp:
        body_file = pathlib.Path(tmp) / "body.txt"
        body_file.write_bytes(body.encode("utf-8"))
        args = base_args(f, "MAILSTACK_TLS13_PORT") + [
            "--sasl", "PLAIN", "--code-page", code_page, "--from", f["MAILSTACK_USER"], "--to", "rcpt@example.test",
            "--subject", marker, "--body-file", windows_path(body_file), "--json", "-"]
        run = run_check(wine_run, exe, args, {"SMTPWB_PW": f["MAILSTACK_PASSWORD"]})
    if run.returncode != 0:
        fail("check exited with %d, not 0" % run.returncode, run)
    report = json.loads(run.stdout)
    delivered = wait_for_delivery(f["MAILSTACK_MAILDIR"], marker)
    if not delivered:
        fail("the message " + marker + " did not arrive in the maildir", run)
    # The body as the server must have stored it: CRLF line ends (Maildir keeps LF), in the code page.
    expected = body.replace("\r\n", "\n").encode(code_page.lower().replace("iso-", "iso"))
    return run, report, delivered, expected


def check_delivery(run, report, delivered, expected, charset):
    body = delivered[delivered.index(b"\n\n") + 2:]
    if body != expected:
        fail("the delivered body differs from what was sent:\n%r\n%r" % (body, expected), run)
    if ("charset=" + charset).encode() not in delivered:
        fail("the message does not declare charset=" + charset, run)
    if report["message"]["accepted"] is not True:
        fail("the report does not say the message was accepted", run)


def case_starttls_auth_message(wine_run, exe, f):
    body = "Grüße aus Köln — 你好 😀\n.a line starting with a dot\n..two dots\n.\nend\n"
    run, report, delivered, expected = send_message(wine_run, exe, f, "UTF-8", body)
    if report["tls"]["version"] != "TLSv1.3":
        fail("TLS version %r, expected TLSv1.3" % report["tls"]["version"], run)
    if report["tls"]["verified"] is not True:
        fail("the certificate was not verified", run)
    if report["auth"]["mechanism"] != "PLAIN" or report["auth"]["result"] != "ok":
        fail("AUTH PLAIN did not succeed: %r" % report["auth"], run)
    check_delivery(run, report, delivered, expected, "UTF-8")
    text = run.stdout + run.stderr
    if f["MAILSTACK_PASSWORD"].encode() in text:
        fail("the password appears in the output", run)


def case_latin1_message(wine_run, exe, f):
    # Converted by the Windows code-page path (WideCharToMultiByte, code page 28591), not by iconv.
    body = "Grüße aus Köln: ½ Stück Käse für 3 Euro, ¤ und ß.\n.dot\nend\n"
    run, report, delivered, expected = send_message(wine_run, exe, f, "ISO-8859-1", body)
    check_delivery(run, report, delivered, expected, "ISO-8859-1")
    if "ü".encode("utf-8") in delivered:
        fail("the delivered message holds UTF-8 where ISO-8859-1 was asked for", run)


def case_wrong_password(wine_run, exe, f):
    wrong = "Wrong-Secret-" + secrets.token_hex(4)
    run = run_check(wine_run, exe, base_args(f, "MAILSTACK_SUBMISSION_PORT") + ["--json", "-"], {"SMTPWB_PW": wrong})
    if run.returncode != 9:
        fail("exit status %d, expected 9 (auth)" % run.returncode, run)
    report = json.loads(run.stdout)
    if report["failure"]["category"] != "auth" or report["auth"]["result"] != "failed":
        fail("the report does not name an authentication failure", run)
    if not report.get("hints"):
        fail("no hint explains the refused password", run)
    if "Hint" not in run.stderr.decode("utf-8", "replace"):
        fail("the terminal output shows no hint", run)
    if wrong.encode() in run.stdout + run.stderr:
        fail("the wrong password appears in the output", run)


def case_demo_probe(wine_run, exe, f):
    # The built-in demo server and the TLS version probe, all inside the Windows program.
    run = run_check(wine_run, exe, ["--demo", "--probe-tls", "--color", "never"], {})
    out = run.stdout.decode("utf-8", "replace")
    if run.returncode != 0 or "Result: ok" not in out:
        fail("the demo test did not succeed", run)
    rows = {line.split()[0] + " " + line.split()[1]: line for line in out.splitlines()
            if line.startswith("    ") and len(line.split()) > 2}
    if "offered" not in rows.get("TLS 1.3", "") or "not offered" not in rows.get("TLS 1.0", ""):
        fail("the TLS probe table does not show TLS 1.3 offered and TLS 1.0 not offered", run)


def case_unicode_paths(wine_run, exe, f):
    # --ca-file and --log-file in folders whose names are outside the ANSI code page (Wine's is 1252 here):
    # opened through the wide API, not fopen with a narrow path.
    with tempfile.TemporaryDirectory() as tmp:
        certs = pathlib.Path(tmp) / "Zertifikate-日本"
        logs = pathlib.Path(tmp) / "Protokoll-日本"
        certs.mkdir()
        logs.mkdir()
        ca = certs / "ca-証明書.crt"
        ca.write_bytes(pathlib.Path(f["MAILSTACK_CA_FILE"]).read_bytes())
        log = logs / "check.log"
        args = ["--host", f["MAILSTACK_HOST"], "--port", f["MAILSTACK_TLS13_PORT"], "--security", "starttls",
                "--ca-file", windows_path(ca), "--log-file", windows_path(log), "--color", "never", "--timeout", "20",
                "--stop-after", "tls", "--json", "-"]
        run = run_check(wine_run, exe, args, {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
        if run.returncode != 0:
            fail("check with --ca-file in %s exited with %d, not 0" % (certs.name, run.returncode), run)
        report = json.loads(run.stdout)
        if report["tls"]["verified"] is not True or report["tls"]["version"] != "TLSv1.3":
            fail("the certificate was not verified against the CA file in " + certs.name, run)
        if not log.exists() or "STARTTLS" not in log.read_text(encoding="utf-8", errors="replace"):
            fail("the log file in %s was not written" % logs.name, run)


CASES = {"demo-probe": case_demo_probe, "starttls-auth-message": case_starttls_auth_message, "wrong-password": case_wrong_password,
         "latin1-message": case_latin1_message, "unicode-paths": case_unicode_paths}

if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[4] not in CASES:
        print(__doc__)
        sys.exit(2)
    wine_run, exe, env_file, case = sys.argv[1:]
    CASES[case](wine_run, exe, facts(env_file))
    print("ok:", case)
