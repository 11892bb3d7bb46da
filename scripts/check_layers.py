#!/usr/bin/env python3
"""Checks the engine's layers from its #include lines: base <- net <- tls <- sasl <- smtp <- diag <- demo.

Every file of engine/src and engine/include/smtpwb belongs to one layer (by its folder; the headers at the
top of include/smtpwb are listed below). A file may include files of its own layer and of the layers below
it. The script derives the include graph between layers, prints every include that points upwards (file:line)
and every cycle between layers, and exits 1 if there is any. CMake enforces the same order by linking (each
layer's library links only the ones below it); this script also covers headers, which linking cannot see.

Usage: check_layers.py [ENGINE_DIR]   (default: engine/ next to this script's folder)
       check_layers.py --self-test     (a made-up engine with an upward include must fail, naming file:line)
"""
import contextlib
import io
import pathlib
import re
import sys
import tempfile

# Lowest first. A layer may depend on every layer before it (net and tls: tls's Stream uses net's sockets;
# the proxy in net uses net::Channel, which the Stream implements, so net never needs tls).
LAYERS = ["base", "net", "tls", "sasl", "smtp", "diag", "demo"]
RANK = {name: i for i, name in enumerate(LAYERS)}

# engine/src/<folder>/ -> layer; files directly in engine/src (text.hpp, base64.cpp, ...) are base.
SRC_FOLDERS = {
    "base": "base", "net": "net", "tls": "tls", "sasl": "sasl", "smtp": "smtp",
    "diag": "diag", "auth": "diag", "profile": "diag", "demo": "demo",
}
# engine/include/smtpwb/<folder>/ -> layer, with the exceptions by file first.
HEADER_FILES = {
    "net/stream.hpp": "tls",  # the plain-or-TLS Stream, implemented in src/tls/stream.cpp
}
HEADER_FOLDERS = {"net": "net", "sasl": "sasl", "smtp": "smtp"}
TOP_HEADERS = {
    "base": ["base64", "charset", "crypto_init", "event", "event_format", "event_queue", "files", "hint", "log", "platform", "printable",
             "result", "settings"],
    "tls": ["cert_facts", "tls_wire"],
    "smtp": ["session", "step_gate"],
    "diag": ["diagnose", "export", "hints", "oauth", "port_finder", "plaintext_probe", "probe_report", "probe_runner", "report",
             "status_codes", "tls_probe"],
    "demo": ["demo_server"],
}
TOP_HEADER_LAYER = {f"{name}.hpp": layer for layer, names in TOP_HEADERS.items() for name in names}

INCLUDE = re.compile(r'^\s*#\s*include\s*["<]([^">]+)[">]')


def layer_of(engine: pathlib.Path, path: pathlib.Path):
    rel = path.relative_to(engine).as_posix()
    if rel.startswith("src/"):
        parts = rel[len("src/"):].split("/")
        if len(parts) == 1:
            return "base"
        return SRC_FOLDERS.get(parts[0])
    if rel.startswith("include/smtpwb/"):
        inner = rel[len("include/smtpwb/"):]
        if inner in HEADER_FILES:
            return HEADER_FILES[inner]
        parts = inner.split("/")
        if len(parts) == 1:
            return TOP_HEADER_LAYER.get(inner)
        return HEADER_FOLDERS.get(parts[0])
    return None


def resolve(engine: pathlib.Path, including: pathlib.Path, name: str):
    """The engine file an #include names, or None for system and third-party headers."""
    for candidate in (engine / "include" / name, engine / "src" / name, including.parent / name):
        if candidate.is_file():
            return candidate.resolve()
    return None


def sources(engine: pathlib.Path):
    for root in (engine / "src", engine / "include" / "smtpwb"):
        for path in sorted(root.rglob("*")):
            if path.suffix in (".cpp", ".hpp", ".h") and path.is_file():
                yield path.resolve()


def find_cycle(edges):
    """One cycle in the layer graph (a list of layers), or None."""
    state = {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, stack)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node, [])
            if found:
                return found
    return None


def main(argv):
    engine = pathlib.Path(argv[1] if len(argv) > 1 else pathlib.Path(__file__).resolve().parent.parent / "engine").resolve()
    problems = []
    edges = {}  # layer -> layers it includes
    evidence = {}  # (from, to) -> first file:line
    files = 0
    for path in sources(engine):
        files += 1
        here = layer_of(engine, path)
        rel = path.relative_to(engine.parent).as_posix()
        if here is None:
            problems.append(f"{rel}: belongs to no layer (add its folder or header to scripts/check_layers.py)")
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = resolve(engine, path, m.group(1))
            if target is None:
                continue
            there = layer_of(engine, target)
            if there is None:
                problems.append(f"{rel}:{number}: includes {m.group(1)}, which belongs to no layer")
                continue
            if there == here:
                continue
            edges.setdefault(here, set()).add(there)
            evidence.setdefault((here, there), f"{rel}:{number}")
            if RANK[there] > RANK[here]:
                problems.append(f"{rel}:{number}: upward include: {here} -> {there} ({m.group(1)})")
    cycle = find_cycle(edges)
    if cycle:
        steps = ", ".join(f"{a} -> {b} at {evidence[(a, b)]}" for a, b in zip(cycle, cycle[1:]))
        problems.append(f"cycle between layers {' -> '.join(cycle)}: {steps}")
    graph = "; ".join(f"{a} -> {', '.join(sorted(b, key=RANK.get))}" for a, b in sorted(edges.items(), key=lambda e: RANK[e[0]]))
    print(f"{files} engine files; layer graph: {graph}")
    for p in problems:
        print(p)
    if problems:
        print(f"FAILED: {len(problems)} layering problem(s); the order is {' <- '.join(LAYERS)}")
        return 1
    print("layers OK: " + " <- ".join(LAYERS))
    return 0


def self_test():
    """The checker must fail on an upward include and on a cycle, naming the file and line."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = pathlib.Path(tmp) / "engine"
        files = {
            "include/smtpwb/session.hpp": "#pragma once\n",
            "include/smtpwb/net/io.hpp": "#pragma once\n",
            "src/net/io.cpp": '#include "smtpwb/net/io.hpp"\n\n#include "smtpwb/session.hpp"\n',
            "src/smtp/session.cpp": '#include "smtpwb/session.hpp"\n#include "smtpwb/net/io.hpp"\n',
        }
        for rel, text in files.items():
            (engine / rel).parent.mkdir(parents=True, exist_ok=True)
            (engine / rel).write_text(text)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = main(["check_layers.py", str(engine)])
        text = out.getvalue()
        expected = ["engine/src/net/io.cpp:3: upward include: net -> smtp", "cycle between layers"]
        missing = [e for e in expected if e not in text]
        if rc != 1 or missing:
            print(text + f"self-test FAILED: exit {rc}, missing {missing}")
            return 1
        print("self-test OK: an upward include and a cycle are reported with file:line")
        return 0


if __name__ == "__main__":
    sys.exit(self_test() if sys.argv[1:] == ["--self-test"] else main(sys.argv))
