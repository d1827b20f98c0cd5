# Sourced by tests/run.sh: the runner against hostile scenarios and a
# hostile environment (docs/threat-model.md).  Each check reproduces a
# defect once found, and every group ends by checking that no process of
# the binary, no SysV segment of the test's size and no file is left.
# Uses ok, not_ok, expect_exit, expect_grep and $tmp from run.sh.

# The processes running binary $1 (by /proc/PID/exe), one pid a line.
procs_of() {
	want=$(realpath "$1")
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2> /dev/null)" = "$want" ] &&
			echo "${p#/proc/}"
	done
}

# The SysV segments of $1 bytes that nobody holds and whose creator is
# gone: debris.  A segment of another run that goes on (make test in two
# trees at once) is held by its runner, so it does not count.
segments_of() {
	awk -v size="$1" '$4 == size && $7 == 0 { print $2, $5 }' \
		/proc/sysvipc/shm |
		while read -r id cpid; do
			[ -d "/proc/$cpid" ] || echo "$id"
		done
}

# nothing_left WHAT BINARY SIZE: no process of BINARY, no segment of SIZE
# bytes left behind, allowing a moment for processes the kernel is still
# reaping (up to 20 s: on a machine loaded far past its CPUs, exiting a
# process whose sanitizer shadow maps terabytes takes seconds).
nothing_left() {
	i=0
	while [ $i -lt 200 ]; do
		[ -z "$(procs_of "$2")" ] && [ -z "$(segments_of "$3")" ] &&
			break
		sleep 0.1
		i=$((i + 1))
	done
	left=$(procs_of "$2" | tr '\n' ' ')
	if [ -z "$left" ]; then ok; else
		not_ok "$1: processes left behind: $left"
		for p in $left; do kill -9 "$p" 2> /dev/null; done
	fi
	left=$(segments_of "$3" | tr '\n' ' ')
	if [ -z "$left" ]; then ok; else
		not_ok "$1: SysV segments of $3 bytes left behind: $left"
		for id in $left; do ipcrm -m "$id"; done
	fi
}

# Waits up to 30 s until runner $1 has a scenario process (a grandchild:
# runner, spawner, scenario) that made a segment of $2 bytes.
wait_segment() {
	i=0
	while [ $i -lt 300 ]; do
		for cpid in $(awk -v size="$2" '$4 == size { print $5 }' \
			/proc/sysvipc/shm); do
			spawner=$(awk '{ print $4 }' "/proc/$cpid/stat" 2> /dev/null)
			[ -n "$spawner" ] &&
				[ "$(awk '{ print $4 }' "/proc/$spawner/stat" 2> /dev/null)" = "$1" ] &&
				return
		done
		sleep 0.1
		i=$((i + 1))
	done
}

# CPU seconds (user + system, the helper and scenario processes included)
# of running the command, on stdout; the command's output is dropped.
cpu_seconds() {
	/usr/bin/time -f "%U %S" -o "$tmp/time" "$@" > /dev/null 2>&1
	awk '{ printf "%.2f\n", $1 + $2 }' "$tmp/time"
}

# A scenario of n asserted steps, for the scaling checks.
long_scenario() {
	echo "purpose  $1 steps in a row"
	echo "rules    G1"
	echo
	echo "a = mmap(0, 2p, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)"
	i=0
	while [ $i -lt "$1" ]; do
		echo "mprotect(a, 1p, PROT_READ)             => 0"
		echo "mprotect(a, 1p, PROT_READ|PROT_WRITE)  => 0"
		i=$((i + 2))
	done
}

runner_hostile() {
	b=$1
	s=$b/sealspec
	h=tests/hostile
	hang_size=$((37 * 4096))	# runner-shm-hang.scn
	reader_size=$((43 * 4096))	# runner-reader-hang.scn
	many_size=$((41 * 4096))	# runner-shm-70.scn
	plain=false
	[ "$b" = build ] && plain=true

	expect_exit 0 "every hostile scenario is in canonical form" \
		$s fmt --check $h/runner-*.scn

	# 1. SIGTERM, SIGINT, SIGHUP: the scenario's processes and segment
	# go, the report covers what ran, the status is 128 + the signal.
	for sig in TERM:143 INT:130 HUP:129; do
		name=${sig%%:*}
		$s run --format json --timeout 60 tests/verdict/passes.scn \
			$h/runner-shm-hang.scn > "$tmp/int.json" 2> "$tmp/int.err" &
		pid=$!
		wait_segment $pid $hang_size
		kill -"$name" $pid
		wait $pid
		rc=$?
		if [ $rc -eq "${sig#*:}" ]; then ok; else
			not_ok "SIG$name: expected exit ${sig#*:}, got $rc"
		fi
		expect_grep "$tmp/int.json" "\"note\": \"interrupted by SIG$name after 1 of 2 cases\"" "SIG$name: the report says what ran"
		expect_grep "$tmp/int.json" '"name": "passes"' "SIG$name: the case that ran is reported"
		expect_grep "$tmp/int.json" '"G1": {"summary": "mprotect and munmap are refused on sealed memory", "cases": 1,' "SIG$name: the guideline table covers what ran"
		if command -v python3 > /dev/null; then
			if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' \
				"$tmp/int.json"; then ok; else
				not_ok "SIG$name: the partial JSON report does not parse"
			fi
		fi
		nothing_left "SIG$name" $s $hang_size
	done

	# 1. SIGKILL cannot be caught: the scenario's processes die with the
	# runner (PR_SET_PDEATHSIG), and the segment with them.
	$s run --timeout 60 $h/runner-shm-hang.scn > /dev/null 2>&1 &
	pid=$!
	wait_segment $pid $hang_size
	kill -KILL $pid
	wait $pid 2> /dev/null
	nothing_left "SIGKILL" $s $hang_size

	# 1. The page readers (SEALSPEC_OBSERVE=ptrace: one for the scenario
	# process, one for its fork child) are bound to the processes they
	# trace and in their group: neither a SIGKILLed runner nor a timeout
	# leaves one behind.
	SEALSPEC_OBSERVE=ptrace $s run --timeout 60 $h/runner-reader-hang.scn \
		> /dev/null 2>&1 &
	pid=$!
	wait_segment $pid $reader_size
	kill -KILL $pid
	wait $pid 2> /dev/null
	nothing_left "SIGKILL with page readers" $s $reader_size
	SEALSPEC_OBSERVE=ptrace $s run --timeout 2 --verbose \
		$h/runner-reader-hang.scn > "$tmp/reader.out" 2>&1
	expect_grep "$tmp/reader.out" "timed out after 2 s; last step completed: 10 (line 18)" \
		"page readers: both PROT_NONE pages were read before the hang"
	nothing_left "a timeout with page readers" $s $reader_size

	# 4. More than 64 segments, each usable; and none may leak when a
	# timeout strikes at any point (ids still in the pipe once leaked).
	expect_exit 0 "70 SysV segments in one scenario" $s run $h/runner-shm-70.scn
	runs=300
	$plain || runs=30
	i=0
	while [ $i -lt $runs ]; do
		$s run --timeout 0.001 $h/runner-shm-70.scn > /dev/null 2>&1
		i=$((i + 1))
	done
	nothing_left "$runs runs with --timeout 0.001" $s $many_size

	# 5. The runner's descriptors are out of reach: the log the report is
	# appended to and the file on stdin stay as they were.
	printf 'keep me\n' > "$tmp/stdin.txt"
	printf 'log\n' > "$tmp/log.txt"
	$s run $h/runner-descriptors.scn < "$tmp/stdin.txt" >> "$tmp/log.txt" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then ok; else
		not_ok "descriptors: expected exit 0, got $rc"
		tail -n 20 "$tmp/log.txt"
	fi
	if [ "$(head -n 1 "$tmp/log.txt")" = log ]; then ok; else
		not_ok "the scenario truncated the log on the runner's stdout"
	fi
	if [ "$(cat "$tmp/stdin.txt")" = "keep me" ]; then ok; else
		not_ok "the scenario changed the file on the runner's stdin"
	fi

	# ... and a descriptor the exec closed (close-on-exec) stops being
	# the scenario's, whatever the new image opens at its number.
	expect_exit 0 "close-on-exec descriptors are dropped at exec" \
		$s run $h/runner-cloexec-exec.scn

	# 6. Files that are no scenario: refused at once with file: message.
	rm -rf "$tmp/fifo"
	mkdir "$tmp/fifo"
	mkfifo "$tmp/fifo/runner-fifo.scn"
	expect_exit 2 "a FIFO named .scn is refused" timeout 20 $s run "$tmp/fifo/runner-fifo.scn"
	expect_grep "$tmp/err" "runner-fifo.scn: not a regular file" "a FIFO: the message names the file"
	expect_exit 2 "a FIFO in a directory is refused" timeout 20 $s run "$tmp/fifo"
	expect_exit 2 "/dev/zero is refused" timeout 20 $s run /dev/zero
	expect_grep "$tmp/err" "/dev/zero: not a regular file" "/dev/zero: the message names the file"
	truncate -s 5G "$tmp/sparse.scn"
	expect_exit 2 "a sparse 5 GB file is refused" timeout 20 $s run "$tmp/sparse.scn"
	expect_grep "$tmp/err" "larger than the 1048576-byte limit" "a big file: the message gives the limit"
	rm -f "$tmp/sparse.scn"
	long_scenario 10 > "$tmp/small.scn"
	expect_exit 2 "--max-file is a limit" $s run --max-file 100 "$tmp/small.scn"
	expect_exit 2 "SEALSPEC_MAX_FILE is a limit" env SEALSPEC_MAX_FILE=100 $s run "$tmp/small.scn"
	expect_exit 2 "a size that is not one" $s run --max-map lots "$tmp/small.scn"
	expect_exit 0 "--max-file can raise the limit" $s run --max-file 2M "$tmp/small.scn"
	long_scenario 10002 > "$tmp/huge.scn"
	expect_exit 2 "more than 10000 steps is a syntax error" $s run --max-file 4M "$tmp/huge.scn"
	expect_grep "$tmp/err" "at most 10000 steps" "the step limit is named"

	# 6. mlockall and 64 GiB: the map limit stops it, and says so (BROK,
	# never a FAIL that blames the kernel).
	expect_exit 3 "mlockall and 64 GiB are BROK" $s run $h/runner-lock-64g.scn
	expect_grep "$tmp/out" "sealspec's limit on mapped memory" "the BROK names the limit"
	expect_exit 0 "--max-map can let a big mapping through" \
		$s run --max-map 4G $h/runner-map-2g.scn
	expect_exit 3 "SEALSPEC_MAX_MAP can hold it back" \
		env SEALSPEC_MAX_MAP=1G $s run $h/runner-map-2g.scn

	# 8. The exec entry point refuses garbage with a message.
	expect_exit 2 "the exec entry point without a handoff" $s __sealspec-exec-resume
	expect_grep "$tmp/err" "an internal entry point" "the exec entry point says what it is"
	expect_exit 2 "the exec entry point given stdin" $s __sealspec-exec-resume 0

	# 7. Linear in the scenario's length: 5000 steps cost about ten times
	# 500, not a hundred (a ratio of CPU times measured here, so that the
	# machine's speed and load cancel out).
	long_scenario 500 > "$tmp/long500.scn"
	long_scenario 5000 > "$tmp/long5000.scn"
	expect_exit 0 "5000 steps pass" $s run --timeout 60 "$tmp/long5000.scn"
	t500=$(cpu_seconds $s run --timeout 60 "$tmp/long500.scn")
	t5000=$(cpu_seconds $s run --timeout 60 "$tmp/long5000.scn")
	if awk -v a="$t500" -v b="$t5000" 'BEGIN { exit !(b <= 25 * (a < 0.02 ? 0.02 : a)) }'; then
		ok
	else
		not_ok "5000 steps took ${t5000} s of CPU, 500 steps ${t500} s: not linear"
	fi
	echo "scaling ($b): 500 steps ${t500} s, 5000 steps ${t5000} s of CPU"

	# 2. Load does not time a scenario out: its own time counts, not the
	# time it waits for a CPU.  Two busy loops and nice 10 make the
	# 5000-step scenario take several times its timeout in wall time.
	if $plain; then
		lim=$(awk -v t="$t5000" 'BEGIN { v = 3 * t; if (v < 1) v = 1; printf "%.1f\n", v }')
		sh -c 'while :; do :; done' &
		l1=$!
		sh -c 'while :; do :; done' &
		l2=$!
		expect_exit 0 "5000 steps under load within --timeout $lim" \
			nice -n 10 $s run --timeout "$lim" "$tmp/long5000.scn"
		kill $l1 $l2
		wait $l1 $l2 2> /dev/null
	fi

	# 3. Unprivileged (as nobody, with the usual 8 MiB RLIMIT_MEMLOCK) the
	# catalog passes: what needs privilege is SKIP with the reason.  The
	# plain build only: AddressSanitizer's shadow alone is more than
	# mlockall(MCL_CURRENT) may lock there.
	if $plain && [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null &&
		id nobody > /dev/null 2>&1; then
		(ulimit -l 8192 && exec setpriv --reuid=nobody --regid="$(id -g nobody)" \
			--clear-groups $s run --format json) > "$tmp/nobody.json" 2> "$tmp/nobody.err"
		rc=$?
		if [ $rc -eq 0 ]; then ok; else
			not_ok "the catalog as nobody: expected exit 0, got $rc"
			grep -E '"result": "(fail|brok)"' "$tmp/nobody.json" | head -n 5
		fi
		nf=$(grep -c '"result": "fail"' "$tmp/nobody.json")
		nb=$(grep -c '"result": "brok"' "$tmp/nobody.json")
		if [ "$nf" -eq 0 ] && [ "$nb" -eq 0 ]; then ok; else
			not_ok "the catalog as nobody: $nf FAIL, $nb BROK"
		fi
		(ulimit -l 8192 && exec setpriv --reuid=nobody --regid="$(id -g nobody)" \
			--clear-groups $s run $h/runner-low-address.scn) > "$tmp/low.out" 2>&1
		expect_grep "$tmp/low.out" "needs low-address: mmap(MAP_FIXED) at address 0 failed with EPERM" "as nobody page 0 is SKIP with the reason"
		expect_exit 0 "as root page 0 can be mapped" $s run $h/runner-low-address.scn
		# The page reader works unprivileged too (PR_SET_PTRACER for
		# Yama): the same verdicts, nothing unobservable.
		(ulimit -l 8192 && SEALSPEC_OBSERVE=ptrace exec setpriv --reuid=nobody \
			--regid="$(id -g nobody)" --clear-groups $s run --format json) \
			> "$tmp/nobody-ptrace.json" 2> "$tmp/nobody-ptrace.err"
		rc=$?
		if [ $rc -eq 0 ]; then ok; else
			not_ok "the catalog as nobody with SEALSPEC_OBSERVE=ptrace: expected exit 0, got $rc"
			grep -E '"result": "(fail|brok)"' "$tmp/nobody-ptrace.json" | head -n 5
		fi
		expect_grep "$tmp/nobody-ptrace.json" '"unobservable_cells": 0,' \
			"as nobody the page reader reads every PROT_NONE page"
		nothing_left "as nobody" $s $hang_size
	fi
}
