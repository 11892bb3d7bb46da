#!/usr/bin/env python3
"""Measures smtp-workbench beside swaks and curl and writes the results table (BENCHMARKS.md).

Run it through bench/run.sh, which builds, starts the mail stack and stops it again. Every figure in
one output comes from the same run. Clients are spawned directly (posix_spawn) and reaped with wait4,
so their CPU time (user + sys, microsecond resolution) is the child's own, not the harness's.
"""
import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import find_settings_bench
import monitoring_bench

HERE = os.path.dirname(os.path.abspath(__file__))
RECIPIENT = "bench@example.test"


class BenchError(Exception):
    pass


# ---- running one client --------------------------------------------------------------------------

def run_timed(argv, env, scratch):
    """Runs argv once; returns (wall seconds, CPU seconds of the child). Raises BenchError on failure."""
    err_path = os.path.join(scratch, "stderr.txt")
    actions = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
               (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
               (os.POSIX_SPAWN_OPEN, 2, err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)]
    start = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, env, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        with open(err_path, errors="replace") as f:
            tail = f.read()[-600:]
        raise BenchError(f"{argv[0]} exited with {code}: {tail.strip()}")
    return wall, usage.ru_utime + usage.ru_stime


class Clients:
    """The command lines of the three clients for one dialogue, against a given port."""

    def __init__(self, facts, binary, scratch):
        self.f = facts
        self.binary = binary
        self.message = os.path.join(scratch, "message.eml")
        with open(self.message, "w") as out:
            out.write(f"From: {facts['MAILSTACK_USER']}\r\nTo: {RECIPIENT}\r\nSubject: bench\r\n\r\n"
                      "A small test message from the benchmark.\r\n")

    def full(self, port):
        f = self.f
        return {
            "check": [self.binary, "check", "--host", "localhost", "--port", str(port), "--security", "starttls",
                      "--ca-file", f["MAILSTACK_CA_FILE"], "--user", f["MAILSTACK_USER"], "--password-env", "BENCH_PW",
                      # AUTH PLAIN like the other two (by default check picks the strongest common mechanism).
                      "--sasl", "PLAIN", "--from", f["MAILSTACK_USER"], "--to", RECIPIENT, "--color", "never"],
            "swaks": ["swaks", "--server", "localhost", "--port", str(port), "--tls", "--tls-verify",
                      "--tls-ca-path", f["MAILSTACK_CA_FILE"], "--auth", "PLAIN", "--auth-user", f["MAILSTACK_USER"],
                      "--auth-password", f["MAILSTACK_PASSWORD"], "--from", f["MAILSTACK_USER"], "--to", RECIPIENT],
            # --sasl-ir: AUTH PLAIN with the initial response, the same dialogue as the other two.
            "curl": ["curl", "-sS", "--ssl-reqd", "--cacert", f["MAILSTACK_CA_FILE"],
                     "--user", f"{f['MAILSTACK_USER']}:{f['MAILSTACK_PASSWORD']}", "--login-options", "AUTH=PLAIN",
                     "--sasl-ir", "--mail-from", f["MAILSTACK_USER"], "--mail-rcpt", RECIPIENT,
                     "--upload-file", self.message, f"smtp://localhost:{port}"],
        }

    def auth_only(self, port):
        full = self.full(port)
        check = list(full["check"])
        cut = check.index("--from")
        check = check[:cut] + check[cut + 4:] + ["--stop-after", "auth"]
        return {"check": check, "swaks": full["swaks"] + ["--quit-after", "AUTH"]}

    def shown(self, argv):
        """The command line as printed in the report: the password never appears."""
        text = " ".join(shlex.quote(a) for a in argv)
        text = text.replace(self.f["MAILSTACK_PASSWORD"], "$MAILSTACK_PASSWORD")
        return text.replace(self.binary, "build/app/smtp-workbench")


# ---- statistics ------------------------------------------------------------------------------------

def summary(values):
    v = sorted(values)
    q = statistics.quantiles(v, n=4) if len(v) >= 2 else [v[0]] * 3
    return {"median": statistics.median(v), "min": v[0], "max": v[-1], "p25": q[0], "p75": q[2], "n": len(v)}


def ms(seconds):
    return f"{seconds * 1000:.1f}"


