#!/usr/bin/env python3
"""Differential interop matrix: for each real server configuration, run openssl s_client, curl, swaks and
gnutls-cli and `smtp-workbench check` against the same listener and assert that

  1. whenever a reference client completes a verified TLS handshake, check completes it too (defaults);
  2. the negotiated protocol version agrees with openssl's;
  3. whenever a reference client completes the SMTP dialogue, check does too;
  4. whenever check fails, the category, message and hints explain it, and the reference clients fail
     the same way (the configuration's expected failure).

Writes a Markdown table (one row per configuration, one column per client) to --report.

  matrix.py --binary build/app/smtp-workbench --workdir DIR --mailstack-env FILE --report FILE [--only RE]
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clients  # noqa: E402
import servers  # noqa: E402

TIMEOUT = 5        # seconds per step for every client
ECHO_TIMEOUT = 2   # gnutls-serv --echo never greets: the clients wait for the banner this long


@dataclass
class Config:
    name: str
    stack: str                 # openssl | gnutls | postfix | exim
    mode: str                  # implicit | starttls
    describe: str
    server_args: list = field(default_factory=list)
    key: str = "rsa2048"
    smtp: bool = True          # False: the server speaks no SMTP after the handshake (gnutls-serv --echo)
    expect: tuple = None       # (category, hint id) when check must fail so
    # Why the reference clients may succeed where check must fail (TLS 1.0/1.1: mbedTLS implements TLS 1.2
    # and 1.3 only); None: they must fail too.
    legacy: str = None
    extra: list = field(default_factory=list)  # more check runs: (label, args, predicate, what it proves)
    port: int = 0
    ca: str = ""


def sh(cmd, **kw):
    subprocess.run(cmd, check=True, capture_output=True, **kw)


class Pki:
    """A root CA, an intermediate, and leaves for localhost/127.0.0.1 of each key type, signed by the
    intermediate; an expired leaf; DH parameters."""

    KEYS = {"rsa2048": ["-newkey", "rsa:2048"], "rsa4096": ["-newkey", "rsa:4096"],
            "ecdsa-p256": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            "ecdsa-p384": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"]}

    def __init__(self, d):
        self.d = d
        os.makedirs(d, exist_ok=True)
        self.ca = self.path("root.crt")
        sh(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.path("root.key"), "-out", self.ca,
            "-days", "30", "-subj", "/O=SMTP Workbench interop/CN=Interop Root CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        self.write("ca.ext", "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n"
                             "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
        sh(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", self.path("inter.key"),
            "-out", self.path("inter.csr"), "-subj", "/O=SMTP Workbench interop/CN=Interop Intermediate CA"])
        sh(["openssl", "x509", "-req", "-in", self.path("inter.csr"), "-CA", self.ca, "-CAkey", self.path("root.key"),
            "-set_serial", "2", "-days", "30", "-extfile", self.path("ca.ext"), "-out", self.path("inter.crt")])
        self.write("leaf.ext", "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                               "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n"
                               "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
        for serial, key in enumerate(self.KEYS, start=10):
            sh(["openssl", "req", "-new", "-nodes", "-keyout", self.key(key), "-out", self.path(key + ".csr"),
                "-subj", "/CN=localhost"] + self.KEYS[key])
            sh(["openssl", "x509", "-req", "-in", self.path(key + ".csr"), "-CA", self.path("inter.crt"),
                "-CAkey", self.path("inter.key"), "-set_serial", str(serial), "-days", "30",
                "-extfile", self.path("leaf.ext"), "-out", self.cert(key)])
            self.write(key + "-chain.crt", open(self.cert(key)).read() + open(self.path("inter.crt")).read())
        self.make_expired()
        sh(["openssl", "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:ffdhe2048", "-out", self.path("ffdhe2048.pem")])
        sh(["openssl", "dhparam", "-dsaparam", "-out", self.path("custom-dh2048.pem"), "2048"])
        for f in os.listdir(d):
            os.chmod(self.path(f), 0o644)  # Exim reads them after dropping to its own user

    def make_expired(self):
        ca_dir = self.path("ca-db")
        os.makedirs(os.path.join(ca_dir, "new"), exist_ok=True)
        open(os.path.join(ca_dir, "index.txt"), "w").close()
        self.write("ca-db/serial", "50\n")
        self.write("ca.cnf", "[ca]\ndefault_ca=d\n[d]\ndatabase=%s/index.txt\nnew_certs_dir=%s/new\nserial=%s/serial\n"
                             "default_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n" % (ca_dir, ca_dir, ca_dir))
        sh(["openssl", "ca", "-batch", "-notext", "-config", self.path("ca.cnf"), "-cert", self.path("inter.crt"),
            "-keyfile", self.path("inter.key"), "-in", self.path("rsa2048.csr"), "-out", self.cert("expired"),
            "-startdate", "20240101000000Z", "-enddate", "20250101000000Z", "-extfile", self.path("leaf.ext")])
        shutil.copy(self.key("rsa2048"), self.key("expired"))
        self.write("expired-chain.crt", open(self.cert("expired")).read() + open(self.path("inter.crt")).read())

    def path(self, name):
        return os.path.join(self.d, name)

    def write(self, name, text):
        with open(self.path(name), "w") as f:
            f.write(text)

    def cert(self, key):
        return self.path(key + ".crt")

    def chain(self, key):
        return self.path(key + "-chain.crt")

    def key(self, key):
        return self.path(key + ".key")


def says_cannot_negotiate(o):
    return o.category in ("tls", "config") and re.search(r"negotiates only TLS 1\.2 and TLS 1\.3", o.error) is not None


def names_offered(version):
    def ok(o):
        hint_texts = " ".join(h.get("explanation", "") for h in o.report.get("hints", []))
        return ((o.report.get("tls") or {}).get("server_versions") == [version] and
                "offers " + version in o.error and "offers " + version in hint_texts)
    return ok


LEGACY = "mbedTLS implements TLS 1.2 and 1.3 only; Debian's OpenSSL clients still negotiate TLS 1.0/1.1"


def openssl_configs(pki):
    tls12, tls13 = ["-tls1_2"], ["-tls1_3"]
    pss = ["-sigalgs", "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512"]
    pkcs1 = ["-sigalgs", "RSA+SHA256:RSA+SHA384:RSA+SHA512"]
    c = lambda name, describe, args, key="rsa2048", mode="implicit", **kw: Config(
        name, "openssl", mode, describe, args, key, **kw)
    return [
        c("openssl-rsa2048", "RSA 2048, TLS 1.2 and 1.3", []),
        c("openssl-rsa2048-tls12", "RSA 2048, TLS 1.2 only", tls12),
        c("openssl-rsa2048-tls13", "RSA 2048, TLS 1.3 only", tls13),
        c("openssl-rsa4096", "RSA 4096, TLS 1.2 and 1.3", [], "rsa4096"),
        c("openssl-rsa4096-tls12", "RSA 4096, TLS 1.2 only", tls12, "rsa4096"),
        c("openssl-ecdsa-p256", "ECDSA P-256, TLS 1.2 and 1.3", [], "ecdsa-p256"),
        c("openssl-ecdsa-p256-tls12", "ECDSA P-256, TLS 1.2 only", tls12, "ecdsa-p256"),
        c("openssl-ecdsa-p384", "ECDSA P-384, TLS 1.2 and 1.3", [], "ecdsa-p384"),
        c("openssl-ecdsa-p384-tls12", "ECDSA P-384, TLS 1.2 only", tls12, "ecdsa-p384"),
        c("openssl-rsa2048-tls12-pss", "TLS 1.2, RSA-PSS signatures only (the mbedTLS 3.6.6 regression)", tls12 + pss),
        c("openssl-rsa2048-tls12-pkcs1", "TLS 1.2, PKCS#1 v1.5 signatures only", tls12 + pkcs1),
        c("openssl-rsa2048-tls13-pss", "TLS 1.3, RSA-PSS signatures only", tls13 + pss),
        c("openssl-rsa2048-tls12-ecdhe", "TLS 1.2, ECDHE key exchange only", tls12 + ["-cipher", "ECDHE+AESGCM"]),
        c("openssl-rsa2048-tls12-dhe-ffdhe2048", "TLS 1.2, DHE only, ffdhe2048 group",
          tls12 + ["-cipher", "DHE+AESGCM", "-dhparam", pki.path("ffdhe2048.pem")]),
        c("openssl-rsa2048-tls12-dhe-custom", "TLS 1.2, DHE only, a custom 2048-bit group",
          tls12 + ["-cipher", "DHE+AESGCM", "-dhparam", pki.path("custom-dh2048.pem")]),
        c("openssl-rsa2048-tls12-cbc", "TLS 1.2, AES-CBC ciphers only",
          tls12 + ["-cipher", "ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA"]),
        c("openssl-rsa2048-tls12-chacha20", "TLS 1.2, ChaCha20-Poly1305 only", tls12 + ["-cipher", "ECDHE-RSA-CHACHA20-POLY1305"]),
        c("openssl-tls13-chacha20", "TLS 1.3, ChaCha20-Poly1305 only", tls13 + ["-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"]),
        c("openssl-tls13-aes128", "TLS 1.3, AES-128-GCM only", tls13 + ["-ciphersuites", "TLS_AES_128_GCM_SHA256"]),
        c("openssl-tls13-group-p384", "TLS 1.3, key share P-384 only (HelloRetryRequest)", tls13 + ["-groups", "P-384"]),
        c("openssl-tls13-group-ffdhe2048", "TLS 1.3, key share ffdhe2048 only", tls13 + ["-groups", "ffdhe2048"]),
        c("openssl-tls12-group-p521", "TLS 1.2, ECDHE on P-521 only", tls12 + ["-groups", "P-521"], "ecdsa-p256"),
        c("openssl-rsa2048-small-records", "records of at most 512 bytes", ["-max_send_frag", "512"]),
        c("openssl-ecdsa-p256-no-intermediate", "ECDSA P-256 leaf sent without its intermediate", ["no-chain"], "ecdsa-p256",
          expect=("certificate", "cert-untrusted")),
        c("openssl-expired", "expired certificate", [], "expired", expect=("certificate", "cert-expired")),
        c("openssl-tls10-only", "TLS 1.0 only (legacy)", ["-tls1", "-cipher", "AES128-SHA:@SECLEVEL=0"],
          expect=("tls", "tls-no-common-version"), legacy=LEGACY,
          extra=[("(defaults)", [], names_offered("TLS 1.0"), "the message, hint and tls.server_versions name TLS 1.0"),
                 ("--tls-versions tls1.0", ["--tls-versions", "tls1.0"], says_cannot_negotiate,
                  "allowed explicitly, check says this build cannot negotiate TLS 1.0")]),
        c("openssl-tls11-only", "TLS 1.1 only (legacy)", ["-tls1_1", "-cipher", "AES128-SHA:@SECLEVEL=0"],
          expect=("tls", "tls-no-common-version"), legacy=LEGACY,
          extra=[("(defaults)", [], names_offered("TLS 1.1"), "the message, hint and tls.server_versions name TLS 1.1")]),
        c("openssl-rsa2048-tls12-starttls", "RSA 2048, TLS 1.2 only, STARTTLS", tls12, mode="starttls"),
        c("openssl-rsa2048-tls12-pss-starttls", "TLS 1.2, RSA-PSS only, STARTTLS", tls12 + pss, mode="starttls"),
        c("openssl-ecdsa-p256-tls13-starttls", "ECDSA P-256, TLS 1.3, STARTTLS", tls13, "ecdsa-p256", mode="starttls"),
        c("openssl-rsa4096-tls12-dhe-starttls", "RSA 4096, TLS 1.2 DHE ffdhe2048, STARTTLS",
          tls12 + ["-cipher", "DHE+AESGCM", "-dhparam", pki.path("ffdhe2048.pem")], "rsa4096", mode="starttls"),
    ]


def gnutls_configs():
    tls12 = "NORMAL:-VERS-ALL:+VERS-TLS1.2"
    tls13 = "NORMAL:-VERS-ALL:+VERS-TLS1.3"
    return [Config("gnutls-serv-%s-%s" % (key, v), "gnutls", "implicit", "gnutls-serv, %s, TLS %s only" % (key, v[3:]),
                   ["--priority", prio], key, smtp=False)
            for key in ("rsa2048", "ecdsa-p256") for v, prio in (("tls1.2", tls12), ("tls1.3", tls13))]


def exim_configs():
    tls12 = "NORMAL:-VERS-ALL:+VERS-TLS1.2"
    out = []
    for key in ("rsa2048", "ecdsa-p384"):
        for mode in ("starttls", "implicit"):
            for label, prio in (("tls12", tls12), ("default", "NORMAL")):
                describe = "Exim (GnuTLS), %s, %s, %s" % (key, mode, "TLS 1.2 only" if label == "tls12" else "defaults")
                out.append(Config("exim-%s-%s-%s" % (key, mode, label), "exim", mode, describe, [prio], key))
    return out


def postfix_configs(env):
    if not env:
        return []
    p = lambda k: int(env[k])
    tls12_rsa = Config("postfix-rsa2048-tls12-starttls", "postfix", "starttls",
                       "Postfix, RSA 2048, TLS 1.2 only, STARTTLS (the reported case)", port=p("MAILSTACK_TLS12_RSA_PORT"))
    tls12_rsa.extra = [
        ("--find-settings", ["--find-settings", "--find-ports", str(tls12_rsa.port)], finds_tls12(tls12_rsa.port),
         "find-settings reports STARTTLS with TLS 1.2 on the port"),
        ("--probe-tls", ["--probe-tls"], probes_only_tls12, "probe-tls: TLS 1.2 offered, TLS 1.3 not"),
    ]
    return [
        tls12_rsa,
        Config("postfix-rsa2048-tls12-implicit", "postfix", "implicit", "Postfix, RSA 2048, TLS 1.2 only, implicit TLS",
               port=p("MAILSTACK_IMPLICIT_TLS12_RSA_PORT")),
        Config("postfix-rsa2048-starttls", "postfix", "starttls", "Postfix, RSA 2048, defaults, STARTTLS",
               port=p("MAILSTACK_RSA_PORT")),
        Config("postfix-ecdsa-p256-tls12-starttls", "postfix", "starttls", "Postfix, ECDSA P-256, TLS 1.2 only, STARTTLS",
               port=p("MAILSTACK_TLS12_PORT")),
        Config("postfix-ecdsa-p256-tls13-starttls", "postfix", "starttls", "Postfix, ECDSA P-256, TLS 1.3 only, STARTTLS",
               port=p("MAILSTACK_TLS13_PORT")),
        Config("postfix-ecdsa-p256-implicit", "postfix", "implicit", "Postfix, ECDSA P-256, defaults, implicit TLS",
               port=p("MAILSTACK_IMPLICIT_PORT")),
    ]


def finds_tls12(port):
    def ok(o):
        rows = o.report.get("find_settings") or []
        return any(r.get("port") == port and r.get("mode") == "starttls" and r.get("tls_version") == "TLSv1.2"
                   for r in rows)
    return ok


def probes_only_tls12(o):
    probe = o.report.get("tls_probe") or {}
    return (probe.get("tls1.2") or {}).get("offered") is True and (probe.get("tls1.3") or {}).get("offered") is False


def start(config, pki, exim):
    if config.stack == "postfix":
        return None
    if config.stack == "openssl":
        args = list(config.server_args)
        chain = ["-cert_chain", pki.path("inter.crt")]
        if "no-chain" in args:
            args.remove("no-chain")
            chain = []
        server = servers.OpenSslServer(config.mode, ["-cert", pki.cert(config.key), "-key", pki.key(config.key)] + chain + args)
    elif config.stack == "gnutls":
        server = servers.GnuTlsServer(["--x509certfile", pki.chain(config.key), "--x509keyfile", pki.key(config.key)]
                                      + config.server_args)
    else:
        config.port = exim.ports[exim_index[config.name]]
        return None
    config.port = server.port
    return server


exim_index = {}


def start_exim(configs, pki, workdir, binary):
    listeners = []
    for c in configs:
        exim_index[c.name] = len(listeners)
        listeners.append((c.mode, pki.chain(c.key), pki.key(c.key), c.server_args[0]))
    return servers.EximServer(workdir, binary, listeners) if listeners else None


def judge(config, results, extras):
    """The assertions; returns a list of problems (empty: the row passes)."""
    problems = []
    check = results["check"]
    refs = {k: v for k, v in results.items() if k != "check"}
    ref_handshake = [k for k, o in refs.items() if o.handshake]
    if check.category in ("hang", "no-report"):
        problems.append("check: " + check.error)
    if ref_handshake and not check.handshake and not config.legacy:
        problems.append("%s completed the TLS handshake, check did not (%s)" % (", ".join(ref_handshake), check.error))
    if check.handshake and refs["openssl"].handshake and check.version != refs["openssl"].version:
        problems.append("check negotiated %s, openssl %s" % (check.version, refs["openssl"].version))
    if config.smtp:
        ref_ok = [k for k, o in refs.items() if o.dialogue_ok]
        if ref_ok and not check.dialogue_ok and not config.legacy:
            problems.append("%s completed the dialogue, check did not (%s)" % (", ".join(ref_ok), check.error))
    if not check.dialogue_ok and config.smtp:
        failure = check.report.get("failure") or {}
        if not failure.get("message"):
            problems.append("check failed without a message")
        if not check.hints:
            problems.append("check failed (%s) without a hint" % check.error)
    if config.expect:
        category, hint = config.expect
        if check.category != category:
            problems.append("expected category %s, got %s" % (category, check.category or "none"))
        if hint not in check.hints:
            problems.append("expected hint %s, got %s" % (hint, check.hints))
        if ref_handshake and not config.legacy:
            problems.append("expected every client to fail, but %s completed the handshake" % ", ".join(ref_handshake))
    for label, outcome, ok, what in extras:
        if not ok:
            problems.append("check %s: %s is not so (%s)" % (label, what, outcome.error or "no error"))
    return problems


def run_config(config, binary, timeout):
    results = {}
    for name, client in clients.REFERENCES.items():
        results[name] = client(config.port, config.mode, config.ca, timeout)
    results["check"] = clients.check(binary, config.port, config.mode, config.ca, timeout)
    extras = []
    for label, args, predicate, what in config.extra:
        o = clients.check(binary, config.port, config.mode, config.ca, timeout, args)
        extras.append((label, o, predicate(o), what))
    return results, extras


def cell(o):
    return o.cell().replace("|", "\\|")


def write_report(path, rows, seconds, mbedtls):
    clients_order = ["openssl", "curl", "swaks", "gnutls-cli", "check"]
    lines = [
        "# Interop matrix", "",
        "Generated by `tests/interop/matrix.py` (run by the test suite; `bash tests/interop/run.sh --update-docs`",
        "rewrites this file). Every server is real and local; every client uses its default settings and",
        "verifies the certificate against the matrix's own CA. A cell shows the negotiated version and cipher, or",
        "why the client failed (✗). Names of ciphers are each client's own (OpenSSL's or mbedTLS's).", "",
        "Reference clients: %s (curl and swaks use it too) and %s, which closes after the handshake."
        " Workbench: mbedTLS %s." % (
            subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip(),
            subprocess.run(["gnutls-cli", "--version"], capture_output=True, text=True).stdout.splitlines()[0].strip(),
            mbedtls), "",
        "| configuration | server | mode | %s | verdict |" % " | ".join(clients_order),
        "| --- | --- | --- | %s | --- |" % " | ".join("---" for _ in clients_order),
    ]
    for config, results, problems in rows:
        verdict = "✗ " + "; ".join(problems) if problems else "ok"
        if not problems and config.expect:
            verdict = ("ok: check fails as expected (%s, hint `%s`)" % config.expect +
                       (" — known difference: " + config.legacy if config.legacy else "; every client fails"))
        lines.append("| %s | %s | %s | %s | %s |" % (config.name, config.describe, config.mode,
                                                    " | ".join(cell(results[c]) for c in clients_order),
                                                    verdict.replace("|", "\\|")))
    failed = sum(1 for r in rows if r[2])
    lines += ["", "%d configurations, %d passed, %d failed, in %.0f s." % (len(rows), len(rows) - failed, failed, seconds), ""]
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines))
    os.replace(tmp, path)


def read_env(path):
    env = {}
    if path:
        with open(path) as f:
            for line in f:
                if "=" in line and not line.startswith("#"):
                    k, v = line.strip().split("=", 1)
                    env[k] = v
    return env


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--mailstack-env")
    ap.add_argument("--exim", required=True, help="the exim binary (unpacked by scripts/setup-deps.sh)")
    ap.add_argument("--report", required=True)
    ap.add_argument("--mbedtls-version", default="?")
    ap.add_argument("--only", help="regular expression: run only the matching configurations")
    args = ap.parse_args()

    started = time.monotonic()
    shutil.rmtree(args.workdir, ignore_errors=True)
    pki = Pki(os.path.join(args.workdir, "pki"))
    env = read_env(args.mailstack_env)
    configs = openssl_configs(pki) + gnutls_configs() + exim_configs() + postfix_configs(env)
    if args.only:
        configs = [c for c in configs if re.search(args.only, c.name)]
    for c in configs:
        c.ca = env["MAILSTACK_CA_FILE"] if c.stack == "postfix" else pki.ca
    exim = None
    rows = []
    try:
        exim = start_exim([c for c in configs if c.stack == "exim"], pki, args.workdir, args.exim)
        for config in configs:
            server = start(config, pki, exim)
            try:
                timeout = TIMEOUT if config.smtp else ECHO_TIMEOUT
                results, extras = run_config(config, args.binary, timeout)
            finally:
                if server:
                    server.close()
            problems = judge(config, results, extras)
            rows.append((config, results, problems))
            print("%-42s %s" % (config.name, "ok" if not problems else "FAILED: " + "; ".join(problems)), flush=True)
            for name, o in results.items():
                print("    %-8s %s" % (name, o.cell()), flush=True)
    finally:
        if exim:
            exim.close()
    write_report(args.report, rows, time.monotonic() - started, args.mbedtls_version)
    failed = sum(1 for r in rows if r[2])
    print("interop: %d passed, %d failed" % (len(rows) - failed, failed))
    return 1 if failed or not rows else 0


if __name__ == "__main__":
    sys.exit(main())
