#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the results of make conformant-kernel as Markdown: the
guideline tables of the unpatched and the patched kernel side by side, the
count lines and failed cases of every profile run, the kernel's own
mseal_test per kernel, and the cost table.  docs/conformance.md quotes it.

usage: conformant-report.py DIR          (DIR: build/conformant)
       conformant-report.py --costs DIR  the cost table alone
"""

import glob
import os
import re
import sys

TREES = ("unpatched", "patched")


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def guideline_rows(report):
    """{rule: (cases, skip, vs guidelines, vs detected, summary)} and the
    detected profile's column name, from a text report's guideline table."""
    lines = report.splitlines()
    rows, detected = {}, None
    for i, line in enumerate(lines):
        if not line.startswith("rule  cases"):
            continue
        head = line
        cols = [m.start() for m in re.finditer(r"\S+", head)]
        # rule cases skip guidelines <detected> model "rule summary"
        names = head.split()
        detected = names[4]
        for row in lines[i + 1:]:
            if not re.match(r"^G[0-9A-Za-z]+\s", row):
                break
            rule = row[:cols[1]].strip()
            cases = row[cols[1]:cols[2]].strip()
            skip = row[cols[2]:cols[3]].strip()
            vg = row[cols[3]:cols[4]].strip()
            vd = row[cols[4]:cols[5]].strip()
            summary = row[cols[6]:].strip()
            rows[rule] = (cases, skip, vg, vd, summary)
        break
    return rows, detected


def count_line(report):
    for line in report.splitlines():
        if re.match(r"^\d+ passed, \d+ failed", line):
            return line.strip()
    return "(no count line: the run broke)"


def release(report):
    m = re.search(r"^sealspec: target kernel, kernel (\S+)", report, re.M)
    return m.group(1) if m else "?"


def costs_table(runs):
    """The cost lines of every selftest boot: per operation and kernel the
    median over the boots (each boot's figure is already a median of
    rounds), the range, the errno or count, and the change."""
    import statistics
    ns, ret, order, boots = {}, {}, [], {}
    for t in TREES:
        files = sorted(glob.glob(os.path.join(runs, t + "-selftest-*",
                                              "report.txt")))
        boots[t] = 0
        for f in files:
            seen = False
            for line in read(f).splitlines():
                w = line.split()
                if len(w) >= 4 and w[0] == "cost" and w[3] == "ns/op":
                    seen = True
                    if w[1] not in order:
                        order.append(w[1])
                    ns.setdefault((t, w[1]), []).append(int(w[2]))
                    ret[(t, w[1])] = line.split("(ret ")[-1].rstrip(")")
                elif len(w) == 3 and w[0] == "poke":
                    if w[1] not in order:
                        order.append(w[1])
                    ret[(t, w[1])] = w[2]
            boots[t] += seen
    trees = [t for t in TREES if boots[t]]
    if not trees:
        return [], 0
    out = ["| operation | " + " | ".join(
        "%s ns (range) | ret" % t for t in trees) +
        (" | patched vs unpatched |" if len(trees) == 2 else " |")]
    out.append("|---" * (1 + 2 * len(trees) + (len(trees) == 2)) + "|")
    for op in order:
        cells, med = [], []
        for t in trees:
            v = ns.get((t, op))
            if v:
                m = statistics.median(v)
                med.append(m)
                cells.append("%.0f (%d–%d)" % (m, min(v), max(v)))
            else:
                med.append(None)
                cells.append("–")
            cells.append("`%s`" % ret.get((t, op), "–"))
        if len(trees) == 2:
            cells.append("%+.1f%%" % (100.0 * (med[1] - med[0]) / med[0])
                         if None not in med and med[0] else "–")
        out.append("| %s | %s |" % (op, " | ".join(cells)))
    return out, min(boots[t] for t in trees)


def main(argv):
    if len(argv) == 2 and argv[0] == "--costs":
        lines, n = costs_table(os.path.join(argv[1], "runs"))
        print("\n".join(lines) if lines else "(no cost figures)")
        return 0
    if len(argv) != 1:
        sys.stderr.write("usage: conformant-report.py [--costs] DIR\n")
        return 2
    top = argv[0]
    runs = os.path.join(top, "runs")
    out = []
    src = read(os.path.join(top, "src", "version")).strip()
    out.append("Source: `%s`.\n" % src)

    # Guideline tables: one column per kernel, from the guidelines run.
    reports = {t: read(os.path.join(runs, t + "-guidelines", "report.txt"))
               for t in TREES}
    tables = {t: guideline_rows(reports[t]) for t in TREES}
    rules = list(tables["patched"][0] or tables["unpatched"][0])
    if rules:
        out.append("| rule | cases | skip | unpatched: guidelines | "
                   "patched: guidelines | unpatched: linux | patched: linux "
                   "| rule summary |")
        out.append("|---|---|---|---|---|---|---|---|")
        for r in rules:
            u = tables["unpatched"][0].get(r, ("?",) * 5)
            p = tables["patched"][0].get(r, ("?",) * 5)
            out.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                r, p[0], p[1], u[2], p[2], u[3], p[3], p[4]))
        out.append("")

    out.append("| kernel | --profile | result |")
    out.append("|---|---|---|")
    for t in TREES:
        for prof in ("guidelines", "linux"):
            rep = read(os.path.join(runs, "%s-%s" % (t, prof), "report.txt"))
            if rep:
                out.append("| %s (`%s`) | %s | %s |" % (
                    t, release(rep), prof, count_line(rep)))
    out.append("")

    deviations = sorted(
        l.split("#")[0].strip() for l in read(os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "..", "tests",
            "guidelines-deviations.txt")).splitlines()
        if l.split("#")[0].strip())
    for t in TREES:
        for prof in ("guidelines", "linux"):
            failed = sorted(read(os.path.join(runs, "%s-%s" % (t, prof),
                                              "failed.txt")).split())
            if failed and failed == deviations:
                out.append("Failed on the %s kernel under `%s`: exactly the "
                           "%d cases of `tests/guidelines-deviations.txt`.\n"
                           % (t, prof, len(failed)))
            elif failed:
                out.append("Failed on the %s kernel under `%s` (%d): %s.\n" % (
                    t, prof, len(failed),
                    ", ".join("`%s`" % f for f in failed)))

    # mseal_test: the first selftest boot of each kernel.
    for t in TREES:
        rep = read(os.path.join(runs, t + "-selftest-1", "report.txt"))
        if not rep:
            continue
        tot = re.search(r"^# Totals: .*$", rep, re.M)
        out.append("mseal_test on the %s kernel: %s" % (
            t, tot.group(0)[2:] if tot else "(no totals)"))
        bad = [l for l in rep.splitlines() if l.startswith("not ok")]
        for l in bad:
            out.append("    %s" % l)
        out.append("")

    lines, n = costs_table(runs)
    if lines:
        out.append("Cost loop (bench/conformant_cost.c): median over %d "
                   "boots per kernel, ns per operation:\n" % n)
        out.extend(lines)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
