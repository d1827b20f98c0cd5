#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check-json.py [--counts] [--self-test] FILE...

Checks sealspec JSON reports (run --format json) against
docs/report.schema.json and against what a schema cannot say: the counts
add up, the fields that depend on a case's result are there exactly when
they should be, names are unique, no object has a key twice, and the file
is valid UTF-8.

Only the standard library: the schema is read by a small validator for the
keywords that file uses (type, const, enum, properties, required,
additionalProperties, propertyNames, items, minimum, anyOf, $ref); any
other keyword is an error rather than silently ignored.

--counts prints, per file, "pass=P fail=F skip=S xfail=X brok=B": what the
KTAP report of the same run must count (a run stopped by an error, such as
a failed kernel probe, has one more ERROR test in KTAP: B counts it).
--self-test checks the checker: each FILE must pass, and a copy with a
field removed, a field added or a field of the wrong type must not.
Exits 0 when every file passes, 1 otherwise.
"""
import copy
import json
import os
import re
import sys

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                      "docs", "report.schema.json")
KEYWORDS = {"$schema", "$id", "$defs", "title", "description", "type",
            "const", "enum", "properties", "required",
            "additionalProperties", "propertyNames", "items", "minimum",
            "anyOf", "$ref"}
RESULTS = ("pass", "fail", "skip", "xfail", "brok")
# The steps object (run --trace --format json): docs/json.md.
HEX = re.compile(r"0x(0|[1-9a-f][0-9a-f]{0,15})\Z")
ADDR = re.compile(r"(arena\+)?0x(0|[1-9a-f][0-9a-f]{0,15})\Z")
DATA_TOKENS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0*!.?~")
FORK_DEPTH_MAX = 8
GRID_MAX = 64


class Invalid(Exception):
    pass


def no_duplicates(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise Invalid("duplicate key %r" % k)
        seen[k] = v
    return seen


def is_type(v, t):
    if t == "null":
        return v is None
    if t == "boolean":
        return isinstance(v, bool)
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if t == "string":
        return isinstance(v, str)
    if t == "array":
        return isinstance(v, list)
    if t == "object":
        return isinstance(v, dict)
    raise Invalid("schema: unknown type %r" % t)


def validate(v, s, root, path):
    """Raises Invalid with the JSON path of the first problem."""
    unknown = set(s) - KEYWORDS
    if unknown:
        raise Invalid("schema: unsupported keywords %s" % sorted(unknown))
    if "$ref" in s:
        ref = s["$ref"]
        if not ref.startswith("#/$defs/"):
            raise Invalid("schema: unsupported $ref %r" % ref)
        validate(v, root["$defs"][ref[len("#/$defs/"):]], root, path)
    if "anyOf" in s:
        errors = []
        for sub in s["anyOf"]:
            try:
                validate(v, sub, root, path)
                break
            except Invalid as e:
                errors.append(str(e))
        else:
            raise Invalid("%s: matches none of: %s" % (path, "; ".join(errors)))
    if "type" in s:
        types = s["type"] if isinstance(s["type"], list) else [s["type"]]
        if not any(is_type(v, t) for t in types):
            raise Invalid("%s: expected %s, got %s" %
                          (path, " or ".join(types), json.dumps(v)[:80]))
    if "const" in s and not (v == s["const"] and type(v) is type(s["const"])):
        raise Invalid("%s: expected %s, got %s" %
                      (path, json.dumps(s["const"]), json.dumps(v)[:80]))
    if "enum" in s and not any(v == e and type(v) is type(e)
                               for e in s["enum"]):
        raise Invalid("%s: %s is not one of %s" %
                      (path, json.dumps(v)[:80], s["enum"]))
    if "minimum" in s and is_type(v, "number") and v < s["minimum"]:
        raise Invalid("%s: %s is below %s" % (path, v, s["minimum"]))
    if isinstance(v, dict):
        for k in s.get("required", []):
            if k not in v:
                raise Invalid("%s: missing field %r" % (path, k))
        props = s.get("properties", {})
        for k, sub in v.items():
            kp = "%s.%s" % (path, k)
            if "propertyNames" in s:
                validate(k, s["propertyNames"], root, kp + " (key)")
            if k in props:
                validate(sub, props[k], root, kp)
            elif s.get("additionalProperties") is False:
                raise Invalid("%s: unexpected field" % kp)
            elif isinstance(s.get("additionalProperties"), dict):
                validate(sub, s["additionalProperties"], root, kp)
    if isinstance(v, list) and "items" in s:
        for i, item in enumerate(v):
            validate(item, s["items"], root, "%s[%d]" % (path, i))


def check_steps(s, at):
    """A case's trace as JSON: what the schema cannot say about it."""
    if not HEX.match(s["arena"]):
        raise Invalid("%s.arena: %r is not 0x and lower-case hex" %
                      (at, s["arena"]))
    arena, size = int(s["arena"], 16), s["arena_size"]
    ps = s["page_size"]
    if ps & (ps - 1):
        raise Invalid("%s.page_size: %d is not a power of two" % (at, ps))

    def addr(v, where):
        if not isinstance(v, str) or not ADDR.match(v):
            raise Invalid("%s: %r is not an address (0x... or arena+0x...)"
                          % (where, v))
        if v.startswith("arena+"):
            if int(v[6:], 16) >= size:
                raise Invalid("%s: %s lies past the end of the arena" %
                              (where, v))
        elif size and arena <= int(v, 16) < arena + size:
            raise Invalid("%s: %s lies in the arena: it is written "
                          "arena+0x..." % (where, v))

    seen = {"vma": 0, "file": 0}
    for i, o in enumerate(s["outcomes"]):
        w = "%s.outcomes[%d]" % (at, i)
        if o["number"] > o["step"] + 1:
            raise Invalid("%s: step %d cannot be number %d" %
                          (w, o["step"], o["number"]))
        if o["depth"] > FORK_DEPTH_MAX:
            raise Invalid("%s.depth: %d is deeper than forks nest" %
                          (w, o["depth"]))
        if o["kind"] == "ret":
            ret = o["ret"]
            if isinstance(ret, str):
                addr(ret, w + ".ret")
            elif not -2**63 <= ret < 2**63:
                raise Invalid("%s.ret: %d is not a 64-bit value" % (w, ret))
            if "errno" in o and not (isinstance(ret, int) and
                                     -4095 <= ret <= -1):
                raise Invalid("%s: errno %s with ret %r" %
                              (w, o["errno"], ret))
        elif o["kind"] == "fault":
            if o["signo"] > 64:
                raise Invalid("%s.signo: %d is no signal" % (w, o["signo"]))
            addr(o["fault_addr"], w + ".fault_addr")
        elif o["kind"] == "pages":
            addr(o["addr"], w + ".addr")
            if o["npages"] != len(o["pages"]) or o["npages"] > GRID_MAX:
                raise Invalid("%s: npages %d for %d pages" %
                              (w, o["npages"], len(o["pages"])))
            for k, pg in enumerate(o["pages"]):
                pw = "%s.pages[%d]" % (w, k)
                if (pg["vma"] is None) == pg["mapped"]:
                    raise Invalid("%s: vma is null exactly when the page "
                                  "is not mapped" % pw)
                if (pg["file"] is not None) != \
                        (pg["mapped"] and pg["backing"] == "file"):
                    raise Invalid("%s: file is a number exactly for a "
                                  "mapped file page" % pw)
                if len(pg["data"]) != 1 or pg["data"] not in DATA_TOKENS:
                    raise Invalid("%s.data: %r is no contents token" %
                                  (pw, pg["data"]))
                if pg["pkey"] > 127:
                    raise Invalid("%s.pkey: %d" % (pw, pg["pkey"]))
                # Numbered in order of first appearance, from 1.
                for f in ("vma", "file"):
                    n = pg[f]
                    if n is None or n <= seen[f]:
                        continue
                    if n != seen[f] + 1:
                        raise Invalid("%s.%s: %d appears before %d" %
                                      (pw, f, n, seen[f] + 1))
                    seen[f] = n


