#!/bin/sh
# sealspec coverage, sourced by tests/run.sh: the command on the catalog,
# its JSON (parses, counts add up), and a scenario whose cells are known.
coverage_cli() {
	b=$1
	expect_exit 0 "coverage on the catalog" "$b/sealspec" coverage
	if tail -n 1 "$tmp/out" | grep -q '^covered [0-9]* of [0-9]* reachable cells'
	then ok; else
		not_ok "coverage does not end with the total: $(tail -n 1 "$tmp/out")"
	fi
	"$b/sealspec" coverage --format json > "$tmp/cov.json" 2> "$tmp/err"
	rc=$?
	why=$(python3 - "$tmp/cov.json" <<'PY' 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
cells, cov, un = d["cells"], d["covered"], d["uncovered"]
if cov + len(un) != cells:
    print("covered %d + uncovered %d != cells %d" % (cov, len(un), cells))
elif len(d["covered_cells"]) != cov:
    print("%d covered_cells, covered says %d" % (len(d["covered_cells"]), cov))
elif sum(c["covered"] for c in d["by_call"]) != cov:
    print("by_call covered does not add up to %d" % cov)
elif sum(c["cells"] for c in d["by_call"]) != cells:
    print("by_call cells do not add up to %d" % cells)
elif cov == 0 or d["cases"] == 0:
    print("nothing covered (%d cases)" % d["cases"])
elif un:
    # The catalog covers every reachable cell (issue 8): a scenario that
    # goes away, or a cell that becomes reachable, shows here.
    print("%d reachable cells no scenario exercises, e.g. %s" %
          (len(un), json.dumps(un[:3])))
PY
)
	if [ "$rc" -eq 0 ] && [ -z "$why" ]; then ok; else
		not_ok "coverage --format json (exit $rc): $why"
	fi
	"$b/sealspec" coverage --format json tests/coverage/tiny.scn \
		> "$tmp/cov.json" 2> "$tmp/err"
	got=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(";".join(sorted("%s %s %s %s" % (c["call"], c["kind"], c["seal"],
      c["shape"]) for c in d["covered_cells"])))' "$tmp/cov.json" 2>&1)
	want="mprotect anon-private mixed 1p-off;mprotect anon-private mixed N|S;mseal anon-private unsealed inside"
	if [ "$got" = "$want" ]; then ok; else
		not_ok "coverage of tests/coverage/tiny.scn: expected $want, got $got"
	fi
	expect_exit 2 "coverage --format ktap is refused" \
		"$b/sealspec" coverage --format ktap
	"$b/sealspec" coverage --rule G7 > "$tmp/cov.txt" 2>&1
	all=$(sed -n 's/^covered \([0-9]*\) of.*/\1/p' "$tmp/cov.txt")
	if [ -n "$all" ] && grep -q "^  G7 " "$tmp/cov.txt"; then ok; else
		not_ok "coverage --rule G7: no total or no G7 line"
	fi
}
