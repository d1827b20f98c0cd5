#!/bin/sh
# make check-html: the HTML report of the whole catalog, read by a real
# browser.  Renders build/report.html (run --target kernel --profile
# guidelines, which fails cases on current kernels, so failures are drawn)
# and build/report-both.html (the default run: kernel and model side by
# side) in headless Chromium and fails when a page is empty, throws a
# JavaScript error, loads anything from elsewhere or is 2 MB or more.  Leaves a screenshot
# in build/report.png (docs/img/report.png is one).  Installs Debian's
# chromium package when no Chromium is found (needs root and the network).
#
#   sh tools/check-html.sh [BUILD]
set -u
b=${1:-build}
fail=0
bad() { echo "check-html: $*"; fail=1; }

browser=
for c in chromium chromium-browser google-chrome; do
	if command -v "$c" > /dev/null; then browser=$c; break; fi
done
if [ -z "$browser" ]; then
	echo "check-html: no Chromium; installing Debian's chromium package"
	apt-get update > /dev/null &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y chromium > /dev/null ||
		{ echo "check-html: could not install chromium"; exit 1; }
	browser=chromium
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# render PAGE: the DOM after scripts ran in $tmp/dom, the console in
# $tmp/log.  A fresh profile, so nothing of the user's is read or written.
render() {
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
		--user-data-dir="$tmp/profile" --no-first-run \
		--enable-logging=stderr --v=0 --virtual-time-budget=3000 \
		--dump-dom "file://$1" > "$tmp/dom" 2> "$tmp/log"
}

# A JavaScript error is a console line the browser marks "Uncaught".
js_errors() {
	grep -E 'CONSOLE.*(Uncaught|Error)' "$tmp/log"
}

# The check must see an error where there is one.
printf '<!DOCTYPE html><html><body><p>x</p><script>nosuch();</script></body></html>\n' > "$tmp/broken.html"
render "$tmp/broken.html"
if ! js_errors > /dev/null; then
	bad "the JavaScript error check does not see a thrown error; console was:"
	head -n 5 "$tmp/log"
fi

# check_page PAGE: what every report page must be.
check_page() {
	page=$1
	psize=$(wc -c < "$page")
	if [ "$psize" -ge 2097152 ]; then
		bad "$page is $psize bytes, not under 2 MB"
	fi
	# Self-contained: no script, style sheet, image or frame from elsewhere.
	if grep -qiE '<script[^>]* src=|<link |<img |<iframe|@import|url\(' "$page"; then
		bad "$page loads something from elsewhere"
	fi
	if grep -oE '(https?|ftp)://[^"<> ]*' "$page" | grep -v '^http://www.w3.org/2000/svg$' | grep -q .; then
		bad "$page names a URL: $(grep -oE '(https?|ftp)://[^"<> ]*' "$page" | grep -v w3.org | head -n 1)"
	fi
	render "$(realpath "$page")"
	if js_errors; then
		bad "JavaScript errors in $page"
	fi
	text=$(sed -e 's/<[^>]*>//g' "$tmp/dom" | tr -s ' \n' | wc -c)
	if [ "$text" -lt 1000 ]; then
		bad "$page renders empty ($text characters of text)"
	fi
	for want in 'id="rules"' 'id="cases"' 'Guideline table'; do
		grep -qF "$want" "$tmp/dom" || bad "$page renders without $want"
	done
}

"$b/sealspec" run --target kernel --profile guidelines --format html > "$b/report.html"
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
	bad "sealspec run --format html exited $rc"
fi
check_page "$b/report.html"
for want in '<svg' '<pre class="scn">' '<span class="fail"><span class="ln">'; do
	grep -qF "$want" "$tmp/dom" || bad "the rendered page has no $want"
done
nfail=$(grep -c '<section class="case" id="c' "$tmp/dom")
nsvg=$(grep -o '<svg' "$tmp/dom" | wc -l)
if [ "$nfail" -lt 1 ] || [ "$nsvg" -lt "$nfail" ]; then
	bad "$nfail failures drawn with $nsvg strips"
fi
size=$(wc -c < "$b/report.html")

"$b/sealspec" run --format html > "$b/report-both.html"
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
	bad "sealspec run --format html (kernel and model) exited $rc"
fi
check_page "$b/report-both.html"
grep -qF '<th>model</th>' "$tmp/dom" || bad "the kernel and model page has no model column"

timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
	--user-data-dir="$tmp/profile" --no-first-run --hide-scrollbars \
	--window-size=1100,1500 --screenshot="$b/report.png" \
	"file://$(realpath "$b/report.html")" > /dev/null 2>&1 ||
	bad "no screenshot"

echo "check-html: $b/report.html, $size bytes, $nfail failures drawn;" \
	"$b/report-both.html, $(wc -c < "$b/report-both.html") bytes;" \
	"rendered by $($browser --version 2> /dev/null | head -n 1)," \
	"screenshot $b/report.png"
[ "$fail" -eq 0 ] && echo "check-html: ok"
exit $fail
