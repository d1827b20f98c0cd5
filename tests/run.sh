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

# Every JSON report the suite produces is kept here and checked against
# docs/report.schema.json at the end (check_json_reports).
njson=0
keep_json() {
	njson=$((njson + 1))
	mkdir -p "$tmp/json"
	cp "$1" "$tmp/json/$njson.json"
	echo "$njson: $2" >> "$tmp/json/index"
}

# expect_exit WANT DESCRIPTION COMMAND...: runs COMMAND, checks its status.
# Output of "--format json" is kept for the schema check.
expect_exit() {
	want=$1
	what=$2
	shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	prev=
	for a in "$@"; do
		if [ "$prev" = --format ] && [ "$a" = json ]; then
			keep_json "$tmp/out" "$what"
		elif [ "$prev" = --json-out ] && [ -f "$a" ]; then
			keep_json "$a" "$what (--json-out)"
		fi
		prev=$a
	done
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
		sed -n 's/.*"target": "[a-z]*", "result": "\([a-z]*\)".*/\1/p' |
		head -n 1
}

# "pass=P fail=F skip=S xfail=X brok=B": what the KTAP report of the run
# whose JSON report is $1 must count.
json_counts() {
	python3 tests/tools/check-json.py --counts "$1"
}

# Every kept JSON report against docs/report.schema.json and the rules a
# schema cannot state; and the checker itself must reject a missing, an
# extra and a mistyped field.
check_json_reports() {
	if ! command -v python3 > /dev/null; then
		not_ok "python3 is missing: the JSON reports were not checked"
		return
	fi
	python3 tests/tools/check-json.py "$tmp"/json/*.json > "$tmp/cj.out" 2>&1
	nbad=$(grep -c '^check-json: ' "$tmp/cj.out")
	passed=$((passed + njson - nbad))
	if [ "$nbad" -gt 0 ]; then
		failed=$((failed + nbad))
		echo "not ok: $nbad JSON report(s) do not match docs/report.schema.json:"
		sed 's/^/    /' "$tmp/cj.out" | head -n 20
		echo "    (which run made each: $tmp/json/index)"
	fi
	echo "JSON reports checked against the schema: $njson"
	if python3 tests/tools/check-json.py --self-test "$tmp/json/1.json" > "$tmp/cj.out" 2>&1; then
		ok
	else
		not_ok "check-json.py accepts a broken report:"
		cat "$tmp/cj.out"
	fi
	rm -rf "$tmp/json"
	njson=0
}

# ktap_conforms KTAP JSON WHAT: the KTAP report passes our strict reader
# (tests/tools/ktap-check) and its counts are those of the JSON report of
# the same run (run --format ktap --json-out JSON); Perl's TAP::Parser
# (prove) reads it as failing exactly when the run has a FAIL or a BROK.
ktap_conforms() {
	if ! got=$("$b/tools/ktap-check" "$1" 2> "$tmp/kc.err"); then
		not_ok "$3: ktap-check rejects the KTAP report:"
		head -n 10 "$tmp/kc.err"
		return
	fi
	ok
	want=$(json_counts "$2")
	if [ "$got" = "$want" ]; then ok; else
		not_ok "$3: KTAP counts '$got', JSON counts '$want'"
	fi
	if command -v prove > /dev/null; then
		prove -e cat "$1" > "$tmp/prove.out" 2>&1
		prc=$?
		case $want in
		*" fail=0 "*" brok=0") pwant=0 ;;
		*) pwant=1 ;;
		esac
		if [ "$pwant" -eq 0 ] && [ "$prc" -eq 0 ]; then ok
		elif [ "$pwant" -eq 1 ] && [ "$prc" -ne 0 ] &&
			! grep -q "All tests successful" "$tmp/prove.out"; then ok
		else
			not_ok "$3: prove exited $prc on a run with $want"
			tail -n 8 "$tmp/prove.out"
		fi
	fi
}

# no_raw_text FILE WHAT: text output with no control character but the
# line ends, and valid UTF-8.
no_raw_text() {
	if LC_ALL=C tr -d '\n' < "$1" | LC_ALL=C grep -q '[[:cntrl:]]'; then
		not_ok "$2: a raw control character in the output"
		LC_ALL=C grep -n '[[:cntrl:]]' "$1" | head -n 5 | od -c | head -n 10
	else ok; fi
	if iconv -f UTF-8 -t UTF-8 "$1" > /dev/null 2>&1; then ok; else
		not_ok "$2: the output is not valid UTF-8"
	fi
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

	expect_exit 1 "the wrong signal exits 1" $s run --target kernel $v/wrong-signal.scn
	expect_grep "$tmp/out" "expected fault(SIGBUS), got fault (SIGSEGV at a)" "a signal FAIL names both signals"

	expect_exit 1 "a failing [G2a] step exits 1" $s run --target kernel $v/step-rule.scn
	expect_grep "$tmp/out" "G1        1     0  pass       pass" "a failure is not charged to a rule whose steps matched"
	expect_grep "$tmp/out" "G2a       1     0  FAIL 1     FAIL 1" "a failure is charged to the failing step's rule"

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
	for pair in wrong-errno:fail wrong-grid:fail wrong-signal:fail step-rule:fail \
		crash:brok hang:brok \
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
		# TERM is set here: CI may run the suite with none.
		TERM=xterm script -qc "$s run $v/wrong-errno.scn" /dev/null > "$tmp/tty" 2>&1
		if grep -q "$(printf '\033')\[1;31mFAIL" "$tmp/tty"; then ok; else
			not_ok "no colour on a terminal (TERM=xterm)"
		fi
		TERM=xterm NO_COLOR=1 script -qc "$s run $v/wrong-errno.scn" /dev/null > "$tmp/tty" 2>&1
		if grep -q "$(printf '\033')" "$tmp/tty"; then
			not_ok "colour despite NO_COLOR"
		else ok; fi
		# A terminal that cannot show colour, or says nothing of itself.
		for term in dumb "" unset; do
			if [ "$term" = unset ]; then
				env -u TERM script -qc "$s run $v/wrong-errno.scn" /dev/null > "$tmp/tty" 2>&1
			else
				TERM=$term script -qc "$s run $v/wrong-errno.scn" /dev/null > "$tmp/tty" 2>&1
			fi
			if grep -q "$(printf '\033')" "$tmp/tty"; then
				not_ok "colour with TERM=$term"
			elif grep -q "FAIL  wrong-errno" "$tmp/tty"; then ok
			else
				not_ok "TERM=$term: no report on the terminal"
			fi
		done
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
		--json-out "$tmp/two.json" $v/passes.scn $v/wrong-errno.scn
	cp "$tmp/out" "$tmp/two.ktap"
	ktap_conforms "$tmp/two.ktap" "$tmp/two.json" "a pass and a fail"
	expect_grep "$tmp/out" "KTAP version 1" "ktap header"
	expect_grep "$tmp/out" "1..2" "ktap plan"
	expect_grep "$tmp/out" "ok 1 passes" "ktap ok line"
	expect_grep "$tmp/out" "not ok 2 wrong-errno" "ktap not ok line"
	expect_grep "$tmp/out" "# Totals: pass:1 fail:1" "ktap totals"

	# Every result as KTAP v1 writes it: BROK is ERROR (TIMEOUT for a
	# hang), XFAIL as kselftest writes it, read right by ktap-check and
	# prove.
	expect_exit 1 "mixed ktap run exits 1" $s run --target kernel --timeout 2 \
		--format ktap --json-out "$tmp/all-k.json" $v
	cp "$tmp/out" "$tmp/all.ktap"
	expect_grep "$tmp/all.ktap" "not ok 1 crash # ERROR child killed by SIGSEGV" "a crash is ERROR"
	if grep -q '"userfaultfd": ' "$tmp/all.json"; then ok; else
		expect_grep "$tmp/all.ktap" "not ok 2 hang # TIMEOUT timed out after 2 s" "a hang is TIMEOUT"
	fi
	expect_grep "$tmp/all.ktap" "ok 10 xfail # XFAIL expected failure" "an xfail is ok # XFAIL"
	if grep -q "BROK" "$tmp/all.ktap"; then
		not_ok "the KTAP report still writes a BROK directive"
	else ok; fi
	ktap_conforms "$tmp/all.ktap" "$tmp/all-k.json" "the mixed run"
	for k in tests/ktap/good-*.ktap; do
		if "$b/tools/ktap-check" "$k" > /dev/null 2> "$tmp/kc.err"; then ok; else
			not_ok "ktap-check rejects $k: $(head -n 3 "$tmp/kc.err")"
		fi
	done
	for k in tests/ktap/bad-*.ktap; do
		if "$b/tools/ktap-check" "$k" > /dev/null 2>&1; then
			not_ok "ktap-check accepts $k"
		else ok; fi
	done
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

	# --json-out writes the JSON of the same run beside the report.
	expect_exit 1 "--json-out beside text" $s run --json-out "$tmp/jo.json" $v/wrong-errno.scn
	expect_grep "$tmp/jo.json" '"name": "wrong-errno"' "--json-out writes the JSON report"
	expect_exit 3 "--json-out to a full disk exits 3" $s run --json-out /dev/full $v/passes.scn
	expect_grep "$tmp/err" "--json-out /dev/full: No space left on device" "--json-out says it could not write"

	# A report that cannot be written is not a success: exit 3, and say so.
	for args in "run $v/passes.scn" "run --format json $v/passes.scn" \
		"run --format ktap $v/wrong-errno.scn" "list" "profiles" \
		"run --help" "--help"; do
		# shellcheck disable=SC2086
		$s $args > /dev/full 2> "$tmp/err"
		rc=$?
		if [ "$rc" -eq 3 ] && grep -q "writing to standard output failed: No space left on device" "$tmp/err"; then
			ok
		else
			not_ok "sealspec $args > /dev/full: expected exit 3 and a message, got $rc: $(cat "$tmp/err")"
		fi
	done

	# Every command takes --help and -h: usage on stdout, exit 0.  A usage
	# error: usage on stderr, nothing on stdout, exit 2.
	for cmd in run list fmt profiles; do
		for opt in --help -h; do
			expect_exit 0 "$cmd $opt exits 0" $s $cmd $opt
			expect_grep "$tmp/out" "usage: sealspec $cmd" "$cmd $opt prints its usage on stdout"
		done
		expect_exit 2 "$cmd with an unknown option exits 2" $s $cmd --no-such-option
		expect_grep "$tmp/err" "usage: sealspec $cmd" "$cmd: a usage error prints the usage on stderr"
		if [ -s "$tmp/out" ]; then
			not_ok "$cmd: a usage error wrote to stdout"
		else ok; fi
	done
	for args in --help -h help; do
		expect_exit 0 "sealspec $args exits 0" $s $args
		expect_grep "$tmp/out" "usage: sealspec COMMAND" "sealspec $args prints the usage on stdout"
	done
	expect_exit 2 "fmt without a file exits 2" $s fmt --check
	expect_exit 2 "profiles takes no argument" $s profiles extra
	expect_exit 2 "no command exits 2" $s
	expect_grep "$tmp/err" "usage: sealspec COMMAND" "no command prints the usage on stderr"
	expect_exit 2 "an unknown command exits 2" $s no-such-command

	# When the kernel probe fails (here no process can be made), there is
	# still a report in the format asked for, saying so; exit 3.
	nf="env ASAN_OPTIONS=detect_leaks=0 $b/tools/no-fork"
	for fmt in text ktap json; do
		expect_exit 3 "a failed probe exits 3 ($fmt)" $nf $s run --format $fmt \
			--json-out "$tmp/noprobe-$fmt.json" $v/passes.scn
		expect_grep "$tmp/out" "probing the kernel failed: Resource temporarily unavailable" "a failed probe is in the $fmt report"
		cp "$tmp/out" "$tmp/noprobe.$fmt"
	done
	expect_grep "$tmp/noprobe.json" '"probed": false' "the JSON report says the kernel was not probed"
	expect_grep "$tmp/noprobe.ktap" "not ok 1 [environment] # ERROR probing the kernel failed" "a failed probe is a KTAP ERROR"
	ktap_conforms "$tmp/noprobe.ktap" "$tmp/noprobe-ktap.json" "a failed probe"
	expect_exit 3 "a failed probe under --profile exits 3" $nf $s run --format json --profile linux $v/passes.scn

	expect_exit 2 "a syntax error exits 2" $s run --target kernel tests/syntax/bad-call.scn
	expect_grep "$tmp/err" "tests/syntax/bad-call.scn:5:" "a syntax error names file:line"
	expect_exit 2 "an unknown profile exits 2" $s run --profile linux-5.4 tests/verdict/passes.scn
	expect_exit 2 "an unknown rule exits 2" $s list --rule G9
	expect_exit 2 "an unknown format exits 2" $s run --format xml tests/verdict/passes.scn
	expect_exit 2 "a timeout that is not a number exits 2" $s run --timeout nan tests/verdict/passes.scn
	expect_exit 2 "an unknown target exits 2" $s run --target qemu tests/verdict/passes.scn
	expect_grep "$tmp/err" "unknown target 'qemu'; targets are kernel, model, both" "an unknown target is named"
	mkdir -p "$tmp/empty"
	expect_exit 2 "a directory without scenarios exits 2" $s run "$tmp/empty"
	expect_grep "$tmp/err" "no scenario to run" "an empty run says so"
	expect_exit 2 "a rule filter matching nothing exits 2" $s run --rule G3a tests/verdict/passes.scn
}

# Hostile inputs (tests/hostile/, and copies of them under hostile file
# names): each run goes through tests/tools/contain, which fails the check
# (exit 125) when a process of the run or a SysV segment is left behind.
hostile() {
	b=$1
	s=$b/sealspec
	h=tests/hostile
	c="sh tests/tools/contain"
	d=$tmp/hostile
	rm -rf "$d"
	mkdir -p "$d/d1" "$d/d2" "$d/long"

	# contain itself sees what is left behind.
	expect_exit 125 "contain sees a process left behind" $c sh -c 'sleep 30 & exit 0'
	if command -v ipcmk > /dev/null; then
		expect_exit 125 "contain sees a SysV segment left behind" $c ipcmk -M 4096
	fi

	# A crash and a hung fork child, both holding SysV segments: BROK, and
	# nothing of them outlives the run.
	expect_exit 3 "a crash and a hang holding segments exit 3" $c $s run --timeout 1 \
		--format json $h/shm-crash.scn $h/fork-hang.scn
	got=$(json_result "$tmp/out" shm-crash)
	if [ "$got" = brok ]; then ok; else not_ok "shm-crash: expected brok, got '$got'"; fi
	got=$(json_result "$tmp/out" fork-hang)
	if [ "$got" = brok ] || { [ "$got" = skip ] && grep -q '"userfaultfd": ' "$tmp/out"; }; then ok; else
		not_ok "fork-hang: expected brok, got '$got'"
	fi

	# Rows that start alike and a row whose cell reads like their names.
	expect_exit 0 "rows with colliding names run" $c $s run --format json $h/row-names.scn
	for name in 'row-names[x,1]' 'row-names[x,2]' 'row-names[x%2C2]' 'row-names[x,4]'; do
		expect_grep "$tmp/out" "\"name\": \"$name\"" "a distinct row name"
	done

	# The same base name in two directories: each is qualified.
	cp $h/failing.scn "$d/d1/same.scn"
	cp $h/failing.scn "$d/d2/same.scn"
	expect_exit 1 "two files named same run" $c $s run --format json "$d/d1/same.scn" "$d/d2/same.scn"
	expect_grep "$tmp/out" '"name": "d1/same"' "the first same is d1/same"
	expect_grep "$tmp/out" '"name": "d2/same"' "the second same is d2/same"

	# Names cut at their maximum length may still collide: exit 2 with
	# both places, nothing run.
	long=$(printf '%090d' 0 | tr 0 '#')
	cp $h/failing.scn "$d/long/${long}a.scn"
	cp $h/failing.scn "$d/long/${long}b.scn"
	expect_exit 2 "a duplicate case name exits 2" $c $s run "$d/long"
	expect_grep "$tmp/err" "b.scn:1:1: the case name" "a duplicate name is reported at file:line:col"
	expect_grep "$tmp/err" "a.scn:1; case names must be unique" "a duplicate name names the other place"
	if grep -q "Guideline table" "$tmp/out"; then
		not_ok "a run with duplicate case names printed a report"
	else ok; fi

	# Names that try to forge KTAP: cells with "# TODO", "# SKIP", and
	# file names with a newline and a forged "ok" line, a '#', an escape
	# sequence and invalid UTF-8.  Every case fails, and every reader
	# must say so.
	cp $h/failing.scn "$d/$(printf 'nl\nok 2 forged')".scn
	cp $h/failing.scn "$d/hash # SKIP.scn"
	cp $h/failing.scn "$d/$(printf 'esc\033[2J\033]0;title\007')".scn
	cp $h/failing.scn "$d/$(printf 'bad\377\300utf8')".scn
	cp $h/hash-in-cell.scn "$d/"
	for fmt in json ktap text; do
		expect_exit 1 "hostile names, $fmt, exit 1" $c $s run --format $fmt \
			--json-out "$tmp/hostile-$fmt.json" "$d"
		cp "$tmp/out" "$tmp/hostile.$fmt"
	done
	ktap_conforms "$tmp/hostile.ktap" "$tmp/hostile-ktap.json" "hostile names"
	if grep -E '^(not )?ok [0-9]+ .*#' "$tmp/hostile.ktap" > "$tmp/hashes"; then
		not_ok "a '#' in a KTAP result line:"
		cat "$tmp/hashes"
	else ok; fi
	expect_grep "$tmp/hostile.ktap" "not ok 4 hash-in-cell[x%20%23%20TODO]" "a cell's '#' is escaped in KTAP"
	expect_grep "$tmp/hostile.ktap" "nl%0Aok%202%20forged" "a file name's newline is escaped in KTAP"
	expect_grep "$tmp/hostile.text" "FAIL  nl%0Aok%202%20forged  (" "a file name's newline is escaped in text"
	expect_grep "$tmp/hostile.text" "\x0Aok 2 forged.scn" "a file path's newline is \\xNN in text"
	for fmt in ktap text; do
		no_raw_text "$tmp/hostile.$fmt" "hostile names, $fmt"
	done

	# --trace prints the same bytes on every run: ids by their binding
	# (or "<IPC id>"), addresses by name, arena or "<outside the arena>".
	tc="$h/trace-ids.scn cases/shm-detach-sealed.scn cases/shm-remap-over-sealed.scn
		cases/mremap-duplicate.scn cases/exec-drops-seals.scn
		cases/fork-child-inherits-seals.scn cases/brk-grow-after-sealed-top.scn
		cases/msync-sealed-shared-memfd.scn cases/mmap-fixed-over-sealed.scn"
	# shellcheck disable=SC2086
	expect_exit 0 "a trace run" $c $s run --trace $tc
	cp "$tmp/out" "$tmp/trace1"
	# shellcheck disable=SC2086
	expect_exit 0 "the same trace run again" $c $s run --trace $tc
	if cmp -s "$tmp/trace1" "$tmp/out"; then ok; else
		not_ok "two runs of --trace differ:"
		diff "$tmp/trace1" "$tmp/out" | head -n 20
	fi
	expect_grep "$tmp/out" "2 id = shmget(2p)                              = id" "an IPC id prints as its binding"
	expect_grep "$tmp/out" "1 shmget(1p)                                   = <IPC id>" "an unbound IPC id prints as <IPC id>"
	expect_grep "$tmp/out" "mremap(a, 0, 2p, MREMAP_MAYMOVE)             = <outside the arena>" "a kernel-placed address prints symbolically"
}

# run --trace --format json: each case's trace as a "steps" object, which
# check_json_reports validates (schema, then check-json.py's check_steps);
# the same bytes on a second run (addresses relative to the arena, VMA and
# file numbers renumbered); the checker refuses a broken steps object.
trace_json() {
	b=$1
	s=$b/sealspec
	tj="cases/fork-child-inherits-seals.scn cases/msync-sealed-shared-memfd.scn
		cases/guard-install-remove-sealed-anon-rw.scn"

	# shellcheck disable=SC2086
	expect_exit 0 "--trace --format json" $s run --trace --format json $tj
	cp "$tmp/out" "$tmp/steps1.json"
	expect_grep "$tmp/out" '"steps": {"end": "done", "timed_out": false' "--trace --format json gives each case its steps"
	expect_grep "$tmp/out" '"kind": "ret", "ret": -1, "errno": "EPERM"}' "steps: an errno by number and name"
	expect_grep "$tmp/out" '"backing": "file", "pgoff": 0, "vma": 1, "file": 1,' "steps: a memfd page, renumbered"
	# shellcheck disable=SC2086
	expect_exit 0 "--trace --format json again" $s run --trace --format json $tj
	if cmp -s "$tmp/steps1.json" "$tmp/out"; then ok; else
		not_ok "two runs of --trace --format json differ:"
		diff "$tmp/steps1.json" "$tmp/out" | head -n 20
	fi
	if command -v python3 > /dev/null &&
	   python3 tests/tools/check-json.py --self-test "$tmp/steps1.json" > "$tmp/cj.out" 2>&1; then
		ok
	else
		not_ok "check-json.py accepts a broken steps object:"
		cat "$tmp/cj.out"
	fi
	# shellcheck disable=SC2086
	expect_exit 0 "--trace --format json on the model" $s run --target model --trace --format json $tj
	expect_grep "$tmp/out" '"steps": {"end": "done"' "the model's steps"
	# --target both: the model's lockstep run beside the kernel's, and
	# for these cases (which agree) outcomes of the same kinds and errnos
	# (descriptors and VMA numbers may differ: ms_trace_diff compares them
	# by success and as partitions).
	# shellcheck disable=SC2086
	expect_exit 0 "--trace --format json on both targets" $s run --target both --trace --format json $tj
	if python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
for c in r["cases"]:
    k, m = c["steps"]["outcomes"], c["model"]["steps"]["outcomes"]
    if c["model"]["result"] != "agree" or len(k) != len(m) or \
       [o["kind"] for o in k] != [o["kind"] for o in m] or \
       [o.get("errno") for o in k] != [o.get("errno") for o in m]:
        sys.exit("%s: model.steps do not match steps" % c["name"])
' "$tmp/out"; then ok; else not_ok "--target both: model.steps beside steps"; fi
	# shellcheck disable=SC2086
	expect_exit 0 "--trace --json-out" $s run --trace --format ktap --json-out "$tmp/steps2.json" $tj
	expect_grep "$tmp/steps2.json" '"steps": {"end": "done"' "--json-out has the steps too"
	# shellcheck disable=SC2086
	expect_exit 0 "--format json without --trace" $s run --format json $tj
	if grep -q '"steps":' "$tmp/out"; then
		not_ok "steps without --trace"
	else ok; fi
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
	expect_exit 0 "every hostile input is in canonical form" $s fmt --check tests/hostile/*.scn

	# On this kernel the catalog passes under the detected profile, linux.
	expect_catalog "catalog on the kernel under linux" \
		$s run --target kernel --profile linux --format json
	cp "$tmp/out" "$tmp/linux.json"
	keep_json "$tmp/linux.json" "the catalog under linux"
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
	keep_json "$tmp/gl.json" "the catalog under guidelines"
	# Per rule: the chosen profile, the guidelines and the detected one,
	# even when the chosen profile is the guidelines.
	expect_grep "$tmp/gl.json" '"chosen": {"profile": "guidelines", "verdict": "fail"' "summary.rules gives the chosen profile"
	expect_grep "$tmp/gl.json" '"detected": {"profile": "linux", "verdict": "pass"' "summary.rules gives the detected profile under --profile guidelines"
	# A broken case is broken under every profile: none may be BROK.
	for prof in guidelines linux-6.12 linux-6.10; do
		$s run --target kernel --profile $prof --format json > "$tmp/p.json"
		keep_json "$tmp/p.json" "the catalog under $prof"
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
	$s run --target kernel --profile guidelines --format ktap \
		--json-out "$tmp/gl-k.json" > "$tmp/gl.ktap"
	keep_json "$tmp/gl-k.json" "the catalog under guidelines (--json-out)"
	ktap_conforms "$tmp/gl.ktap" "$tmp/gl-k.json" "the catalog under guidelines"
	$s run --target kernel --profile guidelines > "$tmp/gl.txt"
	for rule in G2a G7; do
		if grep -E "^$rule +[0-9]+ +[0-9]+ +FAIL" "$tmp/gl.txt" > /dev/null; then ok; else
			not_ok "the guideline table does not show $rule failing under guidelines"
		fi
	done
}

# The catalog on the model under every profile, and beside the kernel.
model_catalog() {
	b=$1
	s=$b/sealspec

	for prof in linux linux-6.12 linux-6.10 guidelines; do
		expect_catalog "catalog on the model under $prof" \
			$s run --target model --profile $prof --format json
		cp "$tmp/out" "$tmp/m.json"
		keep_json "$tmp/m.json" "the catalog on the model under $prof"
		n=$(grep -c '"result": "pass"' "$tmp/m.json")
		sk=$(grep -c '"result": "skip"' "$tmp/m.json")
		echo "model ($b): $n cases pass under $prof, $sk skipped"
		# The model has every feature but the kernel behaviours that
		# came after the profile's releases (guard regions, self
		# process_madvise before 6.13).
		bad=$(grep '"result": "skip"' "$tmp/m.json" |
			grep -Evc 'needs (guard-regions|self-madvise): the model under linux-6.10')
		if [ "$bad" -eq 0 ]; then ok; else
			not_ok "$bad cases skip on the model under $prof for another reason"
		fi
	done

	# Beside this kernel: every case the kernel runs, the model runs in
	# lockstep, and no step differs.
	expect_catalog "catalog on the kernel and the model" \
		$s run --target both --format json
	cp "$tmp/out" "$tmp/both.json"
	keep_json "$tmp/both.json" "the catalog on both targets"
	n=$(grep -c '"model": {"result": "agree"' "$tmp/both.json")
	k=$(grep -Ec '"result": "(pass|fail|xfail|brok)", "by_profile"' "$tmp/both.json")
	if [ "$n" -gt 800 ] && [ "$n" -eq "$k" ]; then ok; else
		not_ok "--target both: the model agrees on $n cases of the $k the kernel ran"
		grep '"result": "differ"' "$tmp/both.json" | head -n 5
	fi
	echo "both ($b): the model agrees with the kernel on $n cases"

	# A model that is wrong is caught at the right step: validating the
	# whole range first (atomic-failure, the guidelines' reading) is not
	# what this kernel does with a refused madvise over [N][S].
	expect_exit 1 "--target both with a wrong model" \
		env SEALSPEC_MODEL_FLIP=atomic-failure \
		$s run --target both cases/madvise-mixed-normal-then-sealed-ro.scn
	expect_grep "$tmp/out" "DIFF  madvise-mixed-normal-then-sealed-ro[MADV_DONTNEED]" \
		"--target both names the case where the model is wrong"
	expect_grep "$tmp/out" 'step 8: kernel against model: data of 2 pages at 0x200000000000: "00" against "AB"' \
		"--target both shows the first differing step, kernel and model"
	expect_grep "$tmp/out" "(the model's own verdict under linux: fail)" \
		"--target both gives the model's own verdict"
	if grep -Eq '^G2 +[0-9]+ +[0-9]+ +pass +pass +[0-9]+ differ' "$tmp/out"; then ok; else
		not_ok "the guideline table's model column does not count the cases that differ"
		grep '^G2 ' "$tmp/out"
	fi
	expect_exit 2 "SEALSPEC_MODEL_FLIP with an unknown switch" \
		env SEALSPEC_MODEL_FLIP=no-such-switch $s run --target model
	# Every switch of the model is pinned down by the catalog: inverted
	# (SEALSPEC_MODEL_FLIP), it fails at least one case under a profile.
	$s profiles | sed -n '/^switch /,/^$/p' | sed '1d;/^$/d' |
		awk '{print $1}' > "$tmp/switches"
	nsw=$(wc -l < "$tmp/switches")
	if [ "$nsw" -ge 10 ]; then ok; else
		not_ok "profiles lists $nsw model switches"
	fi
	while read -r sw; do
		killed=
		for prof in linux linux-6.12 linux-6.10 guidelines; do
			SEALSPEC_MODEL_FLIP=$sw $s run --target model \
				--profile $prof > "$tmp/flip.txt" 2>&1
			if [ $? -eq 1 ]; then killed=$prof; break; fi
		done
		if [ -n "$killed" ]; then ok; else
			not_ok "inverting the model switch $sw fails no catalog case under any profile"
		fi
	done < "$tmp/switches"
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

# tools/papt.sh derives the private apt's sources from the machine's
# deb822 file: the main and security entries' URIs and keys (continuation
# lines kept), the first of each, with our suites; disabled, deb-src and
# commented entries are left out; no main entry is an error.  No network.
papt_sources() {
	mkdir -p "$tmp/papt"
	cat > "$tmp/papt/in.sources" <<-'DEB'
		# a comment
		Types: deb-src
		URIs: http://src.example/debian
		Suites: bookworm
		Components: main

		Types: deb
		URIs: http://disabled.example/debian
		Suites: bookworm
		Components: main
		Enabled: no

		Types: deb deb-src
		URIs: http://main.example/debian
		Suites: bookworm bookworm-updates
		Components: main contrib
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

		Types: deb
		URIs: http://second.example/debian
		Suites: bookworm
		Components: main

		Types: deb
		URIs: http://security.example/debian-security
		Suites: bookworm-security
		Components: main
		Signed-By:
		 -----BEGIN PGP PUBLIC KEY BLOCK-----
		 .
		 xyz
		 -----END PGP PUBLIC KEY BLOCK-----
	DEB
	cat > "$tmp/papt/want.sources" <<-'DEB'
		Types: deb
		URIs: http://main.example/debian
		Suites: sid experimental
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

		Types: deb
		URIs: http://security.example/debian-security
		Suites: trixie-security
		Components: main
		Signed-By:
		 -----BEGIN PGP PUBLIC KEY BLOCK-----
		 .
		 xyz
		 -----END PGP PUBLIC KEY BLOCK-----

	DEB
	if bash -c '
		set -eu
		root=$1 aptdir=$1 sources=$1/in.sources
		main_suites="sid experimental" security_suites=trixie-security
		say() { :; }; die() { echo "$*"; exit 1; }
		. tools/papt.sh
		papt_write_sources t
		awk -v RS= -v ORS="\n\n" "/security/" "$1/in.sources" \
			> "$1/nomain.sources"
		sources=$1/nomain.sources
		if (papt_write_sources u) > "$1/err" 2>&1; then exit 1; fi
		grep -q "no enabled deb entry for the main archive" "$1/err"
	' sh "$tmp/papt" && cmp -s "$tmp/papt/sources/t.sources" "$tmp/papt/want.sources"; then
		ok
	else
		not_ok "tools/papt.sh: the private apt sources are not as derived"
		diff "$tmp/papt/want.sources" "$tmp/papt/sources/t.sources" | head -n 20
	fi
	rm -rf "$tmp/papt"
}

. tests/runner-hostile.sh
. tests/users.sh
. tests/install.sh
. tests/html.sh
. tests/coverage.sh
. tests/fuzz.sh

for b in "$@"; do
	echo "== $b"
	for t in "$b"/tests/*; do
		unit "$t"
	done
	verdicts "$b"
	hostile "$b"
	model_cli "$b"
	trace_json "$b"
	catalog "$b"
	model_catalog "$b"
	runner_hostile "$b"
	users "$b"
	html_report "$b"
	coverage_cli "$b"
	fuzz_checks "$b"
	check_json_reports
done
matrix_report
papt_sources
install_check "$1"

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
