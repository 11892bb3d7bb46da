"""The find-settings figures of BENCHMARKS.md (bench.py calls measure() and report_lines()).

`check --find-settings` against four ports of the same Postfix: plain text (AUTH before TLS), submission
(STARTTLS required), implicit TLS and the TLS 1.3 STARTTLS listener; 3 probes a port (plain, STARTTLS,
implicit TLS), 12 connections in parallel. The implicit-TLS port never greets in plain text: before issue
17 its two plain-text probes waited for the whole per-probe timeout, so one find took at least that long.
The figure is the wall time of the whole process (spawn to exit) against that timeout. A baseline binary
(SMTPWB_BENCH_FIND_BASELINE=PATH, e.g. a build of an older commit) is measured interleaved when given.
"""
import os
import statistics
import time

TIMEOUT_S = 5


def run_once(argv, env):
    start = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, env, file_actions=[(os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
                                                            (os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0)])
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(argv)} exited with {os.waitstatus_to_exitcode(status)}")
    return wall, usage.ru_utime + usage.ru_stime


def command(binary, facts):
    ports = ",".join(facts[k] for k in ("MAILSTACK_PLAIN_PORT", "MAILSTACK_SUBMISSION_PORT", "MAILSTACK_IMPLICIT_PORT",
                                        "MAILSTACK_TLS13_PORT"))
    return [binary, "check", "--host", "127.0.0.1", "--find-settings", "--find-ports", ports,
            "--timeout", str(TIMEOUT_S), "--quiet"]


def measure(facts, binary, runs, env):
    """Interleaved runs of check (and of the baseline, when given), after one warm-up each."""
    binaries = {"check": binary}
    baseline = os.environ.get("SMTPWB_BENCH_FIND_BASELINE")
    if baseline:
        binaries["baseline"] = baseline
    for b in binaries.values():
        run_once(command(b, facts), env)
    wall = {n: [] for n in binaries}
    cpu = {n: [] for n in binaries}
    for _ in range(runs if not baseline else max(3, runs // 4)):  # a baseline run costs the timeout
        for name, b in binaries.items():
            w, c = run_once(command(b, facts), env)
            wall[name].append(w)
            cpu[name].append(c)
    return {"runs": len(wall["check"]), "timeout_s": TIMEOUT_S,
            "clients": {n: {"median": statistics.median(wall[n]), "min": min(wall[n]), "max": max(wall[n]),
                            "cpu": statistics.median(cpu[n])} for n in binaries},
            "command": command("build/app/smtp-workbench", {k: "$" + k for k in facts})}


def report_lines(m):
    L = []
    w = L.append
    ms = lambda s: f"{s * 1000:.1f}"
    timeout = m["timeout_s"]
    w("## Find settings: four ports, the verdict as soon as it is settled")
    w("")
    w(f"`check --find-settings` against four ports of the same Postfix (plain text, STARTTLS submission, implicit TLS, "
      f"TLS 1.3 STARTTLS), each probed plain, STARTTLS and implicit TLS: 12 connections in parallel, per-probe timeout "
      f"{timeout} s. The implicit-TLS port stays silent to the plain-text probes; they stop as soon as its implicit-TLS "
      f"probe has answered (\"silent (waits for a TLS ClientHello?)\"), where they used to wait for the timeout. "
      f"{m['runs']} runs after a warm-up; wall time is the process's, spawn to exit.")
    w("")
    w("| client | wall median ms | min–max ms | CPU median ms | wall / per-probe timeout | target |")
    w("| --- | ---: | --- | ---: | ---: | --- |")
    for name, r in m["clients"].items():
        target = "< 1 s" if name == "check" else ""
        w(f"| {name} | {ms(r['median'])} | {ms(r['min'])}–{ms(r['max'])} | {ms(r['cpu'])} | "
          f"{r['median'] / timeout:.3f} | {target} |")
    w("")
    if "baseline" in m["clients"]:
        c, b = m["clients"]["check"]["median"], m["clients"]["baseline"]["median"]
        w(f"Ratio check / baseline (SMTPWB_BENCH_FIND_BASELINE): {c / b:.3f}.")
    else:
        w(f"Before this change the same find took at least the per-probe timeout ({timeout} s, ratio 1.0): set "
          "SMTPWB_BENCH_FIND_BASELINE to an older build to measure it beside.")
    w("")
    return L, [" ".join(m["command"])]
