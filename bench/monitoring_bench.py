"""The monitoring figures of BENCHMARKS.md (bench.py calls measure() and report_lines()).

- Probe duration, same listener, interleaved: `smtp-workbench exporter` (/probe over HTTP) and
  `blackbox_exporter` with its documented smtp_starttls module, both the same dialogue (EHLO, STARTTLS,
  EHLO, QUIT); `check_smtp -S` (Debian's monitoring-plugins); and with AUTH: the exporter, `check_smtp -S
  -A LOGIN` and `check --nagios`. An HTTP probe's time is the scrape's, request to last byte; a plugin's
  is its process, spawn to exit. CPU: the plugins' own (wait4), the exporters' from /proc/PID/stat over
  all their runs.
- N probes in flight at once against the same Postfix: all answered right, the exporter's peak
  resident memory, its thread count (sampled every 2 ms), and its CPU per probe against a probe run
  alone.
The exporter and blackbox_exporter are started here on free loopback ports and stopped by PID.
"""
import asyncio
import contextlib
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import threading
import time
import urllib.parse

PLUGIN = "/usr/lib/nagios/plugins/check_smtp"
BLACKBOX = "prometheus-blackbox-exporter"
MAX_CONCURRENT = 64


class MonitoringError(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def proc_status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


# ---- HTTP, as Prometheus scrapes -----------------------------------------------------------------

def http_get(port, path, timeout=60.0):
    """One scrape: (status, body, seconds from connect to the last byte)."""
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    seconds = time.perf_counter() - start
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    return status, body.decode("utf-8", "replace"), seconds


def probe_ok(status, body):
    return status == 200 and any(line.strip() == "probe_success 1" for line in body.splitlines())


# ---- the parts under test ------------------------------------------------------------------------

@contextlib.contextmanager
def started(argv, log_path, ready_port):
    with open(log_path, "w") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if http_get(ready_port, "/metrics", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                with open(log_path) as f:
                    raise MonitoringError(f"{argv[0]} did not start: {f.read()[-400:]}")
            time.sleep(0.05)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def write_modules(binary, facts, port, config_dir, env):
    """Two connections saved by `check --save-profile`: with AUTH PLAIN, and anonymous (no AUTH)."""
    os.makedirs(os.path.join(config_dir, "connections"), mode=0o700)
    common = [binary, "check", "--host", "localhost", "--port", str(port), "--security", "starttls",
              "--ca-file", facts["MAILSTACK_CA_FILE"], "--timeout", "30", "--stop-after", "connect", "--quiet"]
    for name, extra in (("auth", ["--user", facts["MAILSTACK_USER"], "--password-env", "BENCH_PW", "--sasl", "PLAIN"]),
                        ("anonymous", ["--anonymous"])):
        out = os.path.join(config_dir, "connections", name + ".json")
        subprocess.run(common + extra + ["--name", name, "--save-profile", out], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    secrets = os.path.join(config_dir, "secrets.json")
    fd = os.open(secrets, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"auth": facts["MAILSTACK_PASSWORD"]}, f)
    return secrets


def write_blackbox_config(facts, path):
    with open(path, "w") as f:
        f.write(f"""modules:
  smtp_starttls:
    prober: tcp
    timeout: 5s
    tcp:
      preferred_ip_protocol: ip4
      query_response:
        - expect: "^220 ([^ ]+) ESMTP (.+)$"
        - send: "EHLO prober\\r"
        - expect: "^250-STARTTLS"
        - send: "STARTTLS\\r"
        - expect: "^220"
        - starttls: true
        - send: "EHLO prober\\r"
        - expect: "^250-AUTH"
        - send: "QUIT\\r"
      tls_config:
        ca_file: {facts["MAILSTACK_CA_FILE"]}
""")


# ---- measurements --------------------------------------------------------------------------------

def summary(values):
    v = sorted(values)
    return {"median": statistics.median(v), "mean": statistics.mean(v), "min": v[0], "max": v[-1], "n": len(v)}


def measure_durations(kinds, runs):
    """kinds: name -> callable returning (seconds, cpu seconds or None). Interleaved, rotating order."""
    names = list(kinds)
    for name in names:  # warm-up
        kinds[name]()
    wall = {n: [] for n in names}
    cpu = {n: [] for n in names}
    for i in range(runs):
        for name in names[i % len(names):] + names[:i % len(names)]:
            w, c = kinds[name]()
            wall[name].append(w)
            if c is not None:
                cpu[name].append(c)
    return {n: {"wall": summary(wall[n]), "cpu": summary(cpu[n]) if cpu[n] else None} for n in names}


def scrape(port, path, pid):
    """One scrape and the server process's CPU meanwhile (10 ms ticks: read as an average over many)."""
    before = proc_cpu_seconds(pid)
    status, body, seconds = http_get(port, path)
    if not probe_ok(status, body):
        raise MonitoringError(f"probe {path} on port {port} failed ({status}): {body[-400:]}")
    return seconds, proc_cpu_seconds(pid) - before


def plugin(argv, env, ok_prefix):
    start = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, env, file_actions=[(os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0)])
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        out = subprocess.run(argv, env=env, capture_output=True, text=True)
        if not out.stdout.startswith(ok_prefix):
            raise MonitoringError(f"{argv[0]} failed: {out.stdout[-300:]} {out.stderr[-300:]}")
    return seconds, usage.ru_utime + usage.ru_stime


async def burst(port, path, count):
    """count scrapes connected and sent together; (answers right, seconds to the last answer)."""
    async def one():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        data = await reader.read()
        writer.close()
        head, _, body = data.partition(b"\r\n\r\n")
        return probe_ok(int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0, body.decode("utf-8", "replace"))
    start = time.perf_counter()
    results = await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)
    return sum(1 for r in results if r is True), time.perf_counter() - start


