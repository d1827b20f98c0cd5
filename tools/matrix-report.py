#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The matrix report: the built-in catalog on Debian kernels under QEMU.

usage: matrix-report.py [--out DIR] [--known-bugs FILE] RUNS_DIR
       matrix-report.py --extract RUN_DIR

RUNS_DIR holds one directory per boot, as tools/matrix.sh leaves them:
  meta.txt     key=value lines: release, variant, package, version, cpu,
               cmdline, seconds, attempts, status (ok|failed), failure,
               first_failure (of a retried boot), ...
  report.json  the JSON report of `sealspec run` (else it is extracted from
               ttyS1.log or console.log)
  console.log  the serial console (kernel messages, then the report)
Any of these may be missing; a directory with neither a report nor a
console is ignored.  The report goes to the terminal and to DIR/matrix.md
and DIR/matrix.html (DIR: the parent of RUNS_DIR unless --out says).

--extract finds the JSON report of one boot: on the second serial port
(ttyS1.log, when sealspec.output=/dev/ttyS1 is understood) or else in the
console log, after the kernel's messages.  It writes RUN_DIR/report.json,
prints the counts on one line and exits 0; 1 when there is no report.

Known kernel bugs come from docs/known-kernel-bugs.tsv (tab-separated,
`#` comments, a header line `scenario affected fixed_by note`).  `affected`
is one or more release ranges separated by commas: `6.17-6.17.13` (both
ends included), `6.17-` (6.17 on, not fixed yet), `-6.16.5`, or one
version.  A bound with two numbers covers its whole series: `6.12-6.16`
is 6.12.0 up to every 6.16.x.  A FAIL under the profile a kernel was
judged against is annotated "kernel bug, fixed by ..." when its case name
and the kernel's version match a line; it stays a FAIL, counted apart from
the unexplained ones.

