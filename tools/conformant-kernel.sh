#!/bin/bash
# SPDX-License-Identifier: MIT
#
# make conformant-kernel: the guidelines implemented in a real kernel.
#
# Fetches Debian's newest linux-source-* package with apt's own client
# (a private configuration whose archive URIs are read at run time from the
# machine's deb822 sources, as make matrix does), unpacks it once into a git
# tree, keeps a second work tree of it with the series listed in
# kernel/series applied, builds a small x86_64 configuration of both
# (the unpatched one for the before/after comparison), boots each under QEMU (TCG, -cpu qemu64,+pku) with the static
# sealspec as /init once per profile, and prints the guideline table of
# every boot.  A last boot per kernel runs the upstream selftest
# tools/testing/selftests/mm/mseal_test.c of the same tree and the
# bench/conformant_cost.c loop (init: tools/conformant-init.c).
#
# Incremental: the trees and their object directories are kept; when the
# series changed, a re-run resets the files the old series touched,
# applies the new one and rebuilds what changed (a re-run with the same
# series rebuilds nothing).  Compilers run under nice -n 19 with -j2.
#
# Knobs (environment):
#   CONFORMANT_PATCHED   1: the patched kernel only; 0: the unpatched only;
#                        unset: both (the before/after comparison)
#   CONFORMANT_PROFILES  profiles to run the catalog under
#                        (default "guidelines linux")
#   CONFORMANT_SOURCE    the source package (default: the newest
#                        linux-source-X.Y the private apt lists have)
#   CONFORMANT_BOOT      0: build only, boot nothing
#   CONFORMANT_SELFTEST  0: no selftest/cost boots
#   CONFORMANT_COST_BOOTS  selftest/cost boots per kernel, alternating
#                        between the kernels (default 3; the cost table
#                        gives the median)
#   CONFORMANT_COST_ITER operations per round of the cost loop (default 20000)
#   CONFORMANT_JOBS      make -j (default 2)
#   CONFORMANT_TIMEOUT   seconds of wall clock per boot (default 900)
#   CONFORMANT_APPEND    more kernel command line
#   MATRIX_SOURCES       the deb822 file the archive URIs come from
#                        (default /etc/apt/sources.list.d/debian.sources)
#
# Everything is written under build/conformant/: apt/ (private apt state),
# debs/, src/linux (Debian's source, a git tree tagged "debian"),
# src/patched (a work tree of it with the series applied), obj-unpatched/
# and obj-patched/ (kernel objects, bzImage, build.log, build-seconds),
# initramfs/, runs/<kernel>-<profile>/ (console.log, ttyS1.log,
# report.txt, failed.txt) and runs/<kernel>-selftest-N/,
# verdicts.txt (did each profile run fail exactly what it should),
# costs.txt, results.md (tools/conformant-report.py) and summary.txt.
# The exit status is 1 when a profile run broke or failed other cases
# than expected.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
top=$root/build/conformant
aptdir=$top/apt
debs=$top/debs
src=$top/src/linux
runs=$top/runs

profiles=${CONFORMANT_PROFILES:-guidelines linux}
jobs=${CONFORMANT_JOBS:-2}
boot_timeout=${CONFORMANT_TIMEOUT:-900}
append=${CONFORMANT_APPEND:-}
sources=${MATRIX_SOURCES:-/etc/apt/sources.list.d/debian.sources}
main_suites="bookworm-backports trixie trixie-updates trixie-backports forky sid experimental"
security_suites="trixie-security"

case ${CONFORMANT_PATCHED-both} in
1) trees="patched" ;;
0) trees="unpatched" ;;
both) trees="unpatched patched" ;;
*) echo "conformant: CONFORMANT_PATCHED must be 0 or 1" >&2 && exit 2 ;;
esac

say() { printf 'conformant: %s\n' "$*"; }
die() {
	printf 'conformant: %s\n' "$*" >&2
	exit 1
}

case $jobs in '' | *[!0-9]* | 0) die "CONFORMANT_JOBS must be a positive number" ;; esac
case $boot_timeout in '' | *[!0-9]* | 0) die "CONFORMANT_TIMEOUT must be a positive number of seconds" ;; esac

# ---------------------------------------------------------------- apt

# shellcheck source=tools/papt.sh
. "$root/tools/papt.sh"

