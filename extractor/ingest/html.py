"""HTML to text: table cells kept apart (`|` between cells, one line per row); script, style and navigation
dropped."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _HTMLText(HTMLParser):
    SKIP = {"script", "style", "noscript", "nav", "iframe", "svg", "head", "template", "select", "button"}
    BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
             "table", "tbody", "thead", "tfoot", "title", "dd", "dt", "dl", "pre", "blockquote", "hr", "form"}
    CHROME_TAGS = frozenset(("div", "ul", "nav", "header", "footer", "section", "p", "span"))
    CHROME = re.compile(r"(^|[-_ ])(nav|navbar|menu|breadcrumb|share|footer|header|crumb|sidebar|toolbar)([-_ ]|$)", re.I)

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip_depth = 0
        self.stack: list[tuple[str, bool]] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.meta: dict[str, str] = {}  # the page's own header: <meta name=ArticleTitle|PubDate|ContentSource>
        self.title: list[str] | None = None  # <title> text, collected while inside it
        self.page_title = ""

    def _emit(self, s: str) -> None:
        if self.cell is not None:
            self.cell.append(s)
        else:
            self.out.append(s)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "meta" and (a.get("name") or "") in PAGE_META and (a.get("content") or "").strip():
            self.meta.setdefault(str(a["name"]), re.sub(r"\s+", " ", str(a["content"])).strip())
        if tag == "title":
            self.title = []
        names = f"{a.get('class') or ''} {a.get('id') or ''}" if "class" in a or "id" in a else ""
        chrome = bool(names) and tag in self.CHROME_TAGS and bool(self.CHROME.search(names))
        skipping = tag in self.SKIP or chrome or tag in ("header", "footer")
        if tag not in ("br", "hr", "img", "input", "meta", "link"):
            self.stack.append((tag, skipping))
        if skipping:
            self.skip_depth += 1
            return
        if self.skip_depth:
            return
        if tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []
        elif tag in self.BLOCK:
            self._emit("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self.title is not None:
            self.page_title, self.title = "".join(self.title).strip(), None
        # Pop to the matching start tag (tolerates unclosed tags).
        stack = self.stack
        if stack and stack[-1][0] == tag:  # the common case: the last tag opened is the one closed
            self.skip_depth -= stack.pop()[1]
        else:
            idx = next((i for i in range(len(stack) - 1, -1, -1) if stack[i][0] == tag), None)
            if idx is None:
                return
            for _, skipping in stack[idx:]:
                if skipping:
                    self.skip_depth -= 1
            del stack[idx:]
        if self.skip_depth:
            return
        if tag in ("td", "th") and self.cell is not None:
            text = " ".join("".join(self.cell).split())  # whitespace runs as one space, none at the ends
            if self.row is not None:
                self.row.append(text)
            else:
                self.out.append(text)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.out.append("\n" + " | ".join(self.row) + "\n")
            self.row = None
        elif tag in self.BLOCK:
            self._emit("\n")

    def handle_data(self, data: str) -> None:
        if self.title is not None:
            self.title.append(data)
        if not self.skip_depth:
            self._emit(data.replace("\xa0", " "))


# A CMS page states its article's title, date and source in <meta> tags (the national government-website
# specification's names); the rendering starts with them as the header lines a crawler would print, so the title,
# the date and the body are found where a report's body does not repeat them.
PAGE_META = {"ArticleTitle": "标题", "PubDate": "发布时间", "ContentSource": "来源"}
_REPORT_TITLE = re.compile(r"公开.*(?:报告|年报)")


def _page_header(p: _HTMLText) -> str:
    lines = []
    title = p.meta.get("ArticleTitle") or re.split(r"\s*[_|]\s*|\s+-\s+", p.page_title)[0]
    if title and _REPORT_TITLE.search(title):
        lines.append(f"标题: {title}")
    for name in ("PubDate", "ContentSource"):
        if name in p.meta:
            lines.append(f"{PAGE_META[name]}: {p.meta[name]}")
    return "\n".join(lines) + "\n\n" if lines else ""


def html_to_text(html: str) -> str:
    p = _HTMLText()
    p.feed(html)
    p.close()
    text = _page_header(p) + "".join(p.out)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


# A site's data file with the article in a JavaScript string: `let content = "<p>…<table>…</table>";`, with \" \n
# \uXXXX escapes. The longest string literal that holds markup is the page.
_JS_STRING = re.compile(r"(?:=|:|\()\s*(?P<q>[\"'`])(?P<s>(?:\\.|(?!(?P=q)).){40,}?)(?P=q)", re.S)
_JS_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|(.))", re.S)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "", "f": "", "v": "", "0": ""}


def _unescape(s: str) -> str:
    def rep(m: re.Match[str]) -> str:
        if m.group(1) or m.group(2):
            return chr(int(m.group(1) or m.group(2), 16))
        return _ESCAPES.get(m.group(3), m.group(3))

    return _JS_ESCAPE.sub(rep, s)


_JS_ASSIGNMENT = re.compile(r"\b(?:var|let|const)\s+\w+\s*=|\w+\s*:\s*[\"'`]<")
_JS_QUOTED_TAG = re.compile(r"[\"'`]<")


def _js_assignment(head: str) -> bool:
    """Whether `head` assigns a variable or a key a quoted tag. Each of the pattern's two branches needs a literal the
    text cheaply lacks (`var`/`let`/`const`, or a quote before `<`); without both the search (whose `\\w+` retries at
    every character of a Chinese text) is not run."""
    if "var" not in head and "let" not in head and "const" not in head and not _JS_QUOTED_TAG.search(head):
        return False
    return _JS_ASSIGNMENT.search(head) is not None


def js_html(text: str) -> str | None:
    """The markup a JavaScript data file carries in a string literal, unescaped; None when the text is not one
    (a page's own <html> is HTML, not this)."""
    head = text[:2000].lower()
    if "<html" in head or "<!doctype" in head or not _js_assignment(text[:5000]):
        return None
    best = max((m.group("s") for m in _JS_STRING.finditer(text)), key=len, default=None)
    if best is None or len(re.findall(r"<(?:p|div|table|tr|td|span|br)\b", best, re.I)) < 3:
        return None
    return _unescape(best)