Python 3 standard library only.
"""

import datetime
import html
import json
import os
import re
import subprocess
import sys

RESULTS = ("pass", "fail", "skip", "brok")
VARIANT_ORDER = {"plain": 0, "pku": 1}
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNEL_LINE = re.compile(r"^\[\s*\d+\.\d+\]")
CONSOLE_TAIL = 30


# ---------------------------------------------------------------- finding the JSON

def _clean_lines(text):
    """Lines without carriage returns (the serial line adds them) and
    without kernel messages (`[   12.345678] ...`) that may land between
    the lines of the report."""
    lines = text.replace("\r", "").split("\n")
    return [ln for ln in lines if not KERNEL_LINE.match(ln)]


def find_report(text):
    """The last JSON object in TEXT that starts with a line `{` and looks
    like a sealspec report (it has `cases`); None when there is none."""
    lines = _clean_lines(text)
    starts = [i for i, ln in enumerate(lines) if ln.strip() == "{"]
    decoder = json.JSONDecoder()
    for i in reversed(starts):
        chunk = "\n".join(lines[i:])
        try:
            obj, _ = decoder.raw_decode(chunk)
        except ValueError:
            continue
        if isinstance(obj, dict) and "cases" in obj:
            return obj
    return None



def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return None


def extract(run_dir):
    """(report, source) for one boot directory; report None if not found."""
    for name, source in (("ttyS1.log", "ttyS1"), ("console.log", "console")):
        text = _read(os.path.join(run_dir, name))
        if text:
            rep = find_report(text)
            if rep is not None:
                return rep, source
    return None, None


def cmd_extract(run_dir):
    rep, source = extract(run_dir)
    if rep is None:
        print("no JSON report")
        return 1
    with open(os.path.join(run_dir, "report.json"), "w") as f:
        json.dump(rep, f, indent=1)
        f.write("\n")
    cases = rep.get("cases", [])
    c = count(cases, None)
    g = count(cases, "guidelines")
    line = "%s: pass %d fail %d skip %d brok %d, guidelines fail %s" % (
        profile_label(rep), c["pass"], c["fail"], c["skip"], c["brok"],
        g["fail"] if g else "?")
    print(line + ("" if source == "ttyS1" else " (from the console)"))
    return 0


# ---------------------------------------------------------------- the data

def count(cases, profile):
    """Counts per result under PROFILE (None: the profile the run was
    judged against, i.e. `result`); None if the JSON has no verdicts for
    that profile (an older report).  A case without a result counts as
    `?`."""
    c = dict.fromkeys(RESULTS + ("xfail", "?"), 0)
    for case in cases:
        r = verdict(case, profile)
        if r is None:
            if profile is not None:
                return None
            r = "?"
        c[r] = c.get(r, 0) + 1
    return c


def verdict(case, profile):
    if profile is None:
        return case.get("result")
    return (case.get("by_profile") or {}).get(profile)


def has_no_mseal(rep):
    k = rep.get("kernel") or {}
    if k.get("detected_profile") == "none":
        return True
    # Before "none" existed the probe said so only in words.
    return "mseal returned ENOSYS" in (k.get("detected_why") or "")


def profile_label(rep):
    """What the counts under the detected profile are counted against."""
    k = rep.get("kernel") or {}
    detected = k.get("detected_profile") or "?"
    judged = rep.get("profile") or detected
    if has_no_mseal(rep):
        return "no mseal (judged as %s)" % judged
    if judged != detected:
        return "%s (detected %s)" % (judged, detected)
    return detected


def version_key(text):
    """A sortable key for an upstream version or a kernel release:
    `6.12.118+deb13-cloud-amd64` -> (6, 12, 118, 1); `7.3~rc7` ->
    (7, 3, 0, 0), before 7.3.0."""
    m = re.match(r"\s*(\d+)\.(\d+)(?:\.(\d+))?(~rc\d+|-rc\d+)?", text or "")
    if not m:
        return None
    return (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0),
            0 if m.group(4) else 1)


def upstream_version(debian_version):
    """`6.1.192-3` -> `6.1.192`; `7.3~rc7-1~exp1` -> `7.3~rc7`."""
    v = debian_version.split(":", 1)[-1]
    return v.rsplit("-", 1)[0] if "-" in v else v


class Run:
    """One boot: a kernel, a variant, its metadata and its report."""

    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path.rstrip("/"))
        self.meta = {}
        text = _read(os.path.join(path, "meta.txt"))
        for ln in (text or "").splitlines():
            if "=" in ln and not ln.startswith("#"):
                k, v = ln.split("=", 1)
                self.meta[k.strip()] = v.strip()
        self.report = None
        text = _read(os.path.join(path, "report.json"))
        if text:
            try:
                self.report = json.loads(text)
            except ValueError:
                self.report = None
        if self.report is None:
            self.report, _ = extract(path)
        self.console = (_read(os.path.join(path, "console.log")) or "")
        k = (self.report or {}).get("kernel") or {}
        self.release = self.meta.get("release") or k.get("release") or self.name
        self.variant = self.meta.get("variant") or (
            self.name.rsplit("-", 1)[-1] if "-" in self.name else "?")
        self.version = self.meta.get("version") or ""
        self.cases = (self.report or {}).get("cases") or []
        try:
            self.seconds = float(self.meta.get("seconds", ""))
        except ValueError:
            self.seconds = None
        self.known = {}  # case name -> known bug entry

    @property
    def booted(self):
        return self.report is not None and self.meta.get("status") != "failed"

    @property
    def failure(self):
        if self.booted:
            return ""
        return self.meta.get("failure") or "no JSON report on the console"

    @property
    def upstream(self):
        if self.version:
            return upstream_version(self.version)
        return self.release

    def sort_key(self):
        return (version_key(self.upstream) or (0, 0, 0, 0), self.release,
                VARIANT_ORDER.get(self.variant, 9), self.variant)

    def label(self):
        return "%s %s" % (self.release, self.variant)

    def fails(self):
        return [c for c in self.cases if c.get("result") == "fail"]


def load_runs(runs_dir):
    runs = []
    for name in sorted(os.listdir(runs_dir)):
        p = os.path.join(runs_dir, name)
        if not os.path.isdir(p):
            continue
        if not any(os.path.exists(os.path.join(p, f))
                   for f in ("report.json", "console.log", "meta.txt")):
            continue
        runs.append(Run(p))
    runs.sort(key=Run.sort_key)
    return runs


# ---------------------------------------------------------------- known kernel bugs

def _bound(text, upper):
    m = re.match(r"^(\d+)\.(\d+)(?:\.(\d+))?$", text.strip())
    if not m:
        raise ValueError("not a version: %r" % text)
    sub = m.group(3)
    if sub is None:
        # A series: from its first rc, or up to its last stable release.
        return (int(m.group(1)), int(m.group(2)), 10**9 if upper else 0,
                1 if upper else 0)
    return (int(m.group(1)), int(m.group(2)), int(sub), 1)


def parse_ranges(text):
    """`6.17-6.17.13, 7.0-` -> [(low, high)], None meaning open."""
    ranges = []
    for part in re.split(r"[,\s]+", text.strip()):
        if not part:
            continue
        if "-" in part:
            lo, hi = part.split("-", 1)
            ranges.append((_bound(lo, False) if lo else None,
                           _bound(hi, True) if hi else None))
        else:
            ranges.append((_bound(part, False), _bound(part, True)))
    return ranges


def in_ranges(key, ranges):
    return key is not None and any(
        (lo is None or lo <= key) and (hi is None or key <= hi)
        for lo, hi in ranges)


def load_known_bugs(path):
    """[{scenario, affected, ranges, fixed_by, note}]; [] if no file."""
    text = _read(path) if path else None
    if text is None:
        return []
    bugs = []
    for n, ln in enumerate(text.splitlines(), 1):
        if not ln.strip() or ln.lstrip().startswith("#"):
            continue
        cols = ln.split("\t")
        if cols[0].strip() == "scenario":
            continue
        cols += [""] * (4 - len(cols))
        try:
            ranges = parse_ranges(cols[1])
        except ValueError as e:
            print("%s:%d: %s; line ignored" % (path, n, e), file=sys.stderr)
            continue
        bugs.append({"scenario": cols[0].strip(), "affected": cols[1].strip(),
                     "ranges": ranges, "fixed_by": cols[2].strip(),
                     "note": cols[3].strip()})
    return bugs


def mark_known(runs, bugs):
    for run in runs:
        key = version_key(run.upstream)
        for case in run.fails():
            for bug in bugs:
                if bug["scenario"] == case.get("name") and \
                        in_ranges(key, bug["ranges"]):
                    run.known[case["name"]] = bug
                    break


def known_text(bug):
    text = "kernel bug"
    if bug["fixed_by"]:
        text += ", fixed by " + bug["fixed_by"]
    if bug["note"]:
        text += " (%s)" % bug["note"]
    return text


# ---------------------------------------------------------------- rules

def rule_key(rule):
    """G1 < G1a < G1b < G2 < ... < G7 < GP < GS."""
    m = re.match(r"^G(\d+)(.*)$", rule)
    return (0, int(m.group(1)), m.group(2)) if m else (1, 0, rule)


def rules_of(runs):
    seen = set()
    for run in runs:
        for case in run.cases:
            seen.update(case.get("rules") or [])
    return sorted(seen, key=rule_key)


def rule_verdict(run, rule, profile):
    """`pass`, `FAIL n`, `BROK n`, `skip`, or `` when the rule has no case
    here (or no verdicts for PROFILE in this report)."""
    c = dict.fromkeys(RESULTS + ("xfail",), 0)
    any_case = False
    for case in run.cases:
        if rule not in (case.get("rules") or []):
            continue
        v = verdict(case, profile)
        if v is None:
            return ""
        any_case = True
        c[v] = c.get(v, 0) + 1
    if not any_case:
        return ""
    if c["fail"]:
        return "FAIL %d" % c["fail"]
    if c["brok"]:
        return "BROK %d" % c["brok"]
    # Unsealed baselines passing on a kernel without mseal show no rule
    # kept (sealspec's own guideline table says the same).
    if has_no_mseal(run.report):
        return "no mseal"
    if c["pass"] or c["xfail"]:
        return "pass"
    return "skip"


def by_release(runs):
    """[(release, [its runs, one per variant])], in the order of RUNS."""
    groups = []
    for run in runs:
        if groups and groups[-1][0] == run.release:
            groups[-1][1].append(run)
        else:
            groups.append((run.release, [run]))
    return groups


def variants_note(variants, group):
    """` (pku only)` when a case showed in fewer variants than were run."""
    if len(variants) == len(group):
        return ""
    return " (%s only)" % ", ".join(variants)


def deviations(group):
    """{rule: {case name: [variants]}} failing under guidelines in the runs
    of one kernel."""
    out = {}
    for run in group:
        for case in run.cases:
            if verdict(case, "guidelines") != "fail":
                continue
            for r in case.get("rules") or []:
                out.setdefault(r, {}).setdefault(
                    case.get("name", "?"), []).append(run.variant)
    return out


def grouped_problems(group):
    """The FAIL and BROK cases of the runs of one kernel, one entry per
    case and reason: {name, result, reason, variants, bug}."""
    entries = {}
    for run in group:
        for case in run.cases:
            result = case.get("result")
            if result not in ("fail", "brok"):
                continue
            name = case.get("name", "?")
            key = (name, result, case.get("reason") or "")
            if key not in entries:
                entries[key] = {"name": name, "result": result,
                                "reason": key[2], "variants": [],
                                "bug": run.known.get(name)}
            entries[key]["variants"].append(run.variant)
    return list(entries.values())


def problem_counts(run):
    """`pku: 54 FAIL (0 known kernel bugs, 54 unexplained), 3 BROK`."""
    c = count(run.cases, None)
    text = "%s: %d FAIL" % (run.variant, c["fail"])
    if c["fail"]:
        text += " (%d known kernel bug%s, %d unexplained)" % (
            len(run.known), "" if len(run.known) == 1 else "s",
            c["fail"] - len(run.known))
    if c["brok"]:
        text += ", %d BROK" % c["brok"]
    return text


def column_names(runs):
    """Short column heads: the upstream version and the variant
    (`6.1.192 pku`), or the release where two kernels share a version."""
    ups = [r.upstream for r in runs]
    names = []
    for r in runs:
        same = [o for o in runs if o.upstream == r.upstream
                and o.release != r.release]
        base = short_release(r.release) if same else r.upstream
        names.append("%s %s" % (base, r.variant))
    del ups
    return names


# ---------------------------------------------------------------- the document

def fmt_seconds(run):
    """Seconds of the boot that counted, and whether it was a retry."""
    text = "" if run.seconds is None else "%.0f" % run.seconds
    if run.meta.get("attempts", "1") != "1":
        text += " (retried)"
    return text



def slash(c):
    return "?" if c is None else "/".join(str(c[r]) for r in RESULTS)


def git_describe():
    # MATRIX_COMMIT: the commit the runs were made with, when the report
    # is written again later from a tree that has moved on.
    if os.environ.get("MATRIX_COMMIT"):
        return os.environ["MATRIX_COMMIT"]
    try:
        out = subprocess.run(["git", "-C", REPO, "describe", "--always",
                              "--dirty"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, check=True,
                             universal_newlines=True).stdout.strip()
        return out or "unknown"
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def console_tail(run):
    lines = [ln for ln in run.console.replace("\r", "").split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines[-CONSOLE_TAIL:]) or "(the console is empty)"


def build_document(runs, known_path, bugs, missing_path=""):
    """The report as blocks: ("h", level, text), ("p", text),
    ("table", headers, rows), ("code", text), ("list", items), and
    ("fail", FAIL|BROK, case name, variants note, known bug text, reason).
    Text is markdown-ish: `code` spans only.  Table cells are plain text
    and get a colour from what they say."""
    doc = []
    booted = [r for r in runs if r.booted]
    doc.append(("h", 1, "sealspec on Debian kernels"))
    meta = [
        "date: %s" % datetime.datetime.now().strftime("%Y-%m-%d %H:%M %Z").strip(),
        "host kernel: %s" % os.uname().release,
        "sealspec: %s" % git_describe(),
        "boots: %d (%d failed)" % (len(runs), len(runs) - len(booted)),
        "known kernel bugs: " + (
            "%s (%d entries)" % (known_path, len(bugs)) if known_path
            else "none (no list at %s)" % missing_path),
    ]
    qemu = {r.meta.get("qemu") for r in runs if r.meta.get("qemu")}
    if qemu:
        meta.append("QEMU: %s" % ", ".join(sorted(qemu)))
    doc.append(("list", meta))
    doc.append(("p", "Variants: `plain` boots with `-cpu qemu64` (no "
                "protection keys), `pku` with `-cpu qemu64,+pku`. Counts "
                "are pass/fail/skip/brok; the first group is under the "
                "profile the kernel was judged against (the detected one), "
                "the second under `guidelines`."))

    doc.append(("h", 2, "Kernels"))
    headers = ["kernel", "variant", "Debian version", "profile", "pass",
               "fail", "known bug", "skip", "brok", "guidelines p/f/s/b",
               "s", "detected because"]
    rows = []
    for run in runs:
        if not run.booted:
            rows.append([run.release, run.variant, run.version or "?",
                         "boot failed", "", "", "", "", "",
                         "", fmt_seconds(run), run.failure])
            continue
        c = count(run.cases, None)
        g = count(run.cases, "guidelines")
        k = run.report.get("kernel") or {}
        rows.append([run.release, run.variant, run.version or "?",
                     profile_label(run.report), str(c["pass"]),
                     str(c["fail"]), str(len(run.known)), str(c["skip"]),
                     str(c["brok"]), slash(g), fmt_seconds(run),
                     k.get("detected_why") or ""])
    doc.append(("table", headers, rows))

    rules = rules_of(booted)
    names = column_names(booted)
    for title, profile in (("under the detected profile", None),
                           ("under guidelines", "guidelines")):
        doc.append(("h", 2, "Rules %s" % title))
        doc.append(("p", "Per rule: `pass`, or `FAIL n` with the number of "
                    "failing cases (`BROK n`, `skip` when every case "
                    "skipped)."))
        headers = ["rule"] + names
        rows = [[rule] + [rule_verdict(r, rule, profile) for r in booted]
                for rule in rules]
        doc.append(("table", headers, rows))

    doc.append(("h", 2, "Deviations from the guidelines"))
    doc.append(("p", "Per kernel, the rules with cases that fail under "
                "`guidelines`, and those cases."))
    for release, group in by_release(booted):
        doc.append(("h", 3, "%s (%s)" % (release, ", ".join(
            r.variant for r in group))))
        if any(count(r.cases, "guidelines") is None for r in group):
            doc.append(("p", "(this report has no verdicts per profile)"))
            continue
        dev = deviations(group)
        if not dev:
            doc.append(("p", "none"))
            continue
        doc.append(("list", [
            "%s (%d): %s" % (rule, len(cases), ", ".join(
                "`%s`%s" % (name, variants_note(v, group))
                for name, v in cases.items()))
            for rule, cases in sorted(dev.items(),
                                      key=lambda kv: rule_key(kv[0]))]))

    doc.append(("h", 2, "Failures under the detected profile"))
    doc.append(("p", "Every FAIL (and BROK) under the profile each kernel "
                "was judged against, once per kernel with the variants it "
                "happened in. A known kernel bug stays a FAIL."))
    any_fail = False
    for release, group in by_release(booted):
        problems = grouped_problems(group)
        if not problems:
            continue
        any_fail = True
        doc.append(("h", 3, "%s: %s" % (release, "; ".join(
            problem_counts(r) for r in group))))
        for pb in problems:
            doc.append(("fail", pb["result"].upper(), pb["name"],
                        variants_note(pb["variants"], group),
                        known_text(pb["bug"]) if pb["bug"] else "",
                        pb["reason"].rstrip() or "(no reason given)"))
    if not any_fail:
        doc.append(("p", "none"))

    failed = [r for r in runs if not r.booted]
    doc.append(("h", 2, "Failed boots"))
    if not failed:
        doc.append(("p", "none"))
    for run in failed:
        doc.append(("h", 3, "%s: %s" % (run.label(), run.failure)))
        first = run.meta.get("first_failure")
        doc.append(("p", "attempts: %s%s; the last %d lines of the console "
                    "of the last one:" % (
                        run.meta.get("attempts", "?"),
                        " (the first: %s)" % first if first else "",
                        CONSOLE_TAIL)))
        doc.append(("code", console_tail(run)))
    return doc


def short_release(release):
    """`6.12.118+deb13-cloud-amd64` -> `6.12.118+deb13` for narrow headers."""
    return re.sub(r"-cloud-amd64$", "", release)


# ---------------------------------------------------------------- markdown

def md_cell(text):
    return text.replace("|", "\\|").replace("\n", " ")


def render_md(doc):
    out = []
    for block in doc:
        kind = block[0]
        if kind == "h":
            out += ["#" * block[1] + " " + block[2], ""]
        elif kind == "p":
            out += [block[1], ""]
        elif kind == "list":
            out += ["- " + i.replace("\n", " ") for i in block[1]] + [""]
        elif kind == "table":
            out.append("| " + " | ".join(md_cell(h) for h in block[1]) + " |")
            out.append("|" + "---|" * len(block[1]))
            for row in block[2]:
                out.append("| " + " | ".join(md_cell(c) for c in row) + " |")
            out.append("")
        elif kind == "fail":
            _, result, name, note, bug, reason = block
            out += ["**%s** `%s`%s%s" % (result, name, note,
                                         ": **%s**" % bug if bug else ""), ""]
            out += ["```", reason, "```", ""]
        elif kind == "code":
            out += ["```", block[1], "```", ""]
    return "\n".join(out)


# ---------------------------------------------------------------- HTML

CSS = """
body { font-family: sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 90%; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.5em; text-align: left;
  vertical-align: top; }