# Prints "package version" of the newest linux-source-X.Y in the lists (or
# of CONFORMANT_SOURCE).
pick_source() {
	local pkg best="" bestv="" v
	if [ -n "${CONFORMANT_SOURCE:-}" ]; then
		pkg=$CONFORMANT_SOURCE
	else
		pkg=$(papt_cache pkgnames linux-source- |
			grep -E '^linux-source-[0-9]+\.[0-9]+$' | sort -V | tail -n 1) || true
		[ -n "$pkg" ] || die "no linux-source-X.Y package in the private apt lists"
	fi
	for v in $(papt_cache madison "$pkg" | awk -F'|' '{ gsub(/ /, "", $2); print $2 }'); do
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$bestv"; then
			best="$pkg $v"
			bestv=$v
		fi
	done
	[ -n "$best" ] || die "apt-cache knows no version of $pkg"
	printf '%s\n' "$best"
}

# Downloads the source package (unless debs/ has it) and unpacks its
# tarball into src/linux as a git repository whose one commit, tagged
# "debian", is the source as Debian ships it.  src/version
# says which build it is, so a re-run with the same version does nothing.
fetch_source() {
	local pkg=$1 version=$2 info file tarball
	if [ -d "$src/.git" ] && [ "$(cat "$top/src/version" 2> /dev/null)" = "$pkg $version" ]; then
		return 0
	fi
	mkdir -p "$debs"
	info=$(papt_cache show "$pkg=$version")
	file=$(sed -n 's/^Filename: //p' <<< "$info")
	file=${file%%$'\n'*}
	file=$debs/${file##*/}
	[ "$file" != "$debs/" ] || die "apt-cache knows no file for $pkg=$version"
	if [ ! -s "$file" ]; then
		say "downloading $pkg $version"
		(cd "$debs" && papt_get download "$pkg=$version" > /dev/null) ||
			die "apt-get download $pkg=$version failed"
		[ -s "$file" ] || die "apt-get download did not leave ${file#"$root"/}"
	fi
	tarball=$(dpkg-deb --fsys-tarfile "$file" | tar -t | grep -E '^(\./)?usr/src/linux-source-[^/]*\.tar\.xz$') ||
		die "no usr/src/linux-source-*.tar.xz in ${file#"$root"/}"
	tarball=${tarball%%$'\n'*}
	say "unpacking $tarball"
	rm -rf "$top/src" "$top"/obj-*
	mkdir -p "$top/src/unpack"
	dpkg-deb --fsys-tarfile "$file" | tar -xO "$tarball" | tar -xJ -C "$top/src/unpack"
	mv "$top/src/unpack"/linux-source-* "$src"
	rmdir "$top/src/unpack"
	say "recording the Debian source in a git tree (once)"
	(
		cd "$src"
		git init -q
		git config user.name "sealspec conformant-kernel"
		git config user.email "sealspec@localhost"
		git config gc.auto 0
		git add -A -f .
		git commit -q -m "$pkg $version as shipped by Debian"
		git tag debian
	)
	printf '%s %s\n' "$pkg" "$version" > "$top/src/version"
}

# ---------------------------------------------------------------- series

# The patch file names in kernel/series, in order.
series() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$root/kernel/series"; }

# The source directory of one tree.
tree_dir() {
	case $1 in
	unpatched) echo "$src" ;;
	patched) echo "$top/src/patched" ;;
	esac
}

# Brings one tree to its state: "unpatched" is Debian's source as shipped,
# "patched" is it plus the series.  The patched tree remembers the hash of
# the series it carries; when that changed, the old series is undone
# (git reset rewrites only the files that differ) and the new one applied,
# so make rebuilds only what the two series touch.
checkout_tree() {
	local tree=$1 dir p want
	dir=$(tree_dir "$tree")
	if [ "$tree" = unpatched ]; then
		if [ -n "$(git -C "$dir" status --porcelain --untracked-files=no)" ]; then
			say "resetting src/linux to Debian's source"
			git -C "$dir" reset -q --hard debian
		fi
		return 0
	fi
	[ -d "$dir" ] || git -C "$src" worktree add -q --detach "$dir" debian
	want=$(cd "$root/kernel" && series | xargs cat | sha256sum | cut -d' ' -f1)
	[ "$(cat "$dir.series" 2> /dev/null)" != "$want" ] || return 0
	say "applying the series to ${dir#"$root"/}"
	rm -f "$dir.series"
	git -C "$dir" reset -q --hard debian
	git -C "$dir" clean -q -fd
	for p in $(series); do
		git -C "$dir" apply --whitespace=error-all "$root/kernel/$p" ||
			die "kernel/$p does not apply to $(cat "$top/src/version")"
	done
	printf '%s\n' "$want" > "$dir.series"
}