def check_semantics(r):
    """What the schema cannot say."""
    cases = r["cases"]
    summ = r["summary"]
    kern = r["kernel"]
    counts = {k: 0 for k in RESULTS}
    names = set()
    for i, c in enumerate(cases):
        at = "cases[%d] (%s)" % (i, c["name"])
        counts[c["result"]] += 1
        if c["name"] in names:
            raise Invalid("%s: the name occurs twice" % at)
        names.add(c["name"])
        if ("reason" in c) != (c["result"] != "pass"):
            raise Invalid("%s: 'reason' must be there exactly when the "
                          "result is not pass" % at)
        if "step" in c and c["result"] == "pass":
            raise Invalid("%s: a passing case has a failing step" % at)
        if ("timed_out" in c) != (c["result"] == "brok"):
            raise Invalid("%s: 'timed_out' must be there exactly when the "
                          "result is brok" % at)
        if r["profile"] is not None and \
                c["by_profile"][r["profile"]] != c["result"]:
            raise Invalid("%s: result %s, but %s under the chosen profile "
                          "%s" % (at, c["result"], c["by_profile"][r["profile"]],
                                  r["profile"]))
        if c["target"] != r["target"]:
            raise Invalid("%s: target %s in a %s run" %
                          (at, c["target"], r["target"]))
        if "steps" in c:
            if "trace" not in c:
                raise Invalid("%s: 'steps' comes with 'trace' (--trace)" % at)
            check_steps(c["steps"], at + ".steps")
        m = c.get("model")
        if m and "steps" in m:
            if "trace" not in c or m["result"] == "skip":
                raise Invalid("%s: 'model.steps' comes with 'trace' "
                              "(--trace) on a case the model ran" % at)
            check_steps(m["steps"], at + ".model.steps")
    if summ["cases"] != len(cases):
        raise Invalid("summary.cases is %d for %d cases" %
                      (summ["cases"], len(cases)))
    for k in RESULTS:
        if summ[k] != counts[k]:
            raise Invalid("summary.%s is %d, the cases say %d" %
                          (k, summ[k], counts[k]))
    if summ["profiles"]["chosen"] != r["profile"]:
        raise Invalid("summary.profiles.chosen differs from profile")
    if summ["profiles"]["detected"] != kern["detected_profile"]:
        raise Invalid("summary.profiles.detected differs from "
                      "kernel.detected_profile")
    if (r["profile"] is None) != (r["profile_source"] == "none"):
        raise Invalid("profile_source 'none' goes with a null profile")
    if not kern["probed"]:
        if r["error"] is None:
            raise Invalid("the kernel was not probed, but error is null")
        if kern["mseal"] is not None or kern["detected_profile"] != "unknown":
            raise Invalid("an unprobed kernel has mseal null and detected "
                          "profile unknown")
        if cases or summ["rules"]:
            raise Invalid("an unprobed kernel ran no case")
        return counts
    if kern["mseal"] is None or \
            (kern["mseal"] is False) != (kern["detected_profile"] == "none"):
        raise Invalid("kernel.mseal false goes with detected profile none")
    if kern["detected_profile"] == "unknown":
        raise Invalid("a probed kernel has a detected profile")
    if (kern["detected_profile"] == "guidelines") and r["target"] != "model":
        raise Invalid("only the model target is 'detected' as guidelines")
    for c in cases:
        if ("model" in c) != (r["target"] == "both"):
            raise Invalid("%s: a case has 'model' exactly with --target "
                          "both" % c["name"])
        m = c.get("model")
        if m and (m["result"] == "differ") != ("what" in m):
            raise Invalid("%s: model.what goes with result differ" %
                          c["name"])
    if r["profile"] is None:
        raise Invalid("a probed kernel gives a profile")
    rules = json.load(open(SCHEMA))["$defs"]["rule"]["enum"]
    if sorted(summ["rules"]) != sorted(rules):
        raise Invalid("summary.rules must have every rule: has %s" %
                      sorted(summ["rules"]))
    for rule, v in summ["rules"].items():
        n = sum(1 for c in cases if rule in c["rules"])
        if v["cases"] != n:
            raise Invalid("summary.rules.%s.cases is %d, %d cases have "
                          "the rule" % (rule, v["cases"], n))
        want = {"chosen": r["profile"], "guidelines": "guidelines",
                "detected": kern["detected_profile"]}
        for role, prof in want.items():
            verdict = v[role]
            if verdict is None:
                raise Invalid("summary.rules.%s.%s is null" % (rule, role))
            if verdict["profile"] != prof:
                raise Invalid("summary.rules.%s.%s.profile is %s, not %s" %
                              (rule, role, verdict["profile"], prof))
            if sum(verdict[k] for k in RESULTS) != n:
                raise Invalid("summary.rules.%s.%s: the counts do not add "
                              "up to %d cases" % (rule, role, n))
    return counts


