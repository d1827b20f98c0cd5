#!/bin/sh
# make mutants: small faults put into the model one at a time; for each,
# whether the catalog (run --target model, every profile) and a fuzz run of
# MUTANT_SECONDS (default 60) on this kernel kill it.  Two kinds:
#
#   switch  SEALSPEC_MODEL_FLIP=NAME: one profile switch inverted (no build)
#   source  one substitution in src/model/ (perl, first match), built in a
#           copy of the tree under build/mutants/
#
# MUTANT_ONLY='TEXT|TEXT...' runs only the mutants whose description
# holds one of the texts (after the baseline), to look at some again.
#
# A source mutant whose pattern no longer matches (the model changed) is
# reported as "stale", never as survived.  Prints one line per mutant and
# the kill rates; exit 0 (figures, not a test).
#
# Every source fault is in code the linux profile runs: the fuzzer judges
# the model under the profile this kernel has, so a fault only 6.10 or the
# guidelines reach (can_modify_mm()-style range walks, atomic-failure
# validation) could never be killed by fuzzing here.  Such faults are the
# catalog's business, which runs every profile.
set -u
T=${MUTANT_SECONDS:-60}
ONLY=${MUTANT_ONLY:-}
ROOT=$(pwd)
WORK=$ROOT/build/mutants
S=$ROOT/build/sealspec

mkdir -p "$WORK"
rm -rf "$WORK/tree"
mkdir -p "$WORK/tree"
cp -r Makefile include src tools cases "$WORK/tree/"

