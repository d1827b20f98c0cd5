#!/bin/bash
# SPDX-License-Identifier: MIT
#
# make matrix: the built-in catalog on Debian's cloud kernels under QEMU.
#
# For every kernel series (the newest cloud kernel of each, plus a few exact
# releases) this fetches the kernel with a private apt configuration, boots
# it twice under QEMU with the static sealspec as the whole initramfs (once
# as shipped, -cpu qemu64; once with protection keys, -cpu qemu64,+pku),
# collects the JSON report of each boot and hands the lot to
# tools/matrix-report.py, which prints a table and writes
# build/matrix/matrix.md and build/matrix/matrix.html.
#
# Knobs (environment):
#   MATRIX_SERIES   series to take the newest kernel of
#                   (default "6.1 6.12 6.16 6.17 6.18 6.19 7.0 7.1 7.2 7.3")
#   MATRIX_EXTRA    extra exact kernels: upstream versions (6.12.43) or
#                   releases (6.12.43+deb12-cloud-amd64); default: the
#                   oldest 6.12 there is; set it empty for none
#   MATRIX_VARIANTS "plain pku" (default), or one of them
#   MATRIX_JOBS     boots at once (default 2; each takes one core)
#   MATRIX_TIMEOUT  seconds of wall clock per boot (default 600)
#   MATRIX_APPEND   more kernel command line, e.g. sealspec.rule=G7 or
#                   proc_mem.force_override=always
#   MATRIX_SOURCES  the deb822 file the archive URIs come from
#                   (default /etc/apt/sources.list.d/debian.sources)
#
# Everything is written under build/matrix/: apt/ (the private apt state),
# debs/ and kernels/<release>/vmlinuz (kept: a re-run downloads nothing it
# already has), init.cpio, and runs/<release>-<variant>/ (console.log,
# ttyS1.log, report.json, meta.txt; emptied at the start of every run).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
top=$root/build/matrix
aptdir=$top/apt
debs=$top/debs
kernels=$top/kernels
runs=$top/runs

series=${MATRIX_SERIES:-6.1 6.12 6.16 6.17 6.18 6.19 7.0 7.1 7.2 7.3}
variants=${MATRIX_VARIANTS:-plain pku}
jobs=${MATRIX_JOBS:-2}
boot_timeout=${MATRIX_TIMEOUT:-600}
append=${MATRIX_APPEND:-}
sources=${MATRIX_SOURCES:-/etc/apt/sources.list.d/debian.sources}
main_suites="bookworm bookworm-backports trixie trixie-updates trixie-backports forky sid experimental"
security_suites="bookworm-security trixie-security"

say() { printf 'matrix: %s\n' "$*"; }
die() {
	printf 'matrix: %s\n' "$*" >&2
	exit 1
}

case $jobs in '' | *[!0-9]* | 0) die "MATRIX_JOBS must be a positive number, not '$jobs'" ;; esac
case $boot_timeout in '' | *[!0-9]* | 0) die "MATRIX_TIMEOUT must be a positive number of seconds, not '$boot_timeout'" ;; esac
for v in $variants; do
	case $v in plain | pku) ;; *) die "MATRIX_VARIANTS: unknown variant '$v' (plain, pku)" ;; esac
done

# ---------------------------------------------------------------- tools

# shellcheck source=tools/papt.sh
. "$root/tools/papt.sh"

# ---------------------------------------------------------------- kernels

