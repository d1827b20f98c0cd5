# shellcheck shell=bash disable=SC2154
# SPDX-License-Identifier: MIT
#
# A private apt for the scripts that fetch Debian packages from other
# suites (tools/matrix.sh, tools/conformant-kernel.sh): its own sources,
# lists, cache and (empty) status and preferences, so nothing of the
# machine's own apt state changes; the machine's apt.conf.d (proxies, say)
# still applies.  The sources are derived at run time from the machine's
# deb822 file, so no mirror is named in this repository.
#
# Sourced, not run.  The caller sets, before calling anything here:
#   aptdir           where the private state lives
#   sources          the machine's deb822 sources file
#   main_suites      suites to take from the main archive's entry
#   security_suites  suites to take from the security archive's entry
#   root             the checkout (for messages)
# and defines say and die.

# papt_install_missing CHECK:PACKAGE...: installs, with the machine's own
# apt, the packages whose CHECK is missing.  A CHECK is a command, or an
# absolute path that must exist.  apt-get update only when something is
# missing; another apt-get may hold the dpkg lock a while: wait for it.
papt_install_missing() {
	local missing=() pair check
	for pair in "$@"; do
		check=${pair%%:*}
		case $check in
		/*) [ -e "$check" ] || missing+=("${pair#*:}") ;;
		*) command -v "$check" > /dev/null || missing+=("${pair#*:}") ;;
		esac
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	say "installing ${missing[*]}"
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		-o DPkg::Lock::Timeout=600 "${missing[@]}"
}

# papt_write_sources NAME: writes $aptdir/sources/NAME.sources, the suites
# above with the URIs and Signed-By of the machine's main and security
# entries.  deb822: "Field: value" lines, continuation lines start with a
# space, stanzas are separated by blank lines.  Without a security entry
# the -security suites are left out (said); without a main entry, die.
papt_write_sources() {
	local name=$1 rc=0
	[ -r "$sources" ] || die "cannot read $sources (set MATRIX_SOURCES to a deb822 sources file)"
	mkdir -p "$aptdir/sources"
	awk -v main_suites="$main_suites" -v security_suites="$security_suites" '
	function flush(   is_sec, n, s, i, which) {
		if (types !~ /(^|[ \t])deb([ \t]|$)/ || tolower(enabled) == "no" || uris == "") {
			reset(); return
		}
		n = split(suites, s, /[ \t]+/)
		is_sec = 0
		for (i = 1; i <= n; i++)
			if (s[i] ~ /-security$/) is_sec = 1
		which = is_sec ? "security" : "main"
		if (!(which in done)) {
			done[which] = 1
			out = out "Types: deb\nURIs: " uris "\nSuites: " \
				(is_sec ? security_suites : main_suites) \
				"\nComponents: main\n"
			if (signed != "") out = out "Signed-By:" signed "\n"
			out = out "\n"
		}
		reset()
	}
	function reset() { types = uris = suites = signed = enabled = field = "" }
	BEGIN { reset() }
	/^#/ { next }
	/^[ \t]*$/ { flush(); next }
	/^[ \t]/ {
		if (field == "signed-by") signed = signed "\n" $0
		else if (field == "uris") uris = uris " " $1
		next
	}
	{
		field = tolower(substr($0, 1, index($0, ":") - 1))
		value = substr($0, index($0, ":") + 1)
		if (field == "signed-by") { signed = value; next }
		sub(/^[ \t]+/, "", value); sub(/[ \t]+$/, "", value)
		if (field == "types") types = value
		else if (field == "uris") uris = value
		else if (field == "suites") suites = value
		else if (field == "enabled") enabled = value
	}
	END {
		flush()
		if (!("main" in done)) exit 3
		printf "%s", out
		if (!("security" in done)) exit 4
	}' "$sources" > "$aptdir/sources/$name.sources.new" || rc=$?
	case $rc in
	0) ;;
	4) say "$sources has no security entry: the -security suites are left out" ;;
	*) die "$sources has no enabled deb entry for the main archive" ;;
	esac
	mv "$aptdir/sources/$name.sources.new" "$aptdir/sources/$name.sources"
}

papt_write_conf() {
	mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" \
		"$aptdir/state" "$aptdir/preferences.d"
	: > "$aptdir/status"
	cat > "$aptdir/apt.conf" <<-CONF
		Dir::Etc::SourceList "/dev/null";
		Dir::Etc::SourceParts "$aptdir/sources";
		Dir::Etc::Preferences "/dev/null";
		Dir::Etc::PreferencesParts "$aptdir/preferences.d";
		Dir::State "$aptdir/state";
		Dir::State::Lists "$aptdir/lists";
		Dir::State::status "$aptdir/status";
		Dir::Cache "$aptdir/cache";
		APT::Sandbox::User "root";
		APT::Architecture "amd64";
		APT::Architectures { "amd64"; };
		Acquire::Languages "none";
		Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled "false";
	CONF
}

papt_get() { APT_CONFIG=$aptdir/apt.conf apt-get -q "$@"; }
papt_cache() { APT_CONFIG=$aptdir/apt.conf apt-cache "$@"; }

# papt_update MINUTES|never: apt-get update in the private configuration,
# unless every list is younger than MINUTES.  Suites that are not
# there make apt-get update complain and exit non-zero; that is expected
# (say experimental is gone), so only an update that leaves no package
# lists at all stops the run.
papt_update() {
	local max_age=$1
	if [ "$max_age" != never ] && compgen -G "$aptdir/lists/*_Packages*" > /dev/null &&
		[ -z "$(find "$aptdir/lists" -maxdepth 1 -name '*_Packages*' -mmin "+$max_age")" ]; then
		return 0
	fi
	say "apt-get update (private configuration in ${aptdir#"$root"/})"
	if ! papt_get update > "$aptdir/update.log" 2>&1; then
		say "apt-get update reported problems (some suites may not exist):"
		grep -E '^(W|E|Err):' "$aptdir/update.log" | sed 's/^/    /' | head -n 20 || true
	fi
	compgen -G "$aptdir/lists/*_Packages*" > /dev/null ||
		die "no package lists after apt-get update; see ${aptdir#"$root"/}/update.log"
}