# file%perl substitution%what the fault is
cat > "$WORK/list" <<'EOF'
src/model/mprotect.c%s/if \(vma_is_sealed\(v\)\)\n\t\treturn -EPERM;/if (0 && vma_is_sealed(v))\n\t\treturn -EPERM;/%mprotect: no seal check (mprotect_fixup)
src/model/mprotect.c%s/if \(vma_is_sealed\(v\)\)\n\t\treturn -EPERM;/if (vma_is_sealed(v))\n\t\treturn -EACCES;/%mprotect: EACCES instead of EPERM for a seal
src/model/mprotect.c%s/err = -EACCES;\n\t\t\tbreak;/err = -EPERM;\n\t\t\tbreak;/%mprotect: EPERM instead of EACCES for VM_MAY* (the per-VMA walk)
src/model/vma.c%s/if \(vma_is_sealed\(v\)\)\n\t\t\treturn -EPERM;/if (0)\n\t\t\treturn -EPERM;/%munmap: no seal check
src/model/madvise.c%s/\tcase MADV_FREE:\n\tcase MADV_DONTNEED:\n/\tcase MADV_DONTNEED:\n/%madvise: MADV_FREE is not a discard
src/model/madvise.c%s/\tcase MADV_DONTFORK:\n\tcase MADV_WIPEONFORK:\n\tcase MADV_GUARD_INSTALL:/\tcase MADV_WIPEONFORK:\n\tcase MADV_GUARD_INSTALL:/%madvise: MADV_DONTFORK is not a discard
src/model/mremap.c%s/\/\* check_prep_vma\(\) \*\/\n\t\tif \(vma_is_sealed\(v\)\)/\/* check_prep_vma() *\/\n\t\tif (0)/%mremap: no seal check on the source
src/model/mremap.c%s/(\tif \(flags & MREMAP_FIXED\) \{\n.*?\n\t\}\n)(\tif \(old_len > new_len\) \{\n.*?\n\t\}\n)/$2$1/s%mremap: the shrink before the destination is unmapped (wrong order)
src/model/mseal.c%s/if \(flags\)\n\t\treturn -EINVAL;/if (flags > 1)\n\t\treturn -EINVAL;/%mseal: flags 1 accepted
src/model/mseal.c%s/if \(end == start\)\n\t\treturn 0;/if (end == start)\n\t\treturn -EINVAL;/%mseal: len 0 is EINVAL
src/model/mmap.c%s/if \(\(long\)mm->vmas.count > \(long\)c->max_map_count\)/if ((long)mm->vmas.count >= (long)c->max_map_count)/%mmap: map-count limit off by one
src/model/mseal.c%s/uint64_t e = v->end < end \? v->end : end;/uint64_t e = v->end;/%mseal: no split at the end of the range (the last VMA sealed whole)
src/model/mseal.c%s/if \(ms__vma_start\(w\) > cur\)\n\t\t\treturn -ENOMEM;/if (0)\n\t\t\treturn -ENOMEM;/%mseal: a hole inside the range not refused
src/model/vma.c%s/if \(check_limit && ms__map_count_full\(mm\)\)\n\t\treturn -ENOMEM;/if (check_limit && 0)\n\t\treturn -ENOMEM;/%split_vma: the map-count limit forgotten
src/model/mlock.c%s/return -EBUSY;/return -EINVAL;/%msync: EINVAL instead of EBUSY on a locked VMA
src/model/mlock.c%s/if \(flags == MS_ASYNC\)\n\t\t\t\treturn -ENOMEM;/if (flags == MS_ASYNC)\n\t\t\t\treturn 0;/%msync: MS_ASYNC quiet at a hole
src/model/vma.c%s/return v->flags == a->flags &&/return (v->flags | MS__VM_LOCKED_MASK) == (a->flags | MS__VM_LOCKED_MASK) \&\&/%merge: VMAs that differ in lock flags merge
src/model/memory.c%s/if \(ms__sw\(mm, MS__SW_FOLL_FORCE_REFUSED\) && vma_is_sealed\(v\) &&/if (vma_is_sealed(v) \&\&/%FOLL_FORCE: writes into sealed read-only memory refused under every profile
EOF

switches=$($S profiles | sed -n '/^switch/,$p' | awk 'NR > 1 && /^[a-z]/ && NF >= 2 { print $1 }' | sort -u)

n=0 cat_kills=0 fuzz_kills=0 stale=0

# The unmutated model's own new differences in the same run (the fuzzer
# may find one): a mutant is killed by fuzzing only with another.
new_sigs() {
	sed -n 's/^NEW   //p' "$1" | sort -u
}
rm -rf "$WORK/out"
$S fuzz --time "$T" --seed 1 --out "$WORK/out" > "$WORK/base.txt" 2>&1
new_sigs "$WORK/base.txt" > "$WORK/base.sigs"
if [ -s "$WORK/base.sigs" ]; then
	echo "baseline: the unmutated model differs in $(wc -l < "$WORK/base.sigs") new way(s) already; those do not count:"
	sed 's/^/    /' "$WORK/base.sigs"
fi
printf '%-8s %-6s %-6s %s\n' kind catalog fuzz fault
run_checks() {
	bin=$1
	shift
	if env "$@" "$bin" run --target model > /dev/null 2>&1; then
		c=-
	else
		c=KILLED
		cat_kills=$((cat_kills + 1))
	fi
	rm -rf "$WORK/out"
	env "$@" "$bin" fuzz --time "$T" --seed 1 --out "$WORK/out" \
		> "$WORK/fuzz.txt" 2>&1
	new_sigs "$WORK/fuzz.txt" | comm -23 - "$WORK/base.sigs" \
		> "$WORK/mut.sigs"
	if [ -s "$WORK/mut.sigs" ]; then
		f=KILLED
		fuzz_kills=$((fuzz_kills + 1))
	else
		f=-
	fi
}

# Is the mutant described by $1 one to run?
wanted() {
	[ -n "$ONLY" ] || return 0
	old_ifs=$IFS
	IFS='|'
	for w in $ONLY; do
		case "$1" in *"$w"*) IFS=$old_ifs; return 0 ;; esac
	done
	IFS=$old_ifs
	return 1
}

for sw in $switches; do
	wanted "invert $sw" || continue
	n=$((n + 1))
	run_checks "$S" SEALSPEC_MODEL_FLIP=$sw
	printf '%-8s %-6s %-6s %s\n' switch "$c" "$f" "invert $sw"
done

(cd "$WORK/tree" && make -s BUILD=build all > /dev/null 2>&1) || {
	echo "mutants: the copy of the tree does not build"
	exit 0
}
while IFS='%' read -r file expr what; do
	[ -n "$file" ] || continue
	wanted "$what" || continue
	t=$WORK/tree/$file
	cp "$t" "$t.orig"
	perl -0pi -e "$expr" "$t"
	if cmp -s "$t" "$t.orig"; then
		stale=$((stale + 1))
		printf '%-8s %-6s %-6s %s\n' source stale stale "$what ($file)"
		rm -f "$t.orig"
		continue
	fi
	n=$((n + 1))
	if (cd "$WORK/tree" && make -s BUILD=build all > /dev/null 2>&1); then
		run_checks "$WORK/tree/build/sealspec"
	else
		c=nobuild f=nobuild
	fi
	printf '%-8s %-6s %-6s %s\n' source "$c" "$f" "$what"
	mv "$t.orig" "$t"
	touch "$t"
done < "$WORK/list"
(cd "$WORK/tree" && make -s BUILD=build all > /dev/null 2>&1)

echo "$n mutants ($stale stale): the catalog kills $cat_kills, $T s of fuzzing kills $fuzz_kills"