# ---------------------------------------------------------------- config

# tinyconfig (64-bit) plus what the catalog needs.  Every option here is
# checked after olddefconfig: one that did not stick stops the build.
# NET and UNIX: sealspec's scenario helper talks over a socketpair;
# SCHEDSTATS: /proc/PID/schedstat, which lets a timeout discount the time
# a scenario waited for a CPU of the loaded, emulated machine.
kconfig_options="64BIT SMP NUMA PRINTK PRINTK_TIME TTY SERIAL_8250
SERIAL_8250_CONSOLE BLK_DEV_INITRD RD_GZIP BINFMT_ELF BINFMT_SCRIPT PROC_FS
SYSCTL PROC_PAGE_MONITOR SYSFS TMPFS SHMEM MEMFD_CREATE SYSVIPC AIO
USERFAULTFD ADVISE_SYSCALLS MULTIUSER FUTEX POSIX_TIMERS CROSS_MEMORY_ATTACH
X86_INTEL_MEMORY_PROTECTION_KEYS TRANSPARENT_HUGEPAGE KSM SWAP BLOCK PCI ACPI
DEVTMPFS EPOLL EVENTFD SIGNALFD TIMERFD INOTIFY_USER FILE_LOCKING
PROC_MEM_ALWAYS_FORCE HIGH_RES_TIMERS NET UNIX SCHEDSTATS"

configure() {
	local obj=$1 dir=$2 opt lost="" opts
	# The options the .config was made from: a changed list configures
	# again (kbuild then rebuilds what the changed options touch).
	opts=$(printf '%s' "$kconfig_options" | tr -s '[:space:]' ' ')
	[ -s "$obj/.config.sealspec" ] &&
		[ "$(cat "$obj/.config.options" 2> /dev/null)" = "$opts" ] &&
		return 0
	mkdir -p "$obj"
	say "configuring ${obj#"$root"/}"
	nice -n 19 make -s -C "$dir" O="$obj" tinyconfig > /dev/null
	# shellcheck disable=SC2086 # one option per word
	(
		cd "$obj"
		args=()
		for opt in $kconfig_options; do args+=(-e "$opt"); done
		"$dir/scripts/config" --file .config "${args[@]}" \
			-d PROC_MEM_FORCE_PTRACE -d PROC_MEM_NO_FORCE \
			-e TRANSPARENT_HUGEPAGE_MADVISE
	)
	nice -n 19 make -s -C "$dir" O="$obj" olddefconfig > /dev/null
	for opt in $kconfig_options; do
		grep -qx "CONFIG_$opt=y" "$obj/.config" || lost="$lost $opt"
	done
	[ -z "$lost" ] || die "options that did not stick in ${obj#"$root"/}/.config:$lost"
	cp "$obj/.config" "$obj/.config.sealspec"
	printf '%s\n' "$opts" > "$obj/.config.options"
}

# Builds one tree's bzImage; prints and records the wall-clock seconds.
build_tree() {
	local tree=$1 obj=$top/obj-$1 dir t0 t1
	dir=$(tree_dir "$tree")
	checkout_tree "$tree"
	configure "$obj" "$dir"
	say "building the $tree kernel in ${obj#"$root"/} (nice -n 19, -j$jobs)"
	t0=$(date +%s)
	# LOCALVERSION names the tree in the kernel release the reports print.
	if ! nice -n 19 make -s -C "$dir" O="$obj" -j"$jobs" \
		LOCALVERSION=-sealspec-"$tree" bzImage > "$obj/build.log" 2>&1; then
		tail -n 30 "$obj/build.log" >&2
		die "the $tree build failed; see ${obj#"$root"/}/build.log"
	fi
	t1=$(date +%s)
	printf '%s\n' $((t1 - t0)) > "$obj/build-seconds"
	say "$tree kernel built in $((t1 - t0)) s ($(make -s -C "$dir" O="$obj" LOCALVERSION=-sealspec-"$tree" kernelrelease 2> /dev/null))"
}

# ---------------------------------------------------------------- initramfs