def check(path):
    schema = json.load(open(SCHEMA))
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Invalid("not valid UTF-8: %s" % e)
    try:
        r = json.loads(text, object_pairs_hook=no_duplicates,
                       parse_constant=lambda c: (_ for _ in ()).throw(
                           Invalid("%s is not JSON" % c)))
    except json.JSONDecodeError as e:
        raise Invalid("not JSON: %s" % e)
    validate(r, schema, schema, "$")
    return r, check_semantics(r)


def self_test(path):
    """The checker must reject a missing, an extra and a mistyped field."""
    r, _ = check(path)
    broken = []
    a = copy.deepcopy(r)
    del a["summary"]["rules"]
    broken.append(("summary.rules removed", a))
    a = copy.deepcopy(r)
    a["kernel"]["extra"] = 1
    broken.append(("kernel.extra added", a))
    a = copy.deepcopy(r)
    a["version"] = "1"
    broken.append(("version as a string", a))
    a = copy.deepcopy(r)
    a["summary"]["pass"] = True
    broken.append(("summary.pass as a boolean", a))
    if r["cases"]:
        a = copy.deepcopy(r)
        del a["cases"][0]["by_profile"]["guidelines"]
        broken.append(("a case without by_profile.guidelines", a))
        a = copy.deepcopy(r)
        a["cases"][0]["result"] = "PASS"
        broken.append(("a result in capitals", a))
        a = copy.deepcopy(r)
        a["cases"].append(copy.deepcopy(a["cases"][0]))
        broken.append(("a case twice", a))
    # With --trace: the steps object.
    withpages = [(i, j) for i, c in enumerate(r["cases"]) if "steps" in c
                 for j, o in enumerate(c["steps"]["outcomes"])
                 if o["kind"] == "pages" and o["pages"]]
    if withpages:
        i, j = withpages[0]

        def edit(what, fn):
            a = copy.deepcopy(r)
            fn(a["cases"][i], a["cases"][i]["steps"]["outcomes"][j])
            broken.append((what, a))

        edit("steps without trace", lambda c, o: c.pop("trace"))
        edit("a page without data", lambda c, o: o["pages"][0].pop("data"))
        edit("a page with data \"AA\"",
             lambda c, o: o["pages"][0].update(data="AA"))
        edit("an address as a number", lambda c, o: o.update(addr=4096))
        edit("an address in upper case",
             lambda c, o: o.update(addr=o["addr"].upper()))
        edit("an outcome with an extra field", lambda c, o: o.update(x=1))
        edit("npages that is not the number of pages",
             lambda c, o: o.update(npages=o["npages"] + 1))
        edit("a VMA numbered out of order",
             lambda c, o: [p.update(vma=p["vma"] + 5) for p in o["pages"]
                           if p["vma"] is not None])
    tmp = path + ".selftest"
    failures = 0
    for what, doc in broken:
        with open(tmp, "w") as f:
            json.dump(doc, f)
        try:
            check(tmp)
            print("check-json: %s: accepted with %s" % (path, what))
            failures += 1
        except Invalid:
            pass
    with open(tmp, "w") as f:
        f.write('{"schema": "sealspec-report", "schema": "x"}')
    try:
        check(tmp)
        print("check-json: %s: accepted a duplicate key" % path)
        failures += 1
    except Invalid:
        pass
    os.unlink(tmp)
    return failures


def main(argv):
    counts = "--counts" in argv
    selftest = "--self-test" in argv
    files = [a for a in argv if not a.startswith("--")]
    if not files:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    bad = 0
    for path in files:
        try:
            r, n = check(path)
        except (Invalid, KeyError, TypeError) as e:
            print("check-json: %s: %s" % (path, e), file=sys.stderr)
            bad += 1
            continue
        if selftest:
            bad += self_test(path)
        if counts:
            brok = n["brok"] + (1 if r["error"] is not None else 0)
            print("pass=%d fail=%d skip=%d xfail=%d brok=%d" %
                  (n["pass"], n["fail"], n["skip"], n["xfail"], brok))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
