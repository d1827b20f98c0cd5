# Sourced by tests/run.sh: the commands for people who inspect live
# processes (sealspec maps, sealspec explain), checked on a helper that
# seals part of its own memory (tests/tools/seal-sleep).  Uses ok, not_ok,
# skip, expect_exit, expect_grep and $tmp from run.sh.

# users BUILD
users() {
	ub=$1
	ss=$ub/tools/seal-sleep
	if [ ! -x "$ss" ]; then
		not_ok "$ss was not built"
		return
	fi
	# A fresh file, and wait for the whole line: the redirection of a
	# background job happens whenever that job gets to it.
	rm -f "$tmp/ss.out"
	"$ss" > "$tmp/ss.out" 2> "$tmp/ss.err" &
	hp=$!
	# Whatever happens from here, the helper goes.
	trap 'kill "$hp" 2> /dev/null; rm -rf "$tmp"' EXIT
	trap 'kill "$hp" 2> /dev/null; exit 130' INT TERM
	i=0
	while ! grep -q ' lock=[a-z]*$' "$tmp/ss.out" 2> /dev/null &&
		[ $i -lt 200 ] &&
		kill -0 "$hp" 2> /dev/null; do
		sleep 0.05
		i=$((i + 1))
	done
	if ! grep -q ' lock=[a-z]*$' "$tmp/ss.out" 2> /dev/null; then
		# Still there after 10 s: it goes too (exit 143).
		kill "$hp" 2> /dev/null
		wait "$hp"
		rc=$?
		if [ "$rc" -eq 77 ]; then
			echo "skip: maps and explain: no mseal on this kernel"
			skipped=$((skipped + 1))
		else
			not_ok "seal-sleep did not start (exit $rc): $(cat "$tmp/ss.err")"
		fi
		users_done
		return
	fi
	users_checks "$ub/sealspec"
	users_done
}

users_done() {
	kill "$hp" 2> /dev/null
	wait "$hp" 2> /dev/null
	trap 'rm -rf "$tmp"' EXIT
	trap - INT TERM
}

