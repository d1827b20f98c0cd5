#!/bin/sh
# Installs the Debian packages sealspec needs to build and test, if missing.
# Used by .ci/run; run it by hand (as root) on a fresh machine.
#   build-essential  gcc, make, libc headers
#   libasan8 libubsan1  the sanitizer runtimes `make test` links against
#   perl             prove (TAP::Parser): `make test` reads the KTAP reports
#   python3          `make test` checks every JSON report against its schema
#   procps           ps: `make test` checks no scenario process is left
#   pkg-config groff-base  `make test` builds the example against the tree
#                    `make install` puts in a DESTDIR, and renders the man
#                    pages with groff -ww
#   clang libclang-rt-14-dev  only for `make fuzz-parser` (libFuzzer)
set -eu
want="build-essential libasan8 libubsan1 perl python3 procps pkg-config groff-base clang libclang-rt-14-dev"
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi
