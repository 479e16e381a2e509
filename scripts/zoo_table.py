#!/usr/bin/env python3
"""Regenerates README.md's table of the zoo: every model type the installed transformers maps to
a causal LM, with what `kcost validate` says of it under sdpa and eager.

    scripts/zoo_table.py                 # runs build/kcost validate --all --attn-implementation both
    scripts/zoo_table.py --report R.json # from a report validate -o wrote

The table goes between the README's `<!-- zoo-table -->` and `<!-- /zoo-table -->` lines; the
lines between are replaced, nothing else is touched. Standard library only.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN, END = "<!-- zoo-table -->", "<!-- /zoo-table -->"


def run_validate(kcost, jobs):
    fd, path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    cmd = [kcost, "validate", "--all", "--attn-implementation", "both", "--summary", "--jobs", str(jobs), "-o", path]
    print(" ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=False)  # exit 6 when some model does not agree: the report is still written
    with open(path) as f:
        report = json.load(f)
    os.unlink(path)
    return report


def first_line(text, limit=110):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def result(model):
    """'agree', 'DISAGREE: <first thing>' or 'FAILED: <why>' for one validation report."""
    if model.get("ok"):
        note = model.get("attention_note")
        return "agree" + (" (eager: no sdpa)" if note else "")
    if model.get("error"):
        return "FAILED: " + first_line(model["error"])
    if model.get("unknowns"):
        return f"DISAGREE: {len(model['unknowns'])} unknown children"
    for p in model.get("points", []):
        for metric in ("flops", "memory_read", "memory_write"):
            if p.get("static", {}).get(metric) != p.get("traced", {}).get(metric):
                return f"DISAGREE: {metric} at b={p['batch_size']} s={p['seq_len']} c={p['cache_len']}"
    return "DISAGREE"


def table(report):
    # validate --attn-implementation both lists each model's runs in order: sdpa, then eager.
    by_model = {}
    for m in report["models"]:
        by_model.setdefault(m["name"], []).append(m)
    lines = ["| model type | sdpa | eager |", "|---|---|---|"]
    agree = {"sdpa": 0, "eager": 0}
    some = 0
    for name in sorted(by_model):
        runs = by_model[name]
        cells = [result(r) for r in runs] + [""] * (2 - len(runs))
        for impl, r in zip(("sdpa", "eager"), runs):
            agree[impl] += bool(r.get("ok"))
        some += any(r.get("ok") for r in runs)
        lines.append(f"| {name} | {cells[0].replace('|', '/')} | {cells[1].replace('|', '/')} |")
    n = len(by_model)
    head = (f"{some} of {n} model types agree under some implementation "
            f"(sdpa {agree['sdpa']}, eager {agree['eager']}).\n\n")
    return head + "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--report", help="a JSON report of kcost validate -o (default: run it)")
    ap.add_argument("--kcost", default=os.path.join(ROOT, "build", "kcost"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--readme", default=os.path.join(ROOT, "README.md"))
    args = ap.parse_args()
    report = json.load(open(args.report)) if args.report else run_validate(args.kcost, args.jobs)
    text = open(args.readme).read()
    if BEGIN not in text or END not in text:
        sys.exit(f"{args.readme}: no {BEGIN} ... {END} lines to put the table between")
    before, rest = text.split(BEGIN, 1)
    _, after = rest.split(END, 1)
    with open(args.readme + ".tmp", "w") as f:
        f.write(before + BEGIN + "\n" + table(report) + END + after)
    os.replace(args.readme + ".tmp", args.readme)
    print(f"{args.readme}: table of {len({m['name'] for m in report['models']})} model types", file=sys.stderr)


if __name__ == "__main__":
    main()