users_checks() {
	bin=$1
	ps=$(getconf PAGESIZE)
	line=$(cat "$tmp/ss.out")
	sa=$(echo "$line" | sed -n 's/^sealed=\(0x[0-9a-f]*\) .*/\1/p')
	ua=$(echo "$line" | sed -n 's/.* unsealed=\(0x[0-9a-f]*\) .*/\1/p')
	wa=$(echo "$line" | sed -n 's/.* whole=\(0x[0-9a-f]*\) .*/\1/p')
	fa=$(echo "$line" | sed -n 's/.* flags=\(0x[0-9a-f]*\) .*/\1/p')
	flock=$(echo "$line" | sed -n 's/.* lock=\([a-z]*\)$/\1/p')
	s16=$(printf '0x%016x' "$sa")
	e16=$(printf '0x%016x' $((sa + 4 * ps)))
	cat "/proc/$hp/maps" > "$tmp/maps.before"

	# The table: the sealed range exactly, and only it with --sealed.
	expect_exit 0 "maps PID" "$bin" maps "$hp"
	expect_grep "$tmp/out" "$s16 $e16         4p r--  p     S      -    -     [anon]" "maps: the sealed range in the table"
	expect_grep "$tmp/out" "pid $hp: " "maps: names the pid"
	expect_exit 0 "maps --sealed PID" "$bin" maps --sealed --format table "$hp"
	n=$(grep -c '^0x' "$tmp/out")
	if [ "$n" -eq 1 ] && grep -q "^$s16 $e16 " "$tmp/out"; then ok; else
		not_ok "maps --sealed: expected only $s16-$e16, got $n rows:"
		cat "$tmp/out"
	fi
	# Lock and inherit flags, one page each: lf, dc, wf.
	expect_exit 0 "maps PID" "$bin" maps --format table "$hp"
	f1=$(printf '0x%016x' $((fa + ps)))
	f2=$(printf '0x%016x' $((fa + 2 * ps)))
	expect_grep "$tmp/out" "$f1 $f2         1p rw-  p     -      -    dc    [anon]" "maps: MADV_DONTFORK as dc"
	expect_grep "$tmp/out" "$f2 $(printf '0x%016x' $((fa + 3 * ps)))         1p rw-  p     -      -    wf    [anon]" "maps: MADV_WIPEONFORK as wf"
	if [ "$flock" = onfault ]; then
		expect_grep "$tmp/out" "$(printf '0x%016x' "$fa") $f1         1p rw-  p     -      lf   -     [anon]" "maps: mlock2(MLOCK_ONFAULT) as lf"
	fi
	# The strip: four sealed pages.
	expect_exit 0 "maps --format strip" "$bin" maps --format strip "$hp"
	expect_grep "$tmp/out" "$s16 seal \"SSSS\" r--p [anon]" "maps: the sealed range's strip"
	if grep "seal \"[-S]*\"" "$tmp/out" | grep -v "^$s16 " | grep -q S; then
		not_ok "maps: a strip other than the sealed range shows S"
	else ok; fi
	# A large mapping is drawn to scale: the helper's own stack or libc.
	if grep -q '(1 cell = [0-9]*p of [0-9]*p)' "$tmp/out"; then ok; else
		not_ok "maps: no strip at scale for a mapping over 64 pages"
	fi

	# JSON, read by python3: the sealed range, the unsealed one, hex
	# strings, and --sealed listing only the sealed one.
	"$bin" maps --format json "$hp" > "$tmp/maps.json" 2>&1
	"$bin" maps --sealed --format json "$hp" > "$tmp/sealed.json" 2>&1
	if python3 - "$tmp/maps.json" "$tmp/sealed.json" "$hp" "$sa" "$ua" "$ps" "$fa" "$flock" > "$tmp/py.out" 2>&1 <<'EOF'
import json, sys
full, sealed = (json.load(open(p)) for p in sys.argv[1:3])
pid, sa, ua, ps = int(sys.argv[3]), int(sys.argv[4], 16), int(sys.argv[5], 16), int(sys.argv[6])
fa, flock = int(sys.argv[7], 16), sys.argv[8]
def bad(msg):
    print(msg); sys.exit(1)
for d in (full, sealed):
    if d["pid"] != pid: bad("pid %r, expected %d" % (d["pid"], pid))
    for m in d["mappings"]:
        for k in ("start", "end", "offset"):
            if not isinstance(m[k], str) or not m[k].startswith("0x"):
                bad("%s is not a hex string: %r" % (k, m[k]))
want = {"start": hex(sa), "end": hex(sa + 4 * ps), "sealed": True,
        "prot": "r--", "share": "private", "backing": "[anon]", "pages": 4}
got = [m for m in full["mappings"] if m["start"] == hex(sa)]
if len(got) != 1: bad("no mapping starts at %s" % hex(sa))
for k, v in want.items():
    if got[0][k] != v: bad("sealed mapping: %s is %r, expected %r" % (k, got[0][k], v))
if "sl" not in got[0]["vmflags"].split(): bad("vmflags without sl: %r" % got[0]["vmflags"])
un = [m for m in full["mappings"] if m["start"] == hex(ua)]
if len(un) != 1 or un[0]["sealed"] is not False or un[0]["prot"] != "rw-":
    bad("unsealed mapping at %s: %r" % (hex(ua), un))
if [m["start"] for m in sealed["mappings"]] != [hex(sa)]:
    bad("--sealed lists %r" % [m["start"] for m in sealed["mappings"]])
if sum(m["sealed"] for m in full["mappings"]) != 1: bad("more than one sealed mapping")
by = {int(m["start"], 16): m for m in full["mappings"]}
want = [(fa, "lock", flock), (fa + ps, "dontfork", True), (fa + 2 * ps, "wipeonfork", True),
        (fa + ps, "wipeonfork", False), (fa + 2 * ps, "lock", "none")]
for a, k, v in want:
    if a not in by or by[a][k] != v:
        bad("mapping at %s: %s is %r, expected %r" % (hex(a), k, by.get(a, {}).get(k), v))
EOF
	then ok; else
		not_ok "maps --format json: $(cat "$tmp/py.out")"
	fi

	# explain: EPERM on the sealed range (G1), 0 on the unsealed one, the
	# partial range [normal][sealed] refused too; the process unchanged.
	expect_exit 0 "explain mprotect sealed" "$bin" explain "$hp" "mprotect($sa, 4p, PROT_READ|PROT_WRITE)"
	expect_grep "$tmp/out" "predicted: -1, errno EPERM" "explain: mprotect of the sealed range"
	expect_grep "$tmp/out" "rule: G1: " "explain: the rule for mprotect on sealed memory"
	expect_grep "$tmp/out" '  seal    "SSSS"' "explain: the strip of the sealed range"
	expect_grep "$tmp/out" "page contents were not read" "explain: says contents are not read"
	expect_exit 0 "explain mprotect unsealed" "$bin" explain "$hp" "mprotect($ua, 2p, PROT_READ)"
	expect_grep "$tmp/out" "predicted: 0" "explain: mprotect of the unsealed range"
	expect_grep "$tmp/out" '  prot    "r- r-"' "explain: the unsealed range after, in the model"
	expect_grep "$tmp/out" "rule: none" "explain: no rule on unsealed memory"
	expect_exit 0 "explain partial" "$bin" explain --profile linux "$hp" "mprotect($wa, 8p, PROT_READ)"
	expect_grep "$tmp/out" "predicted: -1, errno EPERM" "explain: mprotect of [normal][sealed]"
	expect_grep "$tmp/out" "GP: " "explain: partial failure named"
	expect_exit 0 "explain madvise" "$bin" explain "$hp" "madvise($sa, 4p, MADV_DONTNEED)"
	expect_grep "$tmp/out" "predicted: -1, errno EPERM" "explain: discard on sealed read-only anon"
	expect_grep "$tmp/out" "rule: G2: " "explain: the rule for discard advice"
	# DONTFORK is refused like a discard there (the model's is_discard()).
	expect_exit 0 "explain madvise dontfork" "$bin" explain "$hp" "madvise($sa, 4p, MADV_DONTFORK)"
	expect_grep "$tmp/out" "predicted: -1, errno EPERM" "explain: DONTFORK on sealed read-only anon"
	expect_grep "$tmp/out" "rule: G2: " "explain: DONTFORK falls under the discard rule"
	# The flags are rebuilt in the model: the strips show them.
	expect_exit 0 "explain msync" "$bin" explain "$hp" "msync($fa, 3p, MS_ASYNC)"
	expect_grep "$tmp/out" "predicted: 0" "explain: msync"
	expect_grep "$tmp/out" '  inherit "-DW"' "explain: dontfork and wipeonfork rebuilt"
	if [ "$flock" = onfault ]; then
		expect_grep "$tmp/out" '  lock    "F--"' "explain: the lock on fault rebuilt"
	fi
	expect_exit 0 "explain munmap" "$bin" explain "$hp" "munmap($ua, 2p)"
	expect_grep "$tmp/out" "predicted: 0" "explain: munmap of the unsealed range"
	# (cat: cmp would compare a /proc file's size, 0, first.)
	cat "/proc/$hp/maps" > "$tmp/maps.after"
	if cmp -s "$tmp/maps.before" "$tmp/maps.after" &&
		[ -s "$tmp/maps.before" ]; then ok; else
		not_ok "explain changed the process's mappings:"
		diff "$tmp/maps.before" "$tmp/maps.after" | head -n 10
	fi

	# What the user gets wrong, and what the process does not allow.
	expect_exit 2 "explain with a name" "$bin" explain "$hp" "munmap(a, 2p)"
	expect_grep "$tmp/err" "numeric addresses" "explain: names mean nothing in a live process"
	expect_exit 2 "explain two calls" "$bin" explain "$hp" "munmap($sa, 2p)
munmap($ua, 1p)"
	expect_exit 2 "explain of a call it cannot model" "$bin" explain "$hp" "pkey_free(1)"
	expect_grep "$tmp/err" "explain cannot predict pkey_free" "explain: says what it cannot predict"
	expect_exit 2 "maps: not a pid" "$bin" maps 12x
	expect_exit 2 "maps: bad format" "$bin" maps --format xml "$hp"
	sh -c 'exit 0' &
	gone=$!
	wait "$gone"
	expect_exit 1 "maps of a process that is gone" "$bin" maps "$gone"
	expect_grep "$tmp/err" "pid $gone: no such process (ESRCH)" "maps: ESRCH names the pid"
	expect_exit 1 "explain of a process that is gone" "$bin" explain --profile linux "$gone" "munmap(0x10000, 1p)"
	expect_grep "$tmp/err" "pid $gone: no such process (ESRCH)" "explain: ESRCH names the pid"
	if [ "$flock" != onfault ]; then
		echo "skip: maps and explain of a page locked on fault: RLIMIT_MEMLOCK refused it"
		skipped=$((skipped + 1))
	fi
	if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null &&
		setpriv --reuid=65534 --regid=65534 --clear-groups true 2> /dev/null &&
		setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$bin"; then
		expect_exit 1 "maps without ptrace access" setpriv --reuid=65534 \
			--regid=65534 --clear-groups "$bin" maps "$hp"
		expect_grep "$tmp/err" "pid $hp: permission denied (EACCES)" "maps: EACCES names the pid"
		expect_grep "$tmp/err" "PTRACE_MODE_READ" "maps: EACCES says what it needs"
	else
		echo "skip: maps without ptrace access: needs root and setpriv, and a binary user 65534 may run"
		skipped=$((skipped + 1))
	fi
}
