#!/bin/sh
# Everything `make test` checks, for each build directory given (the plain
# build and the ASan+UBSan one).  Each check prints "ok" or "not ok" with
# both sides; the last line adds them all up as "N passed, N failed".
set -u
# The checks below choose the data route themselves (docs/scenarios.md).
unset SEALSPEC_OBSERVE

passed=0
failed=0
skipped=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { passed=$((passed + 1)); }
not_ok() {
	failed=$((failed + 1))
	echo "not ok: $*"
}

# A unit test binary prints "N passed, N failed" last; add its counts.
unit() {
	bin=$1
	if [ ! -x "$bin" ]; then
		not_ok "$bin was not built"
		return
	fi
	"$bin" > "$tmp/unit.out" 2>&1
	rc=$?
	line=$(tail -n 1 "$tmp/unit.out")
	p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
	f=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
	if [ -z "$p" ] || [ -z "$f" ]; then
		not_ok "$bin ended without a count (exit $rc): $line"
		tail -n 20 "$tmp/unit.out"
		return
	fi
	grep '^not ok' "$tmp/unit.out"
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		not_ok "$bin exited $rc"
		tail -n 20 "$tmp/unit.out"
	fi
}

# expect_exit WANT DESCRIPTION COMMAND...: runs COMMAND, checks its status.
expect_exit() {
	want=$1
	what=$2
	shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok
	else
		not_ok "$what: expected exit $want, got $rc ($(echo "$*" | cut -c1-160))"
		tail -n 30 "$tmp/out" "$tmp/err"
	fi
}

# expect_grep FILE PATTERN DESCRIPTION: FILE must contain PATTERN (fixed).
expect_grep() {
	if grep -qF -- "$2" "$1"; then
		ok
	else
		not_ok "$3: '$2' not found in:"
		sed 's/^/    /' "$1" | head -n 40
	fi
}

# The verdict of one case in a JSON report: "pass", "fail", ...
json_result() {
	grep -F "\"name\": \"$2\"" "$1" |
		sed -n 's/.*"result": "\([a-z]*\)".*/\1/p' | head -n 1
}