def spread(s):
    return f"{ms(s['p25'])}–{ms(s['p75'])} (min {ms(s['min'])}, max {ms(s['max'])})"


# ---- the parts ---------------------------------------------------------------------------------------

def measure_clients(commands, runs, env, scratch):
    """Interleaved runs: each round runs every client once, in a rotating order."""
    names = list(commands)
    for name in names:  # warm-up, not counted: page cache, server processes
        run_timed(commands[name], env, scratch)
    wall = {n: [] for n in names}
    cpu = {n: [] for n in names}
    for i in range(runs):
        order = names[i % len(names):] + names[:i % len(names)]
        for name in order:
            w, c = run_timed(commands[name], env, scratch)
            wall[name].append(w)
            cpu[name].append(c)
    return {n: {"wall": summary(wall[n]), "cpu": summary(cpu[n])} for n in names}


def start_relay(target_port, delay_ms, scratch):
    stats = os.path.join(scratch, "relay-stats.jsonl")
    open(stats, "w").close()
    relay = subprocess.Popen([sys.executable, os.path.join(HERE, "latency_relay.py"), "--target",
                              f"127.0.0.1:{target_port}", "--delay-ms", str(delay_ms), "--stats", stats],
                             stdout=subprocess.PIPE, text=True)
    line = relay.stdout.readline().strip()
    if not line.isdigit():
        relay.kill()
        raise BenchError("the latency relay did not start")
    return relay, int(line), stats


def relay_line(stats, count, timeout=10.0):
    """Waits for the relay's line about connection number `count` (1-based)."""
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        with open(stats) as f:
            lines = f.read().splitlines()
        if len(lines) >= count:
            return json.loads(lines[count - 1])
        time.sleep(0.02)
    raise BenchError("the latency relay reported no connection")


def measure_round_trips(clients, facts, delay_ms, runs, env, scratch):
    relay, port, stats = start_relay(facts["MAILSTACK_TLS13_PORT"], delay_ms, scratch)
    results = {}
    try:
        seen = 0
        commands = clients.full(port)
        for name, argv in commands.items():
            walls, flights, trailing, chunks = [], [], [], []
            for _ in range(runs):
                w, _ = run_timed(argv, env, scratch)
                seen += 1
                line = relay_line(stats, seen)
                walls.append(w)
                flights.append(line["flights"])
                trailing.append(line["trailing"])
                chunks.append(line["client_chunks"])
            results[name] = {"wall": summary(walls), "flights": max(set(flights), key=flights.count),
                             "flights_seen": sorted(set(flights)), "trailing": max(trailing),
                             "chunks": statistics.median(chunks)}
    finally:
        relay.terminate()
        relay.wait()
    return results, commands


def key_values(text):
    out = {}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key:
            out[key] = value.strip()
    return out


def measure_gui(build, lines, frames, first_frame_runs, idle_seconds, scratch, sessions):
    bench = os.path.join(build, "bench", "gui_bench")
    app = os.path.join(build, "app", "smtp-workbench")
    if not shutil.which("xvfb-run"):
        return {"skipped": "xvfb-run is not installed"}
    if not os.path.exists(bench):
        return {"skipped": "gui_bench is not built (SMTPWB_BUILD_GUI=OFF)"}

    def under_xvfb(argv, timeout=300):
        p = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24"] + argv, capture_output=True, text=True,
                           timeout=timeout)
        if p.returncode != 0:
            raise BenchError(f"{' '.join(argv[:2])} under Xvfb failed ({p.returncode}): {p.stderr.strip()[-400:]}")
        return key_values(p.stdout)

    out = {"transcript": under_xvfb([bench, "transcript", str(lines), str(frames)])}
    firsts = [float(under_xvfb([bench, "first-frame"])["first_frame_ms"]) for _ in range(first_frame_runs)]
    out["first_frame_ms"] = statistics.median(firsts)
    # The window while `sessions` tests of the built-in demo server run at once (the GUI's own threads).
    out["load"] = under_xvfb([bench, "load", str(sessions)])
    out["first_frame_runs"] = first_frame_runs
    # The real window, idle: CPU ticks of the process over idle_seconds after a 2 s settle.
    config = tempfile.mkdtemp(prefix="idle-config-", dir=scratch)
    script = ('"$0" --config-dir "$1" >/dev/null 2>&1 & pid=$!; sleep 2; '
              'a=$(cut -d" " -f14,15 /proc/$pid/stat); sleep "$2"; b=$(cut -d" " -f14,15 /proc/$pid/stat); '
              'kill $pid; wait $pid 2>/dev/null; echo "before $a"; echo "after $b"; echo "hz $(getconf CLK_TCK)"')
    idle = under_xvfb(["bash", "-c", script, app, config, str(idle_seconds)])
    try:
        before = sum(int(x) for x in idle["before"].split())
        after = sum(int(x) for x in idle["after"].split())
    except (KeyError, ValueError):
        raise BenchError("the workbench window did not stay open for the idle measurement")
    out["idle_cpu_percent"] = 100.0 * (after - before) / int(idle["hz"]) / idle_seconds
    out["idle_ticks"] = after - before
    out["tick_ms"] = 1000.0 / int(idle["hz"])
    out["idle_seconds"] = idle_seconds
    return out