th { background: #eee; }
td.pass { background: #dfd; }
td.fail { background: #fcc; font-weight: bold; }
td.skip { color: #777; }
td.brok { background: #fd9; }
td.known { background: #fe8; }
pre { background: #f6f6f6; border: 1px solid #ddd; padding: 0.5em;
  overflow-x: auto; font-size: 85%; }
.knownbug { color: #850; font-weight: bold; }
b.fail { color: #b00; }
b.brok { color: #a60; }
h3 { font-size: 105%; margin-bottom: 0.3em; }
"""


def html_class(text):
    t = text.strip()
    if t == "pass":
        return "pass"
    if t.startswith("FAIL") or t == "boot failed":
        return "fail"
    if t.startswith("BROK"):
        return "brok"
    if t == "skip":
        return "skip"
    return ""


def html_inline(text):
    """Escapes TEXT; `code` spans become <code>."""
    parts = text.split("`")
    return "".join(html.escape(p) if i % 2 == 0 else
                   "<code>%s</code>" % html.escape(p)
                   for i, p in enumerate(parts))


def render_html(doc):
    title = next((b[2] for b in doc if b[0] == "h"), "sealspec matrix")
    out = ["<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
           "<title>%s</title>" % html.escape(title),
           "<style>%s</style></head><body>" % CSS]
    for block in doc:
        kind = block[0]
        if kind == "h":
            out.append("<h%d>%s</h%d>" % (block[1], html.escape(block[2]),
                                          block[1]))
        elif kind == "p":
            out.append("<p>%s</p>" % html_inline(block[1]))
        elif kind == "list":
            out.append("<ul>" + "".join("<li>%s</li>" % html_inline(i)
                                        for i in block[1]) + "</ul>")
        elif kind == "table":
            out.append("<table><tr>" + "".join(
                "<th>%s</th>" % html.escape(h) for h in block[1]) + "</tr>")
            for row in block[2]:
                cells = []
                for c in row:
                    cls = html_class(c)
                    cells.append("<td%s>%s</td>" % (
                        ' class="%s"' % cls if cls else "", html.escape(c)))
                out.append("<tr>" + "".join(cells) + "</tr>")
            out.append("</table>")
        elif kind == "fail":
            _, result, name, note, bug, reason = block
            out.append("<p><b class=\"%s\">%s</b> <code>%s</code>%s%s</p>" % (
                result.lower(), result, html.escape(name), html.escape(note),
                ": <span class=\"knownbug\">%s</span>" % html.escape(bug)
                if bug else ""))
            out.append("<pre>%s</pre>" % html.escape(reason))
        elif kind == "code":
            out.append("<pre>%s</pre>" % html.escape(block[1]))
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- terminal

def reason_head(reason):
    """The first lines of a failure: the step and both sides, without the
    page state that follows."""
    lines = []
    for ln in reason.rstrip().split("\n"):
        if not ln.strip() or ln.strip().startswith("page state after"):
            break
        lines.append(ln)
    return lines[:3]


def render_terminal(runs):
    out = []
    headers = ["kernel", "variant", "profile", "pass", "fail", "known",
               "skip", "brok", "gl-fail", "s"]
    rows = []
    for run in runs:
        if not run.booted:
            rows.append([run.release, run.variant, "BOOT FAILED: " +
                         run.failure, "", "", "", "", "", "",
                         fmt_seconds(run)])
            continue
        c = count(run.cases, None)
        g = count(run.cases, "guidelines")
        rows.append([run.release, run.variant, profile_label(run.report)] +
                    [str(c["pass"]), str(c["fail"]), str(len(run.known)),
                     str(c["skip"]), str(c["brok"]),
                     "?" if g is None else str(g["fail"]),
                     fmt_seconds(run)])
    # The failure text of a failed boot may be long: do not let it size
    # the profile column.
    widths = [len(h) for h in headers]
    for row in rows:
        for i, c in enumerate(row):
            if not (i == 2 and c.startswith("BOOT FAILED")):
                widths[i] = max(widths[i], len(c))
    numeric = set(range(3, len(headers)))

    def line(cells):
        parts = []
        for i, c in enumerate(cells):
            parts.append(c.rjust(widths[i]) if i in numeric
                         else c.ljust(widths[i]))
        return "  ".join(parts).rstrip()

    out.append(line(headers))
    out += [line(r) for r in rows]
    first = True
    for release, group in by_release([r for r in runs if r.booted]):
        for pb in grouped_problems(group):
            if first:
                out += ["", "Failures under the detected profile:"]
                first = False
            head = "%s %s %s  %s" % (pb["result"].upper(), release, ",".join(
                pb["variants"]), pb["name"])
            if pb["bug"]:
                head += "  [%s]" % known_text(pb["bug"])
            out.append(head)
            out += ["    " + ln for ln in reason_head(pb["reason"])]
    for run in runs:
        if not run.booted:
            out.append("")
            out.append("BOOT FAILED %s: %s (attempts: %s); console tail:" % (
                run.label(), run.failure, run.meta.get("attempts", "?")))
            out += ["    " + ln for ln in console_tail(run).split("\n")[-10:]]
    return "\n".join(out)


# ---------------------------------------------------------------- main

def usage():
    sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
    return 2


def main(argv):
    out_dir = None
    known_path = os.path.join(REPO, "docs", "known-kernel-bugs.tsv")
    args = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--extract" and i + 1 < len(argv):
            return cmd_extract(argv[i + 1])
        if a in ("--out", "--known-bugs") and i + 1 < len(argv):
            if a == "--out":
                out_dir = argv[i + 1]
            else:
                known_path = argv[i + 1]
            i += 2
            continue
        if a in ("-h", "--help"):
            print(__doc__)
            return 0
        if a.startswith("-"):
            return usage()
        args.append(a)
        i += 1
    if len(args) != 1 or not os.path.isdir(args[0]):
        return usage()
    runs_dir = args[0]
    if out_dir is None:
        out_dir = os.path.dirname(os.path.abspath(runs_dir))
    runs = load_runs(runs_dir)
    if not runs:
        print("matrix-report: no runs in %s" % runs_dir, file=sys.stderr)
        return 1
    bugs = load_known_bugs(known_path)
    mark_known(runs, bugs)
    shown = os.path.relpath(known_path)
    doc = build_document(runs, shown if os.path.exists(known_path) else None,
                         bugs, shown)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "matrix.md"), "w") as f:
        f.write(render_md(doc))
    with open(os.path.join(out_dir, "matrix.html"), "w") as f:
        f.write(render_html(doc))
    print(render_terminal(runs))
    print("")
    print("report: %s, %s" % (os.path.join(out_dir, "matrix.md"),
                              os.path.join(out_dir, "matrix.html")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
