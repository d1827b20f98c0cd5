# Sourced by tests/run.sh: `make install` into a DESTDIR, the example built
# with pkg-config against the installed tree alone, the installed man pages
# rendered by groff -ww without a warning, and `make uninstall`.  Uses ok,
# not_ok, expect_exit, expect_grep and $tmp from run.sh.

# install_check BUILD (a plain build: the sanitizer one cannot be linked
# without its runtime flags)
install_check() {
	ib=$1
	for tool in pkg-config groff; do
		if ! command -v $tool > /dev/null; then
			not_ok "$tool is missing (sh tools/install-deps.sh installs it): make install was not checked"
			return
		fi
	done
	dest=$tmp/destdir
	rm -rf "$dest"
	mkdir -p "$dest"
	git status --porcelain --untracked-files=all 2> /dev/null | grep -v ' build/' > "$tmp/tree.before"
	expect_exit 0 "make install DESTDIR PREFIX=/usr" \
		make --no-print-directory -s BUILD="$ib" install DESTDIR="$dest" PREFIX=/usr
	(cd "$dest" && find . -type f | sort) > "$tmp/installed"
	cat > "$tmp/installed.want" <<'LIST'
./usr/bin/sealspec
./usr/include/sealspec-model.h
./usr/include/sealspec.h
./usr/lib/libsealspec.a
./usr/lib/pkgconfig/sealspec.pc
./usr/share/man/man1/sealspec.1
./usr/share/man/man3/libsealspec.3
./usr/share/man/man5/sealspec-scenario.5
LIST
	if cmp -s "$tmp/installed" "$tmp/installed.want"; then ok; else
		not_ok "make install put other files than expected:"
		diff "$tmp/installed.want" "$tmp/installed"
	fi
	git status --porcelain --untracked-files=all 2> /dev/null | grep -v ' build/' > "$tmp/tree.after"
	if cmp -s "$tmp/tree.before" "$tmp/tree.after"; then ok; else
		not_ok "make install wrote into the source tree outside build/:"
		diff "$tmp/tree.before" "$tmp/tree.after"
	fi

	# The example, with nothing but what pkg-config says about the
	# installed tree (the sysroot prefixes its paths with DESTDIR).
	pc="env PKG_CONFIG_PATH=$dest/usr/lib/pkgconfig PKG_CONFIG_LIBDIR=$dest/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest pkg-config"
	cflags=$($pc --cflags sealspec)
	libs=$($pc --libs sealspec)
	case "$cflags $libs" in
	*"-I$dest/usr/include"*"-L$dest/usr/lib -lsealspec"*) ok ;;
	*) not_ok "pkg-config --cflags --libs sealspec gave '$cflags $libs'" ;;
	esac
	# shellcheck disable=SC2086
	if ${CC:-cc} $cflags -o "$tmp/demo-installed" examples/model-demo.c $libs 2> "$tmp/cc.err"; then ok; else
		not_ok "examples/model-demo.c does not build against the installed tree:"
		cat "$tmp/cc.err"
	fi
	expect_exit 0 "model-demo built against the installed tree" "$tmp/demo-installed"
	expect_grep "$tmp/out" "munmap(a, 4p)                        = EPERM" "installed model-demo: munmap of sealed pages"
	expect_exit 0 "installed sealspec maps" "$dest/usr/bin/sealspec" maps --sealed
	expect_exit 0 "pkg-config --modversion" $pc --modversion sealspec

	# Each man page renders, with a NAME section, and without a warning.
	for page in man1/sealspec.1 man5/sealspec-scenario.5 man3/libsealspec.3; do
		groff -ww -man -Tutf8 "$dest/usr/share/man/$page" > "$tmp/man.out" 2> "$tmp/man.err"
		if [ -s "$tmp/man.err" ]; then
			not_ok "groff -ww warns about $page:"
			head -n 10 "$tmp/man.err"
		else ok; fi
		if grep -q "^N.*A.*M.*E" "$tmp/man.out" && [ "$(wc -l < "$tmp/man.out")" -gt 20 ]; then ok; else
			not_ok "$page renders to nothing useful"
		fi
	done

	expect_exit 0 "make uninstall" \
		make --no-print-directory -s BUILD="$ib" uninstall DESTDIR="$dest" PREFIX=/usr
	left=$(cd "$dest" && find . -type f | head -n 5)
	if [ -z "$left" ]; then ok; else
		not_ok "make uninstall left files behind: $left"
	fi
	rm -rf "$dest"
}
