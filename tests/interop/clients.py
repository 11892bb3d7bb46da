"""The clients compared by the interop matrix: openssl s_client, curl and swaks (the references) and
`smtp-workbench check`. Each run yields an Outcome: did the TLS handshake complete with a verified
certificate, which version and cipher, did the SMTP dialogue end well, and why not."""

import json
import re
import subprocess
from dataclasses import dataclass, field

SERVER_NAME = "localhost"


@dataclass
class Outcome:
    handshake: bool = False
    version: str = ""
    cipher: str = ""
    dialogue_ok: bool = False
    error: str = ""
    category: str = ""
    hints: list = field(default_factory=list)
    report: dict = field(default_factory=dict)

    def cell(self):
        if self.handshake:
            return "%s %s" % (self.version, self.cipher)
        return "✗ " + (self.error or "failed")[:70]


def run(cmd, timeout, stdin=b""):
    try:
        out = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout)
        return out.returncode, (out.stdout + out.stderr).decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        text = ((e.stdout or b"") + (e.stderr or b"")).decode("utf-8", "replace")
        return None, text


def last_error(text, patterns):
    for p in patterns:
        m = re.search(p, text, re.M)
        if m:
            return m.group(1).strip()
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1].strip() if lines else "no output"


def openssl(port, mode, ca, timeout):
    cmd = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", SERVER_NAME, "-CAfile", ca,
           "-verify_return_error", "-brief"]
    if mode == "starttls":
        cmd += ["-starttls", "smtp"]
    rc, text = run(cmd, timeout + 2)
    o = Outcome()
    version = re.search(r"^Protocol version: (\S+)", text, re.M)
    cipher = re.search(r"^Ciphersuite: (\S+)", text, re.M)
    if version and cipher and "Verification: OK" in text:
        o.handshake = o.dialogue_ok = True
        o.version, o.cipher = version.group(1), cipher.group(1)
    else:
        o.error = last_error(text, [r"verify error:num=\d+:(.*)$", r":error:[0-9A-F]+:[^:]*:[^:]*:(.*)$"])
    return o


def curl(port, mode, ca, timeout):
    scheme = "smtps" if mode == "implicit" else "smtp"
    cmd = ["curl", "-sv", "--max-time", str(timeout), "--cacert", ca,
           "--resolve", "%s:%d:127.0.0.1" % (SERVER_NAME, port), "-X", "NOOP",
           "%s://%s:%d/interop.test" % (scheme, SERVER_NAME, port)]
    if mode == "starttls":
        cmd.insert(1, "--ssl-reqd")
    rc, text = run(cmd, timeout + 2)
    o = Outcome()
    m = re.search(r"SSL connection using (\S+) / (\S+)", text)
    if m:
        o.handshake = True
        o.version, o.cipher = m.group(1), m.group(2)
    o.dialogue_ok = o.handshake and rc == 0
    if not o.dialogue_ok:
        o.error = last_error(text, [r"^\* (SSL certificate problem: .*)$", r"^curl: \(\d+\) (.*)$",
                                    r"^\* (OpenSSL.*error.*)$", r"^\* (.*(?:timed out|Operation timed out).*)$"])
    return o


def swaks(port, mode, ca, timeout):
    cmd = ["swaks", "--server", "127.0.0.1", "--port", str(port), "--tls-verify", "--tls-ca-path", ca,
           "--tls-sni", SERVER_NAME, "--quit-after", "HELO", "--helo", "interop.test", "--timeout", str(timeout),
           "--tls-on-connect" if mode == "implicit" else "--tls"]
    rc, text = run(cmd, timeout + 3)
    o = Outcome()
    m = re.search(r"=== TLS started with cipher ([^:]+):([^:]+):", text)
    if m:
        o.handshake = True
        o.version, o.cipher = m.group(1), m.group(2)
    o.dialogue_ok = o.handshake and rc == 0
    if not o.dialogue_ok:
        o.error = last_error(text, [r"^\*\*\* (TLS startup failed.*)$", r"^\*\*\* (.*)$"])
    return o


def gnutls(port, mode, ca, timeout):
    """gnutls-cli: a second TLS stack among the references (openssl, curl and swaks all use OpenSSL).
    It closes after the handshake, so it speaks for the handshake only."""
    cmd = ["gnutls-cli", "-p", str(port), "--x509cafile", ca, "--sni-hostname", SERVER_NAME,
           "--verify-hostname", SERVER_NAME, "127.0.0.1"]
    if mode == "starttls":
        cmd[1:1] = ["--starttls-proto", "smtp"]
    rc, text = run(cmd, timeout + 2)
    o = Outcome()
    m = re.search(r"^- Description: \((TLS1\.\d)-X\.509\)-\(([^)]*)\)-\(([^)]*)\)-\(([^)]*)\)", text, re.M)
    if m and "Handshake was completed" in text:
        o.handshake = True
        o.version = "TLSv" + m.group(1)[3:]
        o.cipher = "%s %s %s" % (m.group(2), m.group(3), m.group(4))
    else:
        o.error = last_error(text, [r"^\*\*\* (.*(?:verification|Fatal error).*)$", r"^\|<1>\| (.*)$"])
    return o


def check(binary, port, mode, ca, timeout, extra=()):
    cmd = [binary, "check", "--host", SERVER_NAME, "--port", str(port), "--security", mode, "--ca-file", ca,
           "--anonymous", "--timeout", str(timeout), "--color", "never", "--json", "-"] + list(extra)
    try:
        out = subprocess.run(cmd, capture_output=True, timeout=timeout * 4 + 10)
    except subprocess.TimeoutExpired:
        return Outcome(error="check did not end within %d s" % (timeout * 4 + 10), category="hang")
    o = Outcome()
    try:
        report = json.loads(out.stdout)
    except ValueError:
        return Outcome(error="exit %d, no JSON report: %s" % (out.returncode, out.stderr[-300:].decode("utf-8", "replace")),
                       category="no-report")
    o.report = report
    tls = report.get("tls") or {}
    failure = report.get("failure") or {}
    o.category = failure.get("category", "")
    o.version, o.cipher = tls.get("version") or "", tls.get("cipher") or ""
    if tls.get("group"):
        o.cipher += " (%s)" % tls["group"]
    o.handshake = bool(o.version) and o.category not in ("tls", "certificate")
    o.dialogue_ok = report.get("result") == "ok"
    o.hints = [h["id"] for h in report.get("hints", [])]
    if not o.dialogue_ok:
        o.error = "%s: %s" % (o.category, failure.get("message", "(no message)"))
    return o


REFERENCES = {"openssl": openssl, "curl": curl, "swaks": swaks, "gnutls-cli": gnutls}
