"""Safe Markdown: hand-written expected HTML for the common forms, and a whitelist oracle
(the standard library's HTML parser) over hostile and random input."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from quantdesk.core.chat.markdown import SAFE_LINK_SCHEMES, copy_target, render_markdown

TAGS = {"p", "br", "strong", "em", "del", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
        "ul", "ol", "li", "blockquote", "hr", "table", "thead", "tbody", "tr", "th", "td", "a",
        "span"}
ATTRS = {"a": {"href"}, "p": {"class"}, "span": {"class"}, "code": {"class"}, "ol": {"start"},
         "th": {"align"}, "td": {"align"}}


class Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.bad: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in TAGS:
            self.bad.append(f"tag {tag}")
        for name, value in attrs:
            if name not in ATTRS.get(tag, set()):
                self.bad.append(f"{tag}[{name}]")
            if name == "href":
                self.hrefs.append(value or "")

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        self.bad.append("comment")

    def handle_decl(self, decl):
        self.bad.append("declaration")

    def handle_pi(self, data):
        self.bad.append("processing instruction")


def audit(html: str, schemes=SAFE_LINK_SCHEMES) -> Audit:
    a = Audit()
    a.feed(html)
    a.close()
    assert not a.bad, a.bad
    for href in a.hrefs:
        if re.fullmatch(r"#copy-\d+", href):
            continue
        parts = urlsplit(href)
        assert parts.scheme in schemes, href
        assert not re.search(r"[\s\x00-\x1f\x7f]", href), href
        if parts.scheme in ("http", "https"):
            assert parts.netloc, href
    return a


def html(text: str, **kw) -> str:
    return render_markdown(text, copy_links=False, **kw).html


def test_paragraphs_headings_and_inline_forms():
    assert html("# Title\n\nSome **bold**, *it*, `a<b>` and ~~gone~~.\nNext line.") == (
        "<h1>Title</h1>\n<p>Some <strong>bold</strong>, <em>it</em>, <code>a&lt;b&gt;</code> "
        "and <del>gone</del>.<br>Next line.</p>")
    assert html("snake_case_name and *a **b** c*") == (
        "<p>snake_case_name and <em>a <strong>b</strong> c</em></p>")
    assert html(r"\*not emphasis\*") == "<p>*not emphasis*</p>"
    assert html("2 * 3 * 4") == "<p>2 * 3 * 4</p>"


def test_lists_nest_and_number_from_their_start():
    assert html("- a\n- b\n  - nested\n- c") == (
        "<ul><li>a</li><li>b\n<ul><li>nested</li></ul></li><li>c</li></ul>")
    assert html("3. three\n4. four") == '<ol start="3"><li>three</li><li>four</li></ol>'
    assert html("1. one\n\n2. two") == "<ol><li><p>one</p></li><li><p>two</p></li></ol>"


def test_quotes_rules_and_tables():
    assert html("> quoted\n> more\nlazy") == (
        "<blockquote><p>quoted<br>more<br>lazy</p></blockquote>")
    assert html("---") == "<hr>"
    assert html("| a | b |\n|:--|--:|\n| 1 | 2 |\n| x |") == (
        '<table><thead><tr><th align="left">a</th><th align="right">b</th></tr></thead>'
        '<tbody><tr><td align="left">1</td><td align="right">2</td></tr>'
        '<tr><td align="left">x</td><td align="right"></td></tr></tbody></table>')


def test_code_blocks_are_listed_for_copying_and_escaped():
    out = render_markdown('Run:\n```python\nprint("<b>")  # & done\n```\nThen `x`.\n'
                          '~~~\nplain\n~~~')
    assert [(b.index, b.language, b.code, b.closed) for b in out.code_blocks] == [
        (0, "python", 'print("<b>")  # & done', True), (1, "", "plain", True)]
    assert ('<p class="code-bar"><span class="code-language">python</span> '
            '<a href="#copy-0">Copy</a></p>\n<pre><code class="language-python">'
            "print(&quot;&lt;b&gt;&quot;)  # &amp; done</code></pre>") in out.html
    assert '<a href="#copy-1">Copy</a></p>\n<pre><code>plain</code></pre>' in out.html
    assert copy_target("#copy-1") == 1 and copy_target("https://x") is None
    audit(out.html)


def test_an_answer_still_streaming_shows_its_open_code_block():
    out = render_markdown("Here:\n```js\nconst a = 1;\nconst b")
    assert out.code_blocks[0].closed is False
    assert out.code_blocks[0].code == "const a = 1;\nconst b"
    assert "<pre><code class=\"language-js\">const a = 1;\nconst b</code></pre>" in out.html


def test_links_keep_an_href_only_for_safe_schemes():
    text = ("[ok](https://example.com/a?b=1&c=2) [js](javascript:alert(1)) [rel](foo.png) "
            "[file](file:///etc/passwd) [data](data:text/html,x) [nohost](http:foo) "
            "<https://a.example> bare https://x.org/p. <me@x.org> [JS](JaVaScRiPt:alert(1))")
    out = html(text)
    assert '<a href="https://example.com/a?b=1&amp;c=2">ok</a>' in out
    assert "js (javascript:alert(1))" in out and "rel (foo.png)" in out
    assert "file (file:///etc/passwd)" in out and "data (data:text/html,x)" in out
    assert "nohost (http:foo)" in out
    assert '<a href="https://a.example">https://a.example</a>' in out
    assert '<a href="https://x.org/p">https://x.org/p</a>.' in out
    assert '<a href="mailto:me@x.org">me@x.org</a>' in out
    assert audit(out).hrefs == ["https://example.com/a?b=1&c=2", "https://a.example",
                                "https://x.org/p", "mailto:me@x.org"]
    # With no schemes allowed every link is text.
    assert audit(html(text, link_schemes=())).hrefs == []


def test_images_and_raw_html_never_become_markup():
    out = html('![a cat](https://x/cat.png) <img src="x.png" onerror="alert(1)">'
               "<script>alert(1)</script> <a href=\"file:///x\">x</a> <!-- c --> "
               '<style>*{background:url(x)}</style> <link rel="stylesheet" href="x.css">')
    a = audit(out)
    assert a.tags == ["p"]
    assert "[image: a cat]" in out and "&lt;img src=&quot;x.png&quot;" in out
    assert "&lt;script&gt;" in out and "&lt;!-- c --&gt;" in out


def test_entity_tricks_do_not_smuggle_a_scheme():
    out = html("[x](&#106;avascript:alert(1)) [y](java\tscript:alert(1)) [z](<javascript:a>)")
    assert audit(out).hrefs == []


def test_long_hostile_input_still_renders_everything_escaped():
    for text in ("*a " * 5000, "[a " * 5000, "`a " * 5000, "[a](" * 5000, "*_" * 2000,
                 "- a\n" + "\n" * 5000 + "  b", ">" * 3000 + " x", "```\n" * 3000):
        out = render_markdown(text)
        audit(out.html)


markdownish = st.text(alphabet=st.sampled_from(list(
    "ab1 \n\t*_~`#>-+|:.!()[]<>/\\\"'&=;@hptsjavcridofeg\x00\u202e")), max_size=300)


@settings(max_examples=300, deadline=None)
@given(markdownish)
def test_any_input_yields_only_whitelisted_markup(text):
    out = render_markdown(text)
    audit(out.html)
    for block in out.code_blocks:
        assert f'href="#copy-{block.index}"' in out.html


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_any_unicode_yields_only_whitelisted_markup(text):
    audit(render_markdown(text, link_schemes=("https",)).html, schemes=("https",))