# The upstream selftest of the same source, static, against the tree's own
# uapi headers.  It is taken from Debian's source as shipped: the series
# changes neither tools/ nor the uapi headers.
build_selftest() {
	local hdr=$top/obj-hdr/usr/include out=$top/initramfs
	mkdir -p "$out"
	# "make headers": the sanitised uapi headers, as the selftests'
	# Makefile uses them (headers_install would need rsync).
	nice -n 19 make -s -C "$src" O="$top/obj-hdr" headers > /dev/null
	nice -n 19 gcc -static -O2 -Wall -isystem "$hdr" \
		-I"$src/tools/testing/selftests" -I"$src/tools/testing/selftests/mm" \
		-I"$src/tools/include/uapi" \
		-o "$out/mseal_test" "$src/tools/testing/selftests/mm/mseal_test.c" \
		> "$out/mseal_test.log" 2>&1 ||
		{
			cat "$out/mseal_test.log" >&2
			die "mseal_test.c does not build"
		}
	nice -n 19 gcc -static -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
		-o "$out/conformant_cost" bench/conformant_cost.c
	nice -n 19 gcc -static -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
		-o "$out/conformant-init" tools/conformant-init.c
}

build_initramfs() {
	local out=$top/initramfs
	say "building the static sealspec"
	nice -n 19 make --no-print-directory static > /dev/null
	build_selftest
	python3 tools/matrix-initramfs.py build/static/sealspec "$out/init.cpio" \
		"$out/conformant-init" "$out/mseal_test" "$out/conformant_cost"
}

# ---------------------------------------------------------------- boots

# Boots one kernel.  $2 is "profile" ($3 names the profile: the catalog
# under sealspec as /init) or "selftest" ($3 names the run: mseal_test and
# the cost loop under tools/conformant-init.c).  The report comes back on
# the second serial port; runs/<tree>-<$3>/report.txt keeps it.
boot() {
	local tree=$1 what=$2 name=$3 dir cmdline t0 t1 rc=0 qpid
	dir=$runs/$tree-$name
	rm -rf "$dir"
	mkdir -p "$dir"
	if [ "$what" = profile ]; then
		cmdline="console=ttyS0 panic=-1 loglevel=1 sealspec.profile=$name sealspec.format=text sealspec.timeout=60 sealspec.output=/dev/ttyS1"
	else
		cmdline="console=ttyS0 panic=-1 loglevel=1 rdinit=/conformant-init conformant.iter=$cost_iter"
	fi
	cmdline="$cmdline${append:+ $append}"
	t0=$(date +%s)
	# In the background so that an interrupt reaches QEMU at once.
	timeout -k 10 "$boot_timeout" qemu-system-x86_64 \
		-nodefaults -machine pc -cpu qemu64,+pku -smp 2 \
		-accel tcg,thread=single -m 512M -display none -no-reboot \
		-serial "file:$dir/console.log" -serial "file:$dir/ttyS1.log" \
		-kernel "$top/obj-$tree/arch/x86/boot/bzImage" \
		-initrd "$top/initramfs/init.cpio" \
		-append "$cmdline" < /dev/null > "$dir/qemu.log" 2>&1 &
	qpid=$!
	trap 'kill -TERM "$qpid" 2> /dev/null; exit 143' INT TERM
	wait "$qpid" || rc=$?
	trap - INT TERM
	t1=$(date +%s)
	printf 'tree=%s\nsource=%s\ncmdline=%s\nseconds=%s\nqemu_status=%s\n' \
		"$tree" "$(cat "$top/src/version")" "$cmdline" $((t1 - t0)) "$rc" > "$dir/meta.txt"
	tr -d '\r' < "$dir/ttyS1.log" > "$dir/report.txt" || true
	if [ ! -s "$dir/report.txt" ]; then
		say "$tree $name: no report after $((t1 - t0)) s (QEMU status $rc); see ${dir#"$root"/}/console.log"
		return 0
	fi
	if [ "$what" = profile ]; then
		printf '\n== %s kernel (%s), --profile %s: %d s ==\n' "$tree" \
			"$(sed -n 's/^sealspec: target kernel, kernel \([^ ]*\).*/\1/p' "$dir/report.txt")" \
			"$name" $((t1 - t0))
		sed -n '/^Guideline table/,$p' "$dir/report.txt"
		awk '/^FAIL  /{ print $2 }' "$dir/report.txt" | sort > "$dir/failed.txt"
		# "N passed, N failed, N skipped, N broken, N xfail (N cases, ...)"
		if ! grep -Eq '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped, 0 broken, .*\([1-9][0-9]* cases' "$dir/report.txt"; then
			say "$tree --profile $name: the run broke or ran no case; see ${dir#"$root"/}/report.txt"
			echo "$tree $name BROKEN" >> "$top/verdicts.txt"
			return 0
		fi
		compare_failures "$tree" "$name" "$dir/failed.txt"
	fi
}