def measure_in_flight(port, path, pid, count):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, count + 256)), hard))
    idle_threads = proc_status(pid, "Threads")
    peak = {"threads": idle_threads}
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak["threads"] = max(peak["threads"], proc_status(pid, "Threads"))
            time.sleep(0.002)
    sampler = threading.Thread(target=sample)
    sampler.start()
    cpu_before = proc_cpu_seconds(pid)
    try:
        ok, seconds = asyncio.run(burst(port, path, count))
    finally:
        done.set()
        sampler.join()
    return {"count": count, "ok": ok, "seconds": seconds, "cpu": proc_cpu_seconds(pid) - cpu_before,
            "idle_threads": idle_threads, "peak_threads": peak["threads"], "peak_rss_kib": proc_status(pid, "VmHWM")}


def measure(facts, binary, scratch, runs, in_flight, env):
    for tool in (PLUGIN, shutil.which(BLACKBOX)):
        if not tool or not os.access(tool, os.X_OK):
            raise MonitoringError(f"{tool or BLACKBOX} is missing (bash scripts/setup-deps.sh)")
    port = int(facts["MAILSTACK_TLS13_PORT"])
    work = os.path.join(scratch, "monitoring")
    os.makedirs(work)
    secrets = write_modules(binary, facts, port, os.path.join(work, "config"), env)
    write_blackbox_config(facts, os.path.join(work, "blackbox.yml"))
    exporter_port, blackbox_port = free_port(), free_port()
    exporter_argv = [binary, "exporter", "--listen", f"127.0.0.1:{exporter_port}", "--config-dir",
                     os.path.join(work, "config"), "--secrets-file", secrets, "--max-concurrent", str(MAX_CONCURRENT)]
    blackbox_argv = [BLACKBOX, f"--config.file={work}/blackbox.yml", f"--web.listen-address=127.0.0.1:{blackbox_port}",
                     "--log.level=warn"]
    target = urllib.parse.quote(f"localhost:{port}")
    plugin_env = dict(env)
    with started(exporter_argv, os.path.join(work, "exporter.log"), exporter_port) as exporter, \
         started(blackbox_argv, os.path.join(work, "blackbox.log"), blackbox_port) as blackbox:
        user, password = facts["MAILSTACK_USER"], facts["MAILSTACK_PASSWORD"]
        kinds = {
            "exporter": lambda: scrape(exporter_port, f"/probe?module=anonymous&target={target}", exporter.pid),
            "blackbox_exporter": lambda: scrape(blackbox_port, f"/probe?module=smtp_starttls&target={target}", blackbox.pid),
            "check_smtp": lambda: plugin([PLUGIN, "-H", "localhost", "-p", str(port), "-S"], plugin_env, "SMTP OK"),
            "exporter, AUTH PLAIN": lambda: scrape(exporter_port, f"/probe?module=auth&target={target}", exporter.pid),
            "check_smtp, AUTH LOGIN": lambda: plugin([PLUGIN, "-H", "localhost", "-p", str(port), "-S", "-A", "LOGIN",
                                                      "-U", user, "-P", password], plugin_env, "SMTP OK"),
            "check --nagios, AUTH PLAIN": lambda: plugin(
                [binary, "check", "--nagios", "--host", "localhost", "--port", str(port), "--ca-file",
                 facts["MAILSTACK_CA_FILE"], "--user", user, "--password-env", "BENCH_PW", "--sasl", "PLAIN"],
                plugin_env, "SMTP OK"),
        }
        durations = measure_durations(kinds, runs)
        single = summary([scrape(exporter_port, f"/probe?module=auth&target={target}", exporter.pid)[1] for _ in range(runs)])
        flight = measure_in_flight(exporter_port, f"/probe?module=auth&target={target}", exporter.pid, in_flight)
    shown = {
        "exporter": f"smtp-workbench exporter --listen 127.0.0.1:PORT --config-dir DIR --secrets-file DIR/secrets.json "
                    f"--max-concurrent {MAX_CONCURRENT}; GET /probe?module=anonymous|auth&target=localhost:$MAILSTACK_TLS13_PORT",
        "blackbox": f"{BLACKBOX} --config.file=blackbox.yml (smtp_starttls, preferred_ip_protocol ip4, ca_file the test CA); "
                    f"GET /probe?module=smtp_starttls&target=localhost:$MAILSTACK_TLS13_PORT",
        "check_smtp": f"{PLUGIN} -H localhost -p $MAILSTACK_TLS13_PORT -S [-A LOGIN -U $MAILSTACK_USER -P $MAILSTACK_PASSWORD]",
        "nagios": "BENCH_PW=$MAILSTACK_PASSWORD build/app/smtp-workbench check --nagios --host localhost --port "
                  "$MAILSTACK_TLS13_PORT --ca-file $MAILSTACK_CA_FILE --user $MAILSTACK_USER --password-env BENCH_PW --sasl PLAIN",
    }
    return {"durations": durations, "single_cpu": single, "flight": flight, "runs": runs, "shown": shown}