# One line per real cloud kernel image in the archive:
#   version  image-package  package-with-vmlinuz
# An image package that depends on another linux-image-* is a meta package
# and is left out; from 6.19 the image package is itself small and the
# vmlinuz is in the linux-binary-* package it depends on.
list_images() {
	local names
	names=$(papt_cache pkgnames linux-image- |
		grep -E '^linux-image-[0-9][^ ]*-cloud-amd64$' || true)
	[ -n "$names" ] || return 0
	# shellcheck disable=SC2086 # one package name per word
	papt_cache show $names 2> /dev/null | awk '
	function flush() {
		if (pkg != "" && deps !~ /(^|[ ,|])linux-image-/) {
			bin = pkg
			if (match(deps, /linux-binary-[^ ,(|]+/))
				bin = substr(deps, RSTART, RLENGTH)
			print ver "\t" pkg "\t" bin
		}
		pkg = ver = deps = ""
	}
	/^Package: / { pkg = $2 }
	/^Version: / { ver = $2 }
	/^Depends: / { deps = substr($0, 10) }
	/^$/ { flush() }
	END { flush() }' | sort -u
}

# "6.1.192-3" -> "6.1.192"; "7.3~rc7-1~exp1" -> "7.3~rc7"
upstream() {
	local v=${1#*:}
	echo "${v%-*}"
}

# Reads list_images lines on stdin; prints the one with the newest (mode
# max) or oldest (min) Debian version among those whose upstream version
# is in series S (mode max/min) or equals E / whose release is E (exact).
pick() {
	local mode=$1 want=$2 best="" bestv="" ver pkg bin up rel
	while IFS=$'\t' read -r ver pkg bin; do
		up=$(upstream "$ver")
		rel=${pkg#linux-image-}
		case $mode in
		max | min)
			[[ $up == "$want".* || $up == "$want" || $up == "$want"~* ]] || continue
			;;
		exact)
			[ "$up" = "$want" ] || [ "$rel" = "$want" ] || continue
			;;
		esac
		if [ -z "$best" ] ||
			{ [ "$mode" != min ] && dpkg --compare-versions "$ver" gt "$bestv"; } ||
			{ [ "$mode" = min ] && dpkg --compare-versions "$ver" lt "$bestv"; }; then
			best="$ver	$pkg	$bin"
			bestv=$ver
		fi
	done
	[ -n "$best" ] && printf '%s\n' "$best"
}

# Prints "release version image-package vmlinuz-package" per kernel to boot.
resolve_kernels() {
	local images s e extra line
	images=$(list_images)
	[ -n "$images" ] || die "no linux-image-*-cloud-amd64 package in the private apt lists"
	{
		for s in $series; do
			if line=$(pick max "$s" <<< "$images"); then
				printf '%s\n' "$line"
			else
				say "no cloud kernel of series $s in the archive" >&2
			fi
		done
		if [ "${MATRIX_EXTRA+set}" = set ]; then
			extra=$MATRIX_EXTRA
		else
			extra=$(pick min 6.12 <<< "$images" | cut -f2) || extra=""
			extra=${extra#linux-image-}
		fi
		for e in $extra; do
			if line=$(pick exact "$e" <<< "$images"); then
				printf '%s\n' "$line"
			else
				say "MATRIX_EXTRA: no cloud kernel $e in the archive" >&2
			fi
		done
	} | awk -F'\t' '!seen[$2]++ { r = $2; sub(/^linux-image-/, "", r); print r "\t" $1 "\t" $2 "\t" $3 }'
}

# Downloads (unless debs/ has it) and extracts the vmlinuz of one kernel to
# kernels/<release>/vmlinuz; kernels/<release>/version says which build it
# is, so a re-run with the same version does nothing.
fetch_kernel() {
	local release=$1 version=$2 kpkg=$3 dir file member info list
	dir=$kernels/$release
	if [ -s "$dir/vmlinuz" ] && [ "$(cat "$dir/version" 2> /dev/null)" = "$version" ]; then
		return 0
	fi
	# Whole outputs into variables: a reader that stops early (head) would
	# kill the writer with SIGPIPE, which pipefail turns into an error.
	info=$(papt_cache show "$kpkg=$version")
	file=$(sed -n 's/^Filename: //p' <<< "$info")
	file=${file%%$'\n'*}
	file=$debs/${file##*/}
	[ "$file" != "$debs/" ] || die "apt-cache knows no file for $kpkg=$version"
	if [ ! -s "$file" ]; then
		say "downloading $kpkg $version"
		(cd "$debs" && papt_get download "$kpkg=$version" > /dev/null) ||
			die "apt-get download $kpkg=$version failed"
		[ -s "$file" ] || die "apt-get download did not leave ${file#"$root"/}"
	fi
	list=$(dpkg-deb --fsys-tarfile "$file" | tar -t)
	member=$(grep -E '^(\./)?(boot/vmlinuz-|(usr/)?lib/modules/[^/]+/vmlinuz$)' <<< "$list") ||
		die "no boot/vmlinuz-* or lib/modules/*/vmlinuz in ${file#"$root"/}"
	member=${member%%$'\n'*}
	mkdir -p "$dir"
	dpkg-deb --fsys-tarfile "$file" | tar -xO "$member" > "$dir/vmlinuz.new"
	[ -s "$dir/vmlinuz.new" ] || die "extracting $member from ${file#"$root"/} gave nothing"
	mv "$dir/vmlinuz.new" "$dir/vmlinuz"
	printf '%s\n' "$version" > "$dir/version"
}

# ---------------------------------------------------------------- boots

# Minutes and seconds since the script started: "12:05".
since_start() {
	local s=$(($(date +%s) - start))
	printf '%d:%02d' $((s / 60)) $((s % 60))
}

# Boots one kernel in one variant, retrying once when no report comes back;
# writes runs/<release>-<variant>/meta.txt and prints one progress line.
# Always returns 0: a failed boot is a row of the report, not an error.
boot() {
	local release=$1 variant=$2 version=$3 package=$4 nth=$5 total=$6
	local dir=$runs/$release-$variant cpu=qemu64 attempt rc t0 t1 ms qpid
	local failure="" first_failure="" summary="" cmdline loglevel
	[ "$variant" = pku ] && cpu=qemu64,+pku
	mkdir -p "$dir"
	for attempt in 1 2; do
		# The retry keeps the kernel's messages (oopses, hangs) for the
		# console tail in the report; the JSON is found among them.
		loglevel=" loglevel=1"
		[ "$attempt" -eq 1 ] || loglevel=""
		# sealspec.timeout: one case may take 10 s and more under TCG
		# (the VMA budget cases map thousands of VMAs); MATRIX_APPEND
		# comes later and overrides it.  sealspec.output: the report on
		# the second serial port where init understands it.
		cmdline="console=ttyS0 panic=-1$loglevel sealspec.format=json sealspec.timeout=60 sealspec.output=/dev/ttyS1${append:+ $append}"
		rm -f "$dir/console.log" "$dir/ttyS1.log" "$dir/report.json" "$dir/qemu.log"
		t0=$(date +%s%N)
		rc=0
		# In the background so that the TERM trap runs at once (bash
		# defers traps until a foreground command ends); timeout passes
		# the TERM on to QEMU.
		timeout -k 10 "$boot_timeout" qemu-system-x86_64 \
			-nodefaults -machine pc -cpu "$cpu" -smp 2 \
			-accel tcg,thread=single -m 512M -display none -no-reboot \
			-serial "file:$dir/console.log" -serial "file:$dir/ttyS1.log" \
			-kernel "$kernels/$release/vmlinuz" -initrd "$top/init.cpio" \
			-append "$cmdline" < /dev/null > "$dir/qemu.log" 2>&1 &
		qpid=$!
		trap 'kill -TERM "$qpid" 2> /dev/null; exit 143' TERM
		wait "$qpid" || rc=$?
		trap - TERM
		t1=$(date +%s%N)
		ms=$(((t1 - t0) / 1000000))
		if summary=$(python3 "$root/tools/matrix-report.py" --extract "$dir"); then
			failure=""
			break
		elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			failure="timed out after $boot_timeout s"
		elif [ "$rc" -ne 0 ]; then
			failure="QEMU exited with status $rc: $(head -c 200 "$dir/qemu.log" | tr '\n' ' ')"
		else
			failure="no JSON report on the console (QEMU exited 0)"
		fi
		if [ "$attempt" -eq 1 ]; then
			first_failure=$failure
			printf '[%2d/%d %s] %-30s %-5s %4d s  %s; retrying\n' "$nth" \
				"$total" "$(since_start)" "$release" "$variant" \
				$((ms / 1000)) "$failure"
			[ ! -e "$dir/console.log" ] || mv "$dir/console.log" "$dir/console.attempt1.log"
		fi
	done
	{
		echo "release=$release"
		echo "variant=$variant"
		echo "package=$package"
		echo "version=$version"
		echo "cpu=$cpu"
		echo "cmdline=$cmdline"
		echo "qemu=$qemu_version"
		echo "seconds=$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
		echo "attempts=$attempt"
		[ -z "$first_failure" ] || echo "first_failure=$first_failure"
		echo "qemu_status=$rc"
		if [ -n "$failure" ]; then
			echo "status=failed"
			echo "failure=$failure"
		else
			echo "status=ok"
		fi
	} > "$dir/meta.txt"
	printf '[%2d/%d %s] %-30s %-5s %4d s  %s\n' "$nth" "$total" \
		"$(since_start)" "$release" "$variant" $((ms / 1000)) \
		"${failure:+FAILED: }${failure:-$summary}"
	return 0
}

# ---------------------------------------------------------------- main

start=$(date +%s)
papt_install_missing qemu-system-x86_64:qemu-system-x86 python3:python3 \
	dpkg-deb:dpkg timeout:coreutils
qemu_version=$(qemu-system-x86_64 --version | head -n 1)

say "building the static sealspec"
make --no-print-directory static > /dev/null
mkdir -p "$top" "$debs" "$kernels"
python3 tools/matrix-initramfs.py build/static/sealspec "$top/init.cpio"

papt_write_sources matrix
papt_write_conf
papt_update never # always refresh: a new kernel may have come

kernel_list=$(resolve_kernels)
[ -n "$kernel_list" ] || die "no kernel to boot"
say "kernels:"
while IFS=$'\t' read -r release version package kpkg; do
	printf '    %-32s %-22s %s\n' "$release" "$version" "$kpkg"
done <<< "$kernel_list"
printf '%s\n' "$kernel_list" > "$top/kernels.tsv"

while IFS=$'\t' read -r release version package kpkg; do
	fetch_kernel "$release" "$version" "$kpkg"
done <<< "$kernel_list"

rm -rf "$runs"
mkdir -p "$runs"
nk=$(wc -l <<< "$kernel_list")
nv=$(wc -w <<< "$variants")
total=$((nk * nv))
say "$total boots, $jobs at a time, at most $boot_timeout s each"
# Interrupted: stop the boots (each passes the TERM on to its QEMU).
stop_boots() {
	trap - INT TERM
	say "interrupted: stopping the boots"
	# shellcheck disable=SC2046 # one PID per word
	kill -TERM $(jobs -pr) 2> /dev/null || true
	wait
	exit 130
}
trap stop_boots INT TERM
n=0
while IFS=$'\t' read -r release version package kpkg; do
	for variant in $variants; do
		n=$((n + 1))
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
			wait -n || true
		done
		boot "$release" "$variant" "$version" "$package" "$n" "$total" &
	done
done <<< "$kernel_list"
wait

say "boots done in $(($(date +%s) - start)) s"
python3 tools/matrix-report.py "$runs"