# What a profile run should fail: nothing under guidelines on the patched
# kernel; tests/guidelines-deviations.txt under guidelines on the unpatched
# one and under linux on the patched one; nothing under linux unpatched.
compare_failures() {
	local tree=$1 profile=$2 failed=$3 want=/dev/null label="no failure"
	if { [ "$tree" = unpatched ] && [ "$profile" = guidelines ]; } ||
		{ [ "$tree" = patched ] && [ "$profile" = linux ]; }; then
		want=$tmp/deviations
		label="tests/guidelines-deviations.txt"
	fi
	case $profile in guidelines | linux) ;; *) return 0 ;; esac
	if diff -u "$want" "$failed" > "$failed.diff"; then
		say "$tree --profile $profile: the failures are exactly as expected ($label)"
		echo "$tree $profile expected" >> "$top/verdicts.txt"
	else
		say "$tree --profile $profile: the failures differ from $label:"
		sed -n '3,$p' "$failed.diff" | sed 's/^/    /'
		echo "$tree $profile UNEXPECTED" >> "$top/verdicts.txt"
	fi
}

# The selftest boot's report: mseal_test's totals and failures.
show_selftest() {
	local tree=$1 f=$runs/$1-selftest-1/report.txt
	printf '\n== %s kernel: tools/testing/selftests/mm/mseal_test.c ==\n' "$tree"
	[ -s "$f" ] || { echo "(no report)" && return 0; }
	grep -E '^(# Totals|not ok|conformant-init: /mseal_test)' "$f" || true
}

# The cost table: median ns/op over the selftest boots, per kernel.
show_costs() {
	printf '\n== the cost loop (bench/conformant_cost.c, %s operations a round, %s boots per kernel, alternating) ==\n' \
		"$cost_iter" "$cost_boots"
	python3 tools/conformant-report.py --costs "$top"
}

# ---------------------------------------------------------------- main

start=$(date +%s)
rm -f "$top/verdicts.txt"
cost_iter=${CONFORMANT_COST_ITER:-20000}
cost_boots=${CONFORMANT_COST_BOOTS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -e 's/#.*//' -e '/^[[:space:]]*$/d' tests/guidelines-deviations.txt | sort > "$tmp/deviations"

papt_install_missing qemu-system-x86_64:qemu-system-x86 python3:python3 \
	dpkg-deb:dpkg git:git bison:bison flex:flex bc:bc perl:perl \
	xz:xz-utils /usr/include/libelf.h:libelf-dev \
	/usr/include/openssl/ssl.h:libssl-dev
mkdir -p "$top"
papt_write_sources conformant
papt_write_conf
# The lists are refreshed at most once a day: a re-run after a patch
# change needs no network.
papt_update 1440
read -r srcpkg srcver <<< "$(pick_source)"
say "source: $srcpkg $srcver"
fetch_source "$srcpkg" "$srcver"

for tree in $trees; do
	build_tree "$tree"
done

if [ "${CONFORMANT_BOOT:-1}" != 0 ]; then
	build_initramfs
	rm -rf "$runs"
	: > "$top/verdicts.txt"
	for tree in $trees; do
		for p in $profiles; do
			boot "$tree" profile "$p"
		done
	done
	if [ "${CONFORMANT_SELFTEST:-1}" != 0 ]; then
		# Alternating boots, so that the load of the shared machine
		# drifts over both kernels alike.
		for i in $(seq "$cost_boots"); do
			for tree in $trees; do
				boot "$tree" selftest "selftest-$i"
			done
		done
		for tree in $trees; do
			show_selftest "$tree"
		done
		show_costs | tee "$top/costs.txt"
	fi
	python3 tools/conformant-report.py "$top" > "$top/results.md"
	say "the results as Markdown: ${top#"$root"/}/results.md"
fi

{
	echo
	echo "source: $srcpkg $srcver"
	for tree in $trees; do
		echo "$tree: last build $(cat "$top/obj-$tree/build-seconds") s"
	done
	[ ! -s "$top/verdicts.txt" ] || sed 's/^/verdict: /' "$top/verdicts.txt"
	echo "total: $(($(date +%s) - start)) s"
} | tee "$top/summary.txt"
! grep -Eq 'UNEXPECTED|BROKEN' "$top/verdicts.txt" 2> /dev/null