def report_lines(m):
    L = []
    w = L.append
    d = m["durations"]
    ms = lambda s: f"{s * 1000:.1f}"
    w("## Monitoring: probe durations and probes in flight")
    w("")
    w(f"The same Postfix listener (TLS 1.3, STARTTLS) for all. {m['runs']} runs of each, interleaved (rotating order), "
      "after one warm-up each. An exporter's time is the scrape's (HTTP request to its last byte, as Prometheus waits "
      "for it), a plugin's its process (spawn to exit). The first three do the same dialogue: EHLO, STARTTLS, EHLO, "
      "QUIT (blackbox_exporter's documented smtp_starttls module; the exporter's module is an anonymous connection; "
      "check_smtp -S). The exporter and `check --nagios` verify the certificate; check_smtp does not.")
    w("")
    w("| prober | median ms | min–max ms | CPU per probe, ms |")
    w("| --- | ---: | --- | ---: |")
    for name, r in d.items():
        if name.startswith("check"):  # a process of its own: wait4's user + sys, microseconds
            cpu = f"{r['cpu']['median'] * 1000:.1f}"
        else:  # a server's /proc/PID/stat in 10 ms ticks: the mean over the runs
            cpu = f"{r['cpu']['mean'] * 1000:.1f} (mean)"
        w(f"| {name} | {ms(r['wall']['median'])} | {ms(r['wall']['min'])}–{ms(r['wall']['max'])} | {cpu} |")
    w("")
    w("blackbox_exporter's runs mostly take about 45 ms and a few about 4 ms: the difference is the 40 ms delayed-ACK "
      "wait after the TLS 1.3 handshake described under Notes, which the workbench avoids with TCP_QUICKACK.")
    w("")
    ratio = lambda a, b: f"{d[a]['wall']['median'] / d[b]['wall']['median']:.2f}"
    w(f"Ratios of the medians: exporter / blackbox_exporter {ratio('exporter', 'blackbox_exporter')}; "
      f"exporter / check_smtp {ratio('exporter', 'check_smtp')}; with AUTH, exporter / check_smtp "
      f"{ratio('exporter, AUTH PLAIN', 'check_smtp, AUTH LOGIN')} and check --nagios / check_smtp "
      f"{ratio('check --nagios, AUTH PLAIN', 'check_smtp, AUTH LOGIN')}.")
    w("")
    f = m["flight"]
    single = m["single_cpu"]["mean"]
    per = f["cpu"] / f["count"]
    # CPU comes from /proc in clock ticks (10 ms): a few short runs alone can all read 0.
    cpu_ratio = f"ratio {per / single:.2f}" if single > 0 else "no ratio: one probe's CPU is below the clock tick in these runs"
    w(f"**{f['count']} probes in flight at once** (the AUTH PLAIN module; {f['count']} HTTP connections opened and sent "
      f"together, `--max-concurrent {MAX_CONCURRENT}`; bench/run.sh raises the benchmark Postfix's process limit to 250):")
    w("")
    w("| figure | value |")
    w("| --- | ---: |")
    w(f"| answered with probe_success 1 | {f['ok']} of {f['count']} |")
    w(f"| until the last answer | {f['seconds'] * 1000:.0f} ms |")
    w(f"| exporter's peak resident memory (VmHWM) | {f['peak_rss_kib'] / 1024:.1f} MiB |")
    w(f"| exporter's OS threads: idle / peak (sampled every 2 ms) | {f['idle_threads']} / {f['peak_threads']} |")
    w(f"| exporter's CPU per probe in the burst / for one probe at a time (mean of {m['runs']}) | "
      f"{per * 1000:.2f} ms / {single * 1000:.2f} ms ({cpu_ratio}) |")
    w("")
    w("The thread count is bounded by `--max-concurrent`, not by the scrapes: one thread serves every HTTP connection "
      "with poll(), each of the workers runs one test (its session thread and a short-lived resolver thread beside it), "
      "and the other scrapes wait in the queue as open connections.")
    w("")
    return L, [m["shown"][k] for k in ("exporter", "blackbox", "check_smtp", "nagios")]