# why REPORT VERDICTS [NAMES]: for every case of the JSON report whose
# verdict matches the regular expression VERDICTS ("fail|brok"), and that
# is listed in the file NAMES when one is given, prints the verdict, the
# name and the report's reason (cases[].reason, unescaped and indented), so
# that a log shows why without the report.  The report writes one case per
# line.
why() {
	awk -v verdicts="^($2)\$" '
	# The string value of "key" in line, with its JSON escapes undone.
	function field(line, key,    i, s, c, out) {
		i = index(line, "\"" key "\": \"")
		if (i == 0)
			return ""
		s = substr(line, i + length(key) + 5)
		out = ""
		while (s != "" && (c = substr(s, 1, 1)) != "\"") {
			if (c == "\\") {
				c = substr(s, 2, 1)
				s = substr(s, 3)
				if (c == "n")
					c = "\n"
				else if (c == "t")
					c = "\t"
				else if (c == "u") {
					c = "?"
					s = substr(s, 5)
				}
			} else {
				s = substr(s, 2)
			}
			out = out c
		}
		return out
	}
	FILENAME != report { wanted[$0] = 1; next }
	/^ *\{"name": / {
		verdict = field($0, "result")
		name = field($0, "name")
		if (verdict !~ verdicts || (names && !(name in wanted)))
			next
		reason = field($0, "reason")
		sub(/\n+$/, "", reason)
		gsub(/\n/, "\n        ", reason)
		if (reason == "")
			reason = "(no reason given)"
		printf "    %s %s: %s\n", toupper(verdict), name, reason
	}' report="$1" names="${3:+1}" ${3:+"$3"} "$1"
}

# expect_catalog DESCRIPTION COMMAND...: a run in JSON that must exit 0;
# otherwise names every case that failed or broke, and why.
expect_catalog() {
	what=$1
	shift
	"$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		ok
		return
	fi
	not_ok "$what: expected exit 0, got $rc ($(echo "$*" | cut -c1-160))"
	why "$tmp/out" "fail|brok" > "$tmp/why"
	if [ -s "$tmp/why" ]; then
		cat "$tmp/why"
	else
		tail -n 30 "$tmp/err"
	fi
}

# Every case of a JSON report with its verdict under each profile.
json_verdicts() {
	sed -n 's/.*\("name": "[^"]*"\).*\("result": "[a-z]*", "by_profile": {[^}]*}\).*/\1 \2/p' "$1"
}

# same_verdicts DIRECT ROUTE NAME: the verdict lists of a run through
# /proc/self/mem and of one with SEALSPEC_OBSERVE=NAME agree.  The scenario
# files of cases that differ run again both ways, once: a racy case (the
# aio ring's truncation) can differ by itself, a wrong route differs again.
same_verdicts() {
	if cmp -s "$1" "$2"; then
		ok
		return
	fi
	diff "$1" "$2" | sed -n 's/^[<>] "name": "\([^"]*\)".*/\1/p' |
		sort -u > "$tmp/differ"
	files=$(while read -r name; do
		grep -F "\"name\": \"$name\"" "$tmp/linux.json" |
			sed -n 's/.*"file": "\([^"]*\)".*/\1/p'
	done < "$tmp/differ" | sort -u)
	$s run --target kernel --profile linux --format json $files > "$tmp/again.json"
	SEALSPEC_OBSERVE=$3 $s run --target kernel --profile linux \
		--format json $files > "$tmp/again-$3.json"
	json_verdicts "$tmp/again.json" > "$tmp/again.verdicts"
	json_verdicts "$tmp/again-$3.json" > "$tmp/again-$3.verdicts"
	if [ -n "$files" ] && cmp -s "$tmp/again.verdicts" "$tmp/again-$3.verdicts"; then
		ok
		echo "note: $(tr '\n' ' ' < "$tmp/differ")differed once with SEALSPEC_OBSERVE=$3, not when run again"
	else
		not_ok "verdicts with SEALSPEC_OBSERVE=$3 differ from /proc/self/mem's, twice:"
		diff "$1" "$2" | head -n 20
	fi
}

# A number from the summary of a JSON report: json_summary FILE KEY.
json_summary() {
	sed -n "s/.*\"$2\": \([0-9]*\).*/\1/p" "$1" | head -n 1
}

verdicts() {
	b=$1
	s=$b/sealspec
	v=tests/verdict

	# Each deliberately broken case, alone, with its exit status.
	expect_exit 1 "wrong errno exits 1" $s run --target kernel $v/wrong-errno.scn
	expect_grep "$tmp/out" "FAIL  wrong-errno" "wrong errno is FAIL"
	expect_grep "$tmp/out" "step 3 (tests/verdict/wrong-errno.scn:9): munmap(a, 2p)" "FAIL names the step"
	expect_grep "$tmp/out" "expected EINVAL, got EPERM" "FAIL prints both results"
	expect_grep "$tmp/out" "seal \"SS\"" "FAIL prints the page grid"

	expect_exit 1 "wrong grid exits 1" $s run --target kernel $v/wrong-grid.scn
	expect_grep "$tmp/out" "expected seal \"S--\"" "grid FAIL prints the expected grid"
	expect_grep "$tmp/out" "observed seal \"-SS\"" "grid FAIL prints the observed grid"

	expect_exit 3 "a crash alone exits 3" $s run --target kernel $v/crash.scn
	expect_grep "$tmp/out" "BROK  crash" "a crash is BROK"
	expect_grep "$tmp/out" "SIGSEGV" "BROK names the signal"

	expect_exit 3 "a failed setup step exits 3" $s run --target kernel $v/setup-broken.scn
	expect_grep "$tmp/out" "setup step failed with EINVAL" "setup failure is BROK with the errno"

	expect_exit 0 "xfail exits 0" $s run --target kernel --profile linux $v/xfail.scn
	expect_grep "$tmp/out" "XFAIL xfail" "a known deviation is XFAIL"
	expect_exit 1 "a passing xfail exits 1" $s run --target kernel --profile linux $v/xpass.scn
	expect_grep "$tmp/out" "but passed" "a passing xfail is FAIL"

	# All together: the run goes on after a crash and a hang.
	expect_exit 1 "mixed run exits 1" $s run --target kernel --timeout 2 \
		--format json $v
	cp "$tmp/out" "$tmp/all.json"
	for pair in wrong-errno:fail wrong-grid:fail crash:brok hang:brok \
		setup-broken:brok xfail:xfail xpass:fail passes:pass; do
		name=${pair%%:*}
		want=${pair#*:}
		got=$(json_result "$tmp/all.json" "$name")
		if [ "$name" = hang ] && grep -q '"userfaultfd": ' "$tmp/all.json"; then
			want=skip
		fi
		if [ "$got" = "$want" ]; then ok; else
			not_ok "verdict of $name: expected $want, got '$got'"
		fi
	done
	expect_grep "$tmp/all.json" "timed out" "a hang is BROK with a timeout"
	got=$(json_result "$tmp/all.json" needs-pkey)
	if grep -q '"pkey": ' "$tmp/all.json"; then want=skip; else want=pass; fi
	if [ "$got" = "$want" ]; then ok; else
		not_ok "needs-pkey: expected $want, got '$got'"
	fi

	# --trace prints what every step returned.
	expect_exit 1 "trace run exits 1" $s run --target kernel --trace $v/wrong-errno.scn
	expect_grep "$tmp/out" "  1 a = mmap(0, 2p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS) = a" "the trace binds names"
	expect_grep "$tmp/out" "  3 munmap(a, 2p)" "the trace lists every step"
	expect_grep "$tmp/out" "= EPERM" "the trace shows errno names"

	# Colour only on a terminal, and never with NO_COLOR.
	if command -v script > /dev/null; then
		script -qc "$s run $v/wrong-errno.scn" /dev/null > "$tmp/tty" 2>&1
		if grep -q "$(printf '\033')\[1;31mFAIL" "$tmp/tty"; then ok; else
			not_ok "no colour on a terminal"
		fi
		NO_COLOR=1 script -qc "$s run $v/wrong-errno.scn" /dev/null > "$tmp/tty" 2>&1
		if grep -q "$(printf '\033')" "$tmp/tty"; then
			not_ok "colour despite NO_COLOR"
		else ok; fi
	fi
	if grep -q "$(printf '\033')" "$tmp/out"; then
		not_ok "colour in output that is not a terminal"
	else ok; fi
	expect_exit 1 "a file named twice runs once" $s run --timeout 2 --format json \
		$v/wrong-errno.scn ./$v/wrong-errno.scn $v/
	n=$(grep -c '"name": "wrong-errno"' "$tmp/out")
	if [ "$n" -eq 1 ]; then ok; else not_ok "a file named twice ran $n times"; fi

	# KTAP and JSON carry the same verdicts.
	expect_exit 1 "ktap run exits 1" $s run --target kernel --format ktap \
		$v/passes.scn $v/wrong-errno.scn
	expect_grep "$tmp/out" "KTAP version 1" "ktap header"
	expect_grep "$tmp/out" "1..2" "ktap plan"
	expect_grep "$tmp/out" "ok 1 passes" "ktap ok line"
	expect_grep "$tmp/out" "not ok 2 wrong-errno" "ktap not ok line"
	expect_grep "$tmp/out" "# Totals: pass:1 fail:1" "ktap totals"
	if command -v python3 > /dev/null; then
		if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' \
			"$tmp/all.json"; then ok; else
			not_ok "the JSON report does not parse"
		fi
	fi
	expect_exit 0 "list by rule" $s list --rule G7
	expect_grep "$tmp/out" "procmem-write-sealed-anon" "list --rule G7 lists the /proc/self/mem case"

	# As PID 1 (of a new PID namespace here, of an initramfs under QEMU
	# elsewhere) sealspec mounts /proc itself and runs the catalog.
	if [ "$b" = build ] && [ "$(id -u)" = 0 ] && command -v unshare > /dev/null; then
		timeout 300 unshare -fpm "$s" > "$tmp/init.out" 2>&1
		expect_grep "$tmp/init.out" "sealspec: exit status 0" "PID 1 mode runs the catalog and reports its status"
		expect_grep "$tmp/init.out" "Guideline table" "PID 1 mode prints the guideline table"
	fi

	# A kernel without mseal (a seccomp filter makes it ENOSYS): detected
	# as none, the sealing cases SKIP, the unsealed baselines still run,
	# and no rule reads as kept.
	nm=$b/tools/no-mseal
	expect_exit 0 "without mseal the run exits 0" $nm $s run --format json \
		cases/madvise-anon-ro-sealed.scn cases/madvise-anon-ro-unsealed.scn
	expect_grep "$tmp/out" '"detected_profile": "none", "mseal": false' "without mseal the profile is none"
	got=$(json_result "$tmp/out" "madvise-anon-ro-sealed[MADV_DONTNEED]")
	if [ "$got" = skip ]; then ok; else
		not_ok "without mseal a sealing case: expected skip, got '$got'"
	fi
	got=$(json_result "$tmp/out" "madvise-anon-ro-unsealed[MADV_DONTNEED]")
	if [ "$got" = pass ]; then ok; else
		not_ok "without mseal an unsealed baseline: expected pass, got '$got'"
	fi
	expect_exit 0 "without mseal, text" $nm $s run cases/madvise-anon-ro-unsealed.scn
	expect_grep "$tmp/out" "detected: none, this kernel has no mseal (mseal returned ENOSYS)" "the header says there is no mseal"
	expect_grep "$tmp/out" "detected profile none" "the guideline table says none"
	if grep -E "^G2 .* pass" "$tmp/out" > /dev/null; then
		not_ok "without mseal the guideline table shows G2 as pass"
	else ok; fi

	expect_exit 2 "a syntax error exits 2" $s run --target kernel tests/syntax/bad-call.scn
	expect_grep "$tmp/err" "tests/syntax/bad-call.scn:5:" "a syntax error names file:line"
	expect_exit 2 "an unknown profile exits 2" $s run --profile linux-5.4 tests/verdict/passes.scn
	expect_exit 2 "an unknown rule exits 2" $s list --rule G9
	expect_exit 2 "an unknown format exits 2" $s run --format xml tests/verdict/passes.scn
	expect_exit 2 "a timeout that is not a number exits 2" $s run --timeout nan tests/verdict/passes.scn
	expect_exit 2 "the model target is not there yet: exit 2" $s run --target model tests/verdict/passes.scn
	mkdir -p "$tmp/empty"
	expect_exit 2 "a directory without scenarios exits 2" $s run "$tmp/empty"
	expect_grep "$tmp/err" "no scenario to run" "an empty run says so"
	expect_exit 2 "a rule filter matching nothing exits 2" $s run --rule G3a tests/verdict/passes.scn
}

# The profiles command prints the model's switch table, and the example
# program builds with one line against the library and runs.
model_cli() {
	b=$1
	s=$b/sealspec

	expect_exit 0 "profiles" $s profiles
	expect_grep "$tmp/out" "linux-6.10  6.10.7 to 6.11." "profiles keeps the profile descriptions"
	if grep -Eq '^special-is-anon +- +on +on +-$' "$tmp/out"; then ok; else
		not_ok "profiles: no row 'special-is-anon - on on -' (linux linux-6.12 linux-6.10 guidelines)"
		grep -E '^(switch|special)' "$tmp/out"
	fi
	expect_grep "$tmp/out" "source  4a2dd02b0916 (mprotect_fixup)" "profiles names the commit behind a switch"

	# The sanitizer build's library needs its runtime: the plain one only.
	[ "$b" = build ] || return 0
	if ${CC:-cc} -Iinclude -o "$tmp/demo" examples/model-demo.c "$b/libsealspec.a"; then ok; else
		not_ok "examples/model-demo.c does not build with one cc line"
		return
	fi
	expect_exit 0 "model-demo runs" "$tmp/demo"
	expect_grep "$tmp/out" "profile guidelines" "model-demo runs every profile"
	expect_grep "$tmp/out" "munmap(a, 4p)                        = EPERM" "model-demo: munmap of sealed pages"
	expect_grep "$tmp/out" 'prot "r- rw r- r-" seal "-SSS" vmas "abcc" data "A0CD"' "model-demo: linux applied mprotect to page 0"
	expect_grep "$tmp/out" 'prot "rw rw r- r-" seal "-SSS" vmas "abcc" data "A0CD"' "model-demo: linux-6.10 applied nothing"
}

# The catalog with each SEALSPEC_OBSERVE route, against $tmp/linux.json.
data_routes() {
	json_verdicts "$tmp/linux.json" > "$tmp/direct.verdicts"
	for route in ptrace blind; do
		SEALSPEC_OBSERVE=$route $s run --target kernel --profile linux \
			--format json > "$tmp/$route.json"
		expect_grep "$tmp/$route.json" "\"data_route\": \"$route\", \"data_route_forced\": true" \
			"SEALSPEC_OBSERVE=$route takes that route"
		json_verdicts "$tmp/$route.json" > "$tmp/$route.verdicts"
		n=$(wc -l < "$tmp/$route.verdicts")
		if [ "$n" -gt 800 ]; then ok; else
			not_ok "SEALSPEC_OBSERVE=$route: $n verdicts in the JSON report"
		fi
		same_verdicts "$tmp/direct.verdicts" "$tmp/$route.verdicts" $route
	done
	n=$(json_summary "$tmp/ptrace.json" unobservable_cells)
	if [ "$n" = 0 ]; then ok; else
		not_ok "the ptrace route left '$n' data cells unobservable"
	fi
	n=$(json_summary "$tmp/blind.json" unobservable_cases)
	if [ "${n:-0}" -ge 50 ]; then ok; else
		not_ok "SEALSPEC_OBSERVE=blind: '$n' cases with unobservable cells, expected the 50-odd that read PROT_NONE pages"
	fi
	expect_grep "$tmp/blind.json" '"name": "madvise-anon-none-sealed[MADV_DONTNEED]", "file": "cases/madvise-anon-none-sealed.scn", "rules": ["G2", "G6", "G6a"], "target": "kernel", "result": "pass", "by_profile": {"linux": "pass", "linux-6.12": "pass", "linux-6.10": "pass", "guidelines": "pass"}, "unobservable": 2' \
		"a PROT_NONE data grid is unobservable and passes under SEALSPEC_OBSERVE=blind"
	SEALSPEC_OBSERVE=blind $s run --target kernel --verbose \
		cases/madvise-anon-none-sealed.scn > "$tmp/blind.txt"
	expect_grep "$tmp/blind.txt" 'unobservable: 2 data cells accepted unseen, first at step 8 (cases/madvise-anon-none-sealed.scn:47): expected data "AB", observed "~~"' \
		"--verbose shows the unobservable cells"
	expect_grep "$tmp/blind.txt" "UNOBSERVABLE  50 data cells in 25 cases" \
		"the text report counts unobservable cells"
	expect_grep "$tmp/blind.txt" "contents of unreadable pages: blind: SEALSPEC_OBSERVE=blind" \
		"the text report names the forced route"
}

catalog() {
	b=$1
	s=$b/sealspec

	expect_exit 0 "every catalog file is in canonical form" $s fmt --check cases/*.scn
	expect_exit 0 "every verdict test is in canonical form" $s fmt --check tests/verdict/*.scn

	# On this kernel the catalog passes under the detected profile, linux.
	expect_catalog "catalog on the kernel under linux" \
		$s run --target kernel --profile linux --format json
	cp "$tmp/out" "$tmp/linux.json"
	n=$(grep -c '"result": "pass"' "$tmp/linux.json")
	sk=$(grep -c '"result": "skip"' "$tmp/linux.json")
	skipped=$((skipped + sk))
	echo "catalog ($b): $n cases pass under linux, $sk skipped"
	grep '"result": "skip"' "$tmp/linux.json" | grep -v '"G2b"' |
		while read -r line; do echo "unexpected skip: $line"; done
	bad=$(grep '"result": "skip"' "$tmp/linux.json" | grep -vc '"G2b"')
	if [ "$bad" -eq 0 ]; then ok; else
		not_ok "only pkey (G2b) scenarios may skip; $bad others did"
	fi

	# Where the kernel refuses /proc/self/mem FOLL_FORCE (Debian's 7.2,
	# CONFIG_PROC_MEM_FORCE_PTRACE), a tracer reads the pages the process
	# may not read: the same verdicts, nothing unobservable.  Where nobody
	# may, those cells are unobservable, and still nothing fails.  In the
	# sanitized build test_kernel covers the same code, for much less
	# than two more catalog runs there.
	if [ "$b" = build ]; then
		data_routes
	fi

	# Under the guidelines the kernel fails exactly the known deviations.
	$s run --target kernel --profile guidelines --format json > "$tmp/gl.json"
	# A broken case is broken under every profile: none may be BROK.
	for prof in guidelines linux-6.12 linux-6.10; do
		$s run --target kernel --profile $prof --format json > "$tmp/p.json"
		nb=$(grep -c '"result": "brok"' "$tmp/p.json")
		if [ "$nb" -eq 0 ]; then ok; else
			not_ok "$nb cases are BROK under --profile $prof"
			why "$tmp/p.json" brok
		fi
	done
	grep '"result": "fail"' "$tmp/gl.json" |
		sed -n 's/.*"name": "\([^"]*\)".*/\1/p' | sort > "$tmp/gl.fails"
	sort tests/guidelines-deviations.txt | grep -v '^#' > "$tmp/gl.want"
	if cmp -s "$tmp/gl.fails" "$tmp/gl.want"; then ok; else
		not_ok "cases failing under guidelines differ from tests/guidelines-deviations.txt:"
		diff "$tmp/gl.want" "$tmp/gl.fails" | head -n 40
		comm -13 "$tmp/gl.want" "$tmp/gl.fails" > "$tmp/gl.new"
		if [ -s "$tmp/gl.new" ]; then
			echo "  why the cases not in the list failed:"
			why "$tmp/gl.json" fail "$tmp/gl.new"
		fi
	fi
	$s run --target kernel --profile guidelines > "$tmp/gl.txt"
	for rule in G2a G7; do
		if grep -E "^$rule +[0-9]+ +[0-9]+ +FAIL" "$tmp/gl.txt" > /dev/null; then ok; else
			not_ok "the guideline table does not show $rule failing under guidelines"
		fi
	done
}

# make matrix's report from hand-trimmed runs (tests/matrix/runs: no QEMU,
# no network): the tables, a known kernel bug, a report found in a console
# log among kernel messages, an old report, a boot that failed.
matrix_report() {
	if ! command -v python3 > /dev/null; then
		echo "matrix report: no python3, not checked"
		skipped=$((skipped + 1))
		return
	fi
	m=$tmp/matrix
	expect_exit 0 "matrix-report.py on tests/matrix/runs" python3 tools/matrix-report.py \
		--out "$m" --known-bugs tests/matrix/known-kernel-bugs.tsv tests/matrix/runs
	cp "$tmp/out" "$m/terminal.txt"
	expect_grep "$m/terminal.txt" "BOOT FAILED 7.2.13+deb14-cloud-amd64 pku: timed out after 600 s" "a failed boot on the terminal"
	expect_grep "$m/terminal.txt" "mseal-partly-sealed-range  [kernel bug, fixed by mm/mseal: update VMA end correctly on merge" "a known bug on the terminal"
	expect_grep "$m/matrix.md" "| 6.17.13+deb13-cloud-amd64 | plain | 6.17.13-1~bpo13+1 | linux | 2 | 1 | 1 | 1 | 0 | 2/1/1/0 |" "matrix.md: a kernel row with a known bug"
	expect_grep "$m/matrix.md" "| 6.12.118+deb13-cloud-amd64 | pku | 6.12.118-1 | linux-6.12 | 2 | 1 | 0 | 0 | 0 | 1/2/0/0 |" "matrix.md: a row from a console log"
	expect_grep "$m/matrix.md" "| 6.1.0-57-cloud-amd64 | plain | 6.1.192-3 | no mseal (judged as linux) | 0 | 1 | 0 | 1 | 0 | ? |" "matrix.md: no mseal, an old report"
	expect_grep "$m/matrix.md" "| 7.2.13+deb14-cloud-amd64 | pku | 7.2.13-1 | boot failed |" "matrix.md: a failed boot's row"
	expect_grep "$m/matrix.md" "| G5 |  |  | FAIL 1 |" "matrix.md: rule x kernel verdicts"
	expect_grep "$m/matrix.md" "- G7 (1): \`procmem-write-sealed-anon[ro-sealed]\`" "matrix.md: deviations from the guidelines"
	expect_grep "$m/matrix.md" "**FAIL** \`mseal-partly-sealed-range\`: **kernel bug, fixed by mm/mseal: update VMA end correctly on merge" "matrix.md: the known bug"
	expect_grep "$m/matrix.md" "### 7.2.13+deb14-cloud-amd64 pku: timed out after 600 s" "matrix.md: the failed boot"
	expect_grep "$m/matrix.md" "[  600.000000] sysrq: Show State" "matrix.md: the failed boot's console"
	# The second line of the list is for 6.12 up to 6.12.50 only.
	if grep -qxF "**FAIL** \`process-madvise-anon-ro-sealed[MADV_NORMAL]\`" "$m/matrix.md"; then ok; else
		not_ok "matrix.md: a known bug out of its release range is not plain FAIL"
	fi
	expect_grep "$m/matrix.html" "<td>6.17.13+deb13-cloud-amd64</td><td>plain</td>" "matrix.html: a kernel row"
	expect_grep "$m/matrix.html" "kernel bug, fixed by mm/mseal: update VMA end correctly on merge" "matrix.html: the known bug"
	expect_grep "$m/matrix.html" "timed out after 600 s" "matrix.html: the failed boot"
	if grep -qiE '<script|<link|src=' "$m/matrix.html"; then
		not_ok "matrix.html is not self-contained"
	else ok; fi

	# --extract: the console among kernel messages, or the second port.
	cp -r tests/matrix/runs/6.12.118+deb13-cloud-amd64-pku "$m/run"
	expect_exit 0 "matrix-report.py --extract from a console" \
		python3 tools/matrix-report.py --extract "$m/run"
	expect_grep "$tmp/out" "linux-6.12: pass 2 fail 1 skip 0 brok 0, guidelines fail 2 (from the console)" "--extract counts"
	mv "$m/run/report.json" "$m/run/ttyS1.log"
	printf 'sealspec: exit status 1\r\n' > "$m/run/console.log"
	expect_exit 0 "matrix-report.py --extract from ttyS1" \
		python3 tools/matrix-report.py --extract "$m/run"
	if grep -q "from the console" "$tmp/out"; then
		not_ok "--extract did not take the report from ttyS1.log"
	else ok; fi
	expect_exit 1 "matrix-report.py --extract without a report" \
		python3 tools/matrix-report.py --extract tests/matrix/runs/7.2.13+deb14-cloud-amd64-pku
}

. tests/runner-hostile.sh

for b in "$@"; do
	echo "== $b"
	for t in "$b"/tests/*; do
		unit "$t"
	done
	verdicts "$b"
	model_cli "$b"
	catalog "$b"
	runner_hostile "$b"
done
matrix_report

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
