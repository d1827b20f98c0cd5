# The differential fuzzer and the C reproducers (sourced by tests/run.sh,
# which provides ok, not_ok, expect_exit, expect_grep and $tmp).
#
#   - the fuzzer's regression scenarios (tests/fuzz/) on kernel and model;
#   - a short fuzz finds no new difference, and prints one JSON object;
#   - programs are a function of the seed;
#   - the executor and a scenario process per program find the same
#     differences in the same programs;
#   - a model fault (SEALSPEC_MODEL_FLIP=atomic-failure) is found, shrunk
#     to a scenario that passes on this kernel and is in canonical form,
#     and to C that compiles with -Wall -Wextra -Werror and reports the
#     difference;
#   - repro of a sample of catalog cases compiles, runs and agrees, and a
#     profile that disagrees with this kernel is reported.

# fuzz_json FILE KEY: the number KEY has in the fuzzer's JSON object.
fuzz_json() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
		"$1" "$2" 2> /dev/null
}

fuzz_checks() {
	b=$1
	s=$b/sealspec
	cc=${CC:-cc}

	expect_exit 0 "fuzz regression scenarios, kernel and model" \
		$s run --target both tests/fuzz
	expect_grep "$tmp/out" "model and kernel differ in 0" \
		"fuzz regression scenarios: model and kernel agree"

	# Not through expect_exit: its JSON is not a run report.
	rm -rf "$tmp/fz"
	$s fuzz --time 5 --seed 1 --out "$tmp/fz" --format json \
		> "$tmp/fz.json" 2> "$tmp/fz.err"
	rc=$?
	if [ "$rc" = 0 ]; then ok; else
		not_ok "fuzz --time 5 --seed 1: exit $rc, expected 0"
		tail -n 20 "$tmp/fz.err"
	fi
	if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' \
		"$tmp/fz.json" 2> /dev/null; then ok; else
		not_ok "fuzz --format json is not one JSON object:"
		head -c 600 "$tmp/fz.json"
	fi
	n=$(fuzz_json "$tmp/fz.json" divergences_new)
	if [ "$n" = 0 ]; then ok; else
		not_ok "fuzz --time 5 --seed 1: '$n' new divergences"
		head -c 2000 "$tmp/fz.json"
	fi
	n=$(fuzz_json "$tmp/fz.json" programs)
	if [ "${n:-0}" -ge 100 ]; then ok; else
		not_ok "fuzz --time 5 ran '$n' programs, expected 100 or more"
	fi

	# Programs are a function of the seed: the same steps twice.
	$s fuzz --programs 150 --seed 3 --out "$tmp/fz" --format json \
		> "$tmp/seed1.json" 2> /dev/null
	$s fuzz --programs 150 --seed 3 --jobs 2 --out "$tmp/fz" \
		--format json > "$tmp/seed2.json" 2> /dev/null
	$s fuzz --programs 150 --seed 4 --out "$tmp/fz" --format json \
		> "$tmp/seed3.json" 2> /dev/null
	a=$(fuzz_json "$tmp/seed1.json" steps)
	c=$(fuzz_json "$tmp/seed2.json" steps)
	d=$(fuzz_json "$tmp/seed3.json" steps)
	if [ -n "$a" ] && [ "$a" = "$c" ] && [ "$a" != "$d" ]; then ok; else
		not_ok "fuzz --seed: 150 programs of seed 3 gave '$a' and (2 jobs) '$c' steps, of seed 4 '$d'"
	fi

	# The long-lived executor against a scenario process per program: the
	# same programs, the same differences (the model's known gaps).
	$s fuzz --programs 1500 --seed 9 --out "$tmp/fz" --format json \
		> "$tmp/ex1.json" 2> /dev/null
	$s fuzz --programs 1500 --seed 9 --no-executor --out "$tmp/fz" \
		--format json > "$tmp/ex2.json" 2> /dev/null
	if python3 - "$tmp/ex1.json" "$tmp/ex2.json" > "$tmp/ex.txt" 2>&1 <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
sig = lambda d: sorted((x["signature"], x["programs"]) for x in d["divergences"])
problems = []
if a["executor"]["programs"] < 1400:
    problems.append("the executor judged %d of 1500 programs" % a["executor"]["programs"])
if b["executor"]["programs"] != 0:
    problems.append("--no-executor: the executor judged %d" % b["executor"]["programs"])
for k in ("programs", "steps", "divergent_programs", "not_run"):
    if a[k] != b[k]:
        problems.append("%s: %s with the executor, %s without" % (k, a[k], b[k]))
if sig(a) != sig(b):
    problems.append("signatures: %s with the executor, %s without" % (sig(a), sig(b)))
if a["executor"]["unconfirmed"] != 0:
    problems.append("%d differences of the executor were not confirmed" % a["executor"]["unconfirmed"])
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
	then ok; else
		not_ok "fuzz with and without the executor differ (seed 9, 1500 programs):"
		cat "$tmp/ex.txt"
	fi

	# The sanitizer build runs the above; the rest needs the plain one.
	[ "$b" = build ] || return 0

	rm -rf "$tmp/flip"
	SEALSPEC_MODEL_FLIP=atomic-failure $s fuzz --time 30 --seed 1 \
		--out "$tmp/flip" > "$tmp/flip.txt" 2>&1
	rc=$?
	if [ "$rc" = 1 ]; then ok; else
		not_ok "fuzz with SEALSPEC_MODEL_FLIP=atomic-failure: exit $rc, expected 1"
		tail -n 20 "$tmp/flip.txt"
	fi
	expect_grep "$tmp/flip.txt" "NEW   " "the flipped model gives a new divergence"
	scn=$(ls "$tmp"/flip/*.scn 2> /dev/null | head -n 1)
	if [ -z "$scn" ]; then
		not_ok "fuzz wrote no scenario for the flipped model"
		return
	fi
	ok
	expect_exit 0 "the minimised scenario is canonical ($scn)" \
		$s fmt --check "$scn"
	expect_exit 0 "the minimised scenario passes on this kernel" \
		$s run --target kernel "$scn"
	SEALSPEC_MODEL_FLIP=atomic-failure $s run --target both "$scn" \
		> "$tmp/flipboth.txt" 2>&1
	expect_grep "$tmp/flipboth.txt" "model and kernel differ in 1" \
		"run --target both sees the minimised difference"
	steps=$(grep -c '=>\|^expect' "$scn")
	if [ "$steps" -le 6 ]; then ok; else
		not_ok "the minimised scenario has $steps checked steps, expected at most 6"
		cat "$scn"
	fi
	c=${scn%.scn}.c
	if $cc -Wall -Wextra -Werror -o "$tmp/repro" "$c" 2> "$tmp/cc.err"; then ok; else
		not_ok "the reproducer $c does not compile cleanly"
		head -n 20 "$tmp/cc.err"
		return
	fi
	expect_exit 1 "the reproducer reports the difference" "$tmp/repro"
	expect_grep "$tmp/out" "<-- DIFFERS" "the reproducer marks the step"
	expect_grep "$tmp/out" "    model:  " "the reproducer prints the model's prediction"
	if grep -q sealspec.h "$c"; then
		not_ok "the reproducer includes sealspec.h"
	else ok; fi
	expect_grep "$c" "#ifndef __NR_mseal" "the reproducer guards syscall numbers"

	# repro: catalog cases, compiled and run on this kernel.
	for spec in shm-detach-sealed guard-install-remove-sealed-file-private-cowed-ro \
		"mremap-sealed-dontunmap --row 1" mlock-sealed-onfault \
		fork-child-inherits-seals "mprotect-mixed-ranges --row 3" \
		madvise-discard-decided-per-vma "procmem-write-sealed-anon --row 0" \
		"process-vm-write-sealed-anon --row 0" "vdso-mprotect-sealed --row 0"; do
		set -- $spec
		f=$1
		shift
		expect_exit 0 "repro cases/$f.scn $*" \
			$s repro "cases/$f.scn" "$@" -o "$tmp/r.c"
		if $cc -Wall -Wextra -Werror -o "$tmp/r" "$tmp/r.c" 2> "$tmp/cc.err"; then ok; else
			not_ok "repro of cases/$f.scn does not compile"
			head -n 20 "$tmp/cc.err"
			continue
		fi
		expect_exit 0 "the reproducer of cases/$f.scn agrees" "$tmp/r"
		expect_grep "$tmp/out" "agree: every step as expected" \
			"the reproducer of cases/$f.scn says so"
	done
	$s repro --profile linux-6.10 cases/guard-install-remove-sealed-anon-rw.scn \
		--row 0 -o "$tmp/r.c" 2> /dev/null
	$cc -o "$tmp/r" "$tmp/r.c" 2> /dev/null
	expect_exit 1 "a reproducer judged under linux-6.10 differs on this kernel" "$tmp/r"
	expect_exit 2 "repro refuses a call it cannot write" \
		$s repro cases/exec-drops-seals.scn
	expect_grep "$tmp/err" "which the C emitter does not write" \
		"repro says which call it cannot write"
}
