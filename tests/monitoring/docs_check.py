#!/usr/bin/env python3
"""Checks the Prometheus configuration and alert rules of docs/MONITORING.md with promtool.

Every ```yaml block whose first line is a comment naming a file (`# prometheus.yml`) is written to a
temporary directory under that file's base name; then `promtool check config` runs on each Prometheus
configuration, `promtool check rules` on the rules, and `promtool test rules` on alert_rules_test.yml
(beside this script), which feeds the documented rules series and expects their alerts.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def blocks(markdown):
    for match in re.finditer(r"```yaml\n(.*?)```", markdown, re.S):
        text = match.group(1)
        first = text.splitlines()[0]
        if first.startswith("# "):
            yield os.path.basename(first[2:].strip()), text


def promtool(*args):
    run = subprocess.run(["promtool", *args], capture_output=True, text=True)
    print(f"$ promtool {' '.join(args)}\n{run.stdout}{run.stderr}")
    return run.returncode == 0


def main():
    doc = sys.argv[1]
    with open(doc, encoding="utf-8") as f:
        found = dict(blocks(f.read()))
    for needed in ("prometheus.yml", "prometheus-shard-0.yml", "smtp.rules.yml", "submission.yml"):
        if needed not in found:
            print(f"{doc}: no yaml block for {needed}")
            return 1
    work = tempfile.mkdtemp(prefix="smtpwb-monitoring-docs-")
    try:
        for name, text in found.items():
            with open(os.path.join(work, name), "w", encoding="utf-8") as out:
                out.write(text)
        shutil.copy(os.path.join(HERE, "alert_rules_test.yml"), work)
        ok = promtool("check", "config", os.path.join(work, "prometheus.yml"))  # with its rule file
        ok &= promtool("check", "config", "--syntax-only", os.path.join(work, "prometheus-shard-0.yml"))
        ok &= promtool("check", "rules", os.path.join(work, "smtp.rules.yml"))
        ok &= promtool("test", "rules", os.path.join(work, "alert_rules_test.yml"))
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