def measure_concurrency(build, env_file, sessions):
    tool = os.path.join(build, "bench", "concurrency_bench")
    p = subprocess.run([tool, env_file, str(sessions)], capture_output=True, text=True, timeout=600)
    values = key_values(p.stdout)
    if p.returncode != 0:
        raise BenchError(f"concurrency_bench failed ({p.returncode}): {values.get('first_failure', p.stderr.strip()[-400:])}")
    return values


# ---- the report -------------------------------------------------------------------------------------

def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"cpu": model, "cores": os.cpu_count(), "kernel": platform.release(),
            "load": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def ratio(a, b):
    return f"{a / b:.2f}" if b else "n/a"


def report(args, m, load_end, full, auth, trips, trip_commands, gui, conc, mon, clients, full_cmds, auth_cmds, seconds,
           find=None):
    L = []
    w = L.append
    w("# Benchmarks")
    w("")
    w(f"Generated by `{args.command}` (bench/run.sh; do not edit by hand). "
      f"{'SMOKE RUN: few samples, it checks the harness, not the speed. ' if args.smoke else ''}"
      f"All figures below come from this one run ({seconds:.0f} s).")
    w("")
    w(f"- Date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}")
    w(f"- Machine: {m['cpu']}, {m['cores']} cores, Linux {m['kernel']}")
    w(f"- Load average (1, 5, 15 min) at start: {m['load']}; at end: {load_end} "
      "(the machine may be shared: compare ratios, which are measured interleaved, rather than absolute times)")
    w(f"- Server: the test suite's Postfix + Dovecot SASL (tests/servers/mailstack.sh), TLS 1.3 STARTTLS listener, loopback")
    w("")
    w(f"## Full dialogue: connect, EHLO, STARTTLS, EHLO, AUTH PLAIN, MAIL, RCPT, DATA (small message), QUIT")
    w("")
    w(f"{args.runs} runs of each client, interleaved (rotating order), after one warm-up run each. Wall time is the "
      "whole process from spawn to exit; CPU is the child's user + sys time (wait4).")
    w("")
    w("| client | wall median ms | wall p25–p75 (min, max) | CPU median ms | CPU p25–p75 (min, max) |")
    w("| --- | ---: | --- | ---: | --- |")
    for name, r in full.items():
        w(f"| {name} | {ms(r['wall']['median'])} | {spread(r['wall'])} | {ms(r['cpu']['median'])} | {spread(r['cpu'])} |")
    w("")
    c, s, cu = full["check"], full["swaks"], full["curl"]
    w("| ratio | wall | CPU | target |")
    w("| --- | ---: | ---: | --- |")
    w(f"| check / swaks | {ratio(c['wall']['median'], s['wall']['median'])} | {ratio(c['cpu']['median'], s['cpu']['median'])} | wall ≤ 0.5 |")
    w(f"| check / curl | {ratio(c['wall']['median'], cu['wall']['median'])} | {ratio(c['cpu']['median'], cu['cpu']['median'])} | wall ≤ 1.0, CPU ≤ 0.5 |")
    w("")
    w("## Up to AUTH: `check --stop-after auth` and `swaks --quit-after AUTH`")
    w("")
    w("curl has no way to stop after AUTH, so it is not in this table.")
    w("")
    w("| client | wall median ms | wall p25–p75 (min, max) | CPU median ms | CPU p25–p75 (min, max) |")
    w("| --- | ---: | --- | ---: | --- |")
    for name, r in auth.items():
        w(f"| {name} | {ms(r['wall']['median'])} | {spread(r['wall'])} | {ms(r['cpu']['median'])} | {spread(r['cpu'])} |")
    w("")
    w(f"Ratio check / swaks: wall {ratio(auth['check']['wall']['median'], auth['swaks']['wall']['median'])}, "
      f"CPU {ratio(auth['check']['cpu']['median'], auth['swaks']['cpu']['median'])}.")
    w("")
    w(f"## Round trips: through a relay adding {args.delay_ms:g} ms in each direction")
    w("")
    w(f"bench/latency_relay.py sits between each client and Postfix (loopback). It delays every chunk by "
      f"{args.delay_ms:g} ms per direction without serializing them (a timestamped queue per direction), so one "
      f"round trip costs {2 * args.delay_ms:g} ms. A **client flight** is a burst of client→server chunks that the "
      "server answered: the client had to wait a round trip for it. Chunks that arrive before any new server data "
      "belong to the same burst. A last client burst that nothing answers (TLS close_notify, the FIN after QUIT) costs "
      "no waiting and is listed as trailing. SMTP is server-first, so every flight counts from the banner on. "
      f"{args.relay_runs} run(s) per client; the full dialogue as above.")
    w("")
    w("| client | flights after the banner | trailing | client chunks | wall median ms | target |")
    w("| --- | ---: | ---: | ---: | ---: | --- |")
    for name, r in trips.items():
        seen = "" if len(r["flights_seen"]) == 1 else f" (seen: {', '.join(map(str, r['flights_seen']))})"
        target = "7 (protocol minimum)" if name == "check" else ""
        w(f"| {name} | {r['flights']}{seen} | {r['trailing']} | {r['chunks']:g} | {ms(r['wall']['median'])} | {target} |")
    w("")
    w("The protocol minimum of 7: EHLO; STARTTLS; ClientHello; Finished with EHLO; AUTH PLAIN with the initial "
      "response (RFC 4954); MAIL, RCPT and DATA pipelined (RFC 2920); message, final dot and QUIT together. "
      "\"Client chunks\" counts the reads the relay made from the client, the trailing close_notify included. check "
      "holds its last handshake records (ChangeCipherSpec, Finished) until its first write after the handshake, so "
      "after STARTTLS they leave with the EHLO in one segment.")
    w("")
    w("## GUI")
    w("")
    if "skipped" in gui:
        w(f"Skipped: {gui['skipped']}.")
    else:
        t = gui["transcript"]
        w(f"Under Xvfb (software OpenGL). `gui_bench` draws the real workbench views in a GLFW window; frame CPU is the "
          "CPU time of building one frame (ImGui NewFrame to Render).")
        w("")
        w("| figure | value | target |")
        w("| --- | ---: | --- |")
        w(f"| frame CPU, {int(t['lines']):,}-line transcript, no filter: median / worst | {float(t['frame_cpu_unfiltered_median_ms']):.3f} / {float(t['frame_cpu_unfiltered_worst_ms']):.3f} ms | < 2 ms |")
        w(f"| frame CPU, same, filter \"AUTH\": median / worst | {float(t['frame_cpu_filtered_median_ms']):.3f} / {float(t['frame_cpu_filtered_worst_ms']):.3f} ms | < 2 ms |")
        w(f"| the one frame that applies a new filter to every line | {float(t['filter_rebuild_ms']):.1f} ms | |")
        w(f"| resident memory with {int(t['lines']):,} lines (of which the transcript) | {t['rss_mib']} MiB = {float(t['rss_mib']) * 1.048576:.1f} MB ({t['transcript_mib']} MiB) | < 150 MB |")
        w(f"| idle window (`smtp-workbench --config-dir TMP`), CPU over {gui['idle_seconds']:g} s after a 2 s settle | {gui['idle_cpu_percent']:.2f} % of one core ({gui['idle_ticks']} ticks of {gui['tick_ms']:g} ms) | < 1 % |")
        w(f"| time from process start to the first frame (median of {gui['first_frame_runs']}) | {gui['first_frame_ms']:.1f} ms | < 300 ms |")
        ld = gui["load"]
        w(f"| while {ld['load_sessions']} tests of the demo server run in the window: frame CPU median / worst | {float(ld['load_frame_cpu_median_ms']):.3f} / {float(ld['load_frame_cpu_worst_ms']):.3f} ms | |")
        w(f"| same, frame wall time median / worst (the session threads share the 2 cores) | {float(ld['load_frame_wall_median_ms']):.1f} / {float(ld['load_frame_wall_worst_ms']):.1f} ms | |")
        w(f"| same, until the last test finished | {float(ld['load_total_ms']):.0f} ms | |")
    w("")
    w(f"## Concurrency: {conc['sessions']} tests at once")
    w("")
    w(f"`concurrency_bench` runs {conc['sessions']} engine Sessions in one process (each on its own thread, as the GUI "
      "runs them), all started together, the full dialogue with a message against the same Postfix.")
    w("")
    one, all_ = float(conc["one_ms"]), float(conc["all_ms"])
    client, machine, cores = float(conc["client_cpu_ms"]), float(conc["machine_cpu_ms"]), int(conc["cores"])
    w("| figure | value | target |")
    w("| --- | ---: | --- |")
    w(f"| one test alone (after a warm-up) | {one:.1f} ms | |")
    w(f"| {conc['sessions']} tests at once, until the last finished | {all_:.1f} ms | |")
    w(f"| ratio | {all_ / one:.1f} × | ≤ 3 × |")
    w(f"| failed | {conc['failed']} | 0 |")
    w(f"| peak resident memory of the process | {conc['peak_rss_mib']} MiB | |")
    w(f"| CPU time of the client process during the {conc['sessions']} tests | {client:.0f} ms ({client / int(conc['sessions']):.1f} ms per test) | |")
    w(f"| CPU time of the whole machine meanwhile (client, Postfix, Dovecot, anything else) | {machine:.0f} ms = {machine / cores:.0f} ms on each of {cores} cores | |")
    w("")
    w("Client and server share this machine's cores. When the machine's CPU time divided by its cores is close to the "
      "wall time, the run was bound by CPU, most of it the server's: no client can finish the tests sooner than the "
      "machine can compute them. bench/run.sh raises the benchmark Postfix's process limit from 100 to 250 (and "
      "restarts it), because that limit is also its listen backlog: beyond it, connections wait for the kernel's 1 s "
      "SYN retransmission.")
    w("")
    mon_lines, mon_commands = monitoring_bench.report_lines(mon)
    L.extend(mon_lines)
    find_lines, find_commands = find_settings_bench.report_lines(find)
    L.extend(find_lines)
    w("## Notes")
    w("")
    w("- Against this Postfix with TLS 1.3, a client that does not acknowledge at once waits about 40 ms after the "
      "handshake: Postfix writes its session tickets and then the EHLO reply under Nagle's algorithm, and the second "
      "write waits for the client's delayed ACK. check sets TCP_QUICKACK after each read; swaks and curl do not, "
      "which is part of their wall time (`curl -v --trace-time` shows the pause before the second EHLO's reply).")
    w("- Most of check's CPU time is mbedTLS's portable elliptic-curve arithmetic (callgrind: about 90 % of the "
      "instructions of a test are in the handshake: two ECDSA P-256 verifications, the certificate's and the "
      "CertificateVerify, and the X25519 key share and agreement); curl's OpenSSL does the same with assembly. "
      "Process start-up is small because the window is a separate executable (smtp-workbench-gui) that `check` never "
      "loads.")
    w("")
    w("## Commands")
    w("")
    w("```sh")
    w(f"# full dialogue")
    for name, argv in full_cmds.items():
        w(("BENCH_PW=$MAILSTACK_PASSWORD " if name == "check" else "") + clients.shown(argv))
    w(f"# up to AUTH")
    for name, argv in auth_cmds.items():
        w(("BENCH_PW=$MAILSTACK_PASSWORD " if name == "check" else "") + clients.shown(argv))
    w(f"# round trips: the same full-dialogue commands with the relay's port")
    w(f"python3 bench/latency_relay.py --target 127.0.0.1:$MAILSTACK_TLS13_PORT --delay-ms {args.delay_ms:g} --stats FILE")
    if "skipped" not in gui:
        w(f"xvfb-run -a build/bench/gui_bench transcript {args.gui_lines} {args.gui_frames}")
        w(f"xvfb-run -a build/bench/gui_bench first-frame")
        w(f"xvfb-run -a build/bench/gui_bench load {args.sessions}")
        w(f"xvfb-run -a build/app/smtp-workbench --config-dir TMP   # /proc/PID/stat utime+stime over {args.idle_seconds:g} s")
    w(f"build/bench/concurrency_bench $MAILSTACK_DIR/env {args.sessions}")
    w("# monitoring (bench/monitoring_bench.py)")
    for line in mon_commands:
        w(line)
    w("# find settings (bench/find_settings_bench.py)")
    for line in find_commands:
        w(line)
    w("```")
    w("")
    return "\n".join(L)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--env", required=True, help="the mail stack's env file (tests/servers/mailstack.sh start DIR)")
    p.add_argument("--build-dir", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--smoke", action="store_true", help="few samples: checks that the harness works")
    p.add_argument("--command", default="bench/run.sh", help="the command line shown in the report")
    args = p.parse_args()
    args.runs = 3 if args.smoke else 21
    args.relay_runs = 1 if args.smoke else 3
    args.delay_ms = 50.0
    args.gui_lines = 1000 if args.smoke else 1_000_000
    args.gui_frames = 20 if args.smoke else 200
    args.first_frame_runs = 1 if args.smoke else 5
    args.idle_seconds = 1.0 if args.smoke else 10.0
    args.sessions = 20 if args.smoke else 200
    args.in_flight = 20 if args.smoke else 500

    facts = {}
    with open(args.env) as f:
        for line in f:
            key, sep, value = line.strip().partition("=")
            if sep:
                facts[key] = value
    binary = os.path.join(os.path.abspath(args.build_dir), "app", "smtp-workbench")
    env = dict(os.environ, BENCH_PW=facts["MAILSTACK_PASSWORD"])
    started = time.monotonic()
    m = machine()
    with tempfile.TemporaryDirectory(prefix="smtpwb-bench-") as scratch:
        clients = Clients(facts, binary, scratch)
        port = facts["MAILSTACK_TLS13_PORT"]
        step = lambda text: print(f"bench: {text}", file=sys.stderr, flush=True)
        step(f"full dialogue, {args.runs} runs each")
        full_cmds = clients.full(port)
        full = measure_clients(full_cmds, args.runs, env, scratch)
        step(f"up to AUTH, {args.runs} runs each")
        auth_cmds = clients.auth_only(port)
        auth = measure_clients(auth_cmds, args.runs, env, scratch)
        step(f"round trips through a {args.delay_ms:g} ms relay")
        trips, trip_commands = measure_round_trips(clients, facts, args.delay_ms, args.relay_runs, env, scratch)
        step("GUI under Xvfb")
        gui = measure_gui(args.build_dir, args.gui_lines, args.gui_frames, args.first_frame_runs, args.idle_seconds, scratch,
                          args.sessions)
        step(f"{args.sessions} concurrent sessions")
        conc = measure_concurrency(args.build_dir, args.env, args.sessions)
        step(f"monitoring: probe durations, {args.in_flight} probes in flight")
        try:
            mon = monitoring_bench.measure(facts, binary, scratch, args.runs, args.in_flight, env)
        except monitoring_bench.MonitoringError as e:
            raise BenchError(str(e))
        step(f"find settings, four ports, {args.runs} runs")
        try:
            find = find_settings_bench.measure(facts, binary, args.runs, env)
        except RuntimeError as e:
            raise BenchError(str(e))
        load_end = " ".join(f"{x:.2f}" for x in os.getloadavg())
        text = report(args, m, load_end, full, auth, trips, trip_commands, gui, conc, mon, clients, full_cmds, auth_cmds,
                      time.monotonic() - started, find)
    with open(args.out, "w") as out:
        out.write(text)


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        sys.exit(1)
