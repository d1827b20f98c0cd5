# Sourced by tests/run.sh: run --format html on two failing scenarios (an
# expect step and a call), without a browser (make check-html has one):
# one well-formed, self-contained page; the failure drawn with exactly the
# differing cells outlined; the failing lines marked; scenario text that
# holds markup escaped.  Uses ok, not_ok, expect_exit, expect_grep and $tmp
# from run.sh.

# html_report BUILD
html_report() {
	hb=$1
	expect_exit 1 "run --format html on failing cases" \
		"$hb/sealspec" run --format html tests/html/expect-fails.scn tests/hostile/failing.scn
	cp "$tmp/out" "$tmp/report.html"
	r=$tmp/report.html
	expect_grep "$r" '<!DOCTYPE html>' "html: a document"
	expect_grep "$r" '<table id="rules">' "html: the guideline table"
	expect_grep "$r" '<td>G1</td>' "html: a row per rule"
	expect_grep "$r" '<span class="fail"><span class="ln"> 10&#9654;</span>expect a prot &quot;rw rw&quot;' "html: the failing expect step marked"
	expect_grep "$r" '<span class="fail"><span class="ln"> 10&#9654;</span>munmap(a, 2p)' "html: the failing call marked"
	expect_grep "$r" '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;' "html: markup in a scenario escaped"
	expect_grep "$r" 'observed after the call: a' "html: the pages after a failing call"
	for row in 'expected prot' 'observed prot' 'expected seal' 'observed seal' 'expected data' 'observed data'; do
		expect_grep "$r" ">$row</text>" "html: the strip row '$row'"
	done
	# Page 0 differs (r- observed, rw expected), on both rows; nothing else.
	n=$(grep -o 'stroke="#d00000"' "$r" | wc -l)
	if [ "$n" -eq 2 ]; then ok; else
		not_ok "html: $n cells outlined as differing, expected 2 (page 0 of the prot rows)"
	fi
	n=$(grep -o '<script' "$r" | wc -l)
	if [ "$n" -eq 1 ] && ! grep -qiE '<script[^>]* src=|<link |<img |<iframe|url\(' "$r"; then ok; else
		not_ok "html: not self-contained ($n script elements, or something loaded from elsewhere)"
	fi
	if python3 - "$r" > "$tmp/py.out" 2>&1 <<'PY'
# Well-formed: every element closed in order (void elements aside).
import sys
from html.parser import HTMLParser
VOID = {"meta", "br", "input", "rect", "img", "link"}
class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack = []
    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))
    def handle_startendtag(self, tag, attrs):
        pass
    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            print("</%s> at %s closes %s" % (tag, self.getpos(), self.stack[-1:] or "nothing"))
            sys.exit(1)
        self.stack.pop()
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
p.close()
if p.stack:
    print("unclosed: %s" % p.stack)
    sys.exit(1)
PY
	then ok; else
		not_ok "html: not well-formed: $(cat "$tmp/py.out")"
	fi
	expect_exit 2 "run --format xml" "$hb/sealspec" run --format xml tests/html/expect-fails.scn
	expect_grep "$tmp/err" "formats are text, ktap, json, html" "run: the formats named"
}
