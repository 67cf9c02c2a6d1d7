"""HTML to text: table cells kept apart (`|` between cells, one line per row); script, style and navigation
dropped."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _HTMLText(HTMLParser):
    SKIP = {"script", "style", "noscript", "nav", "iframe", "svg", "head", "template", "select", "button"}
    BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
             "table", "tbody", "thead", "tfoot", "title", "dd", "dt", "dl", "pre", "blockquote", "hr", "form"}
    CHROME = re.compile(r"(^|[-_ ])(nav|navbar|menu|breadcrumb|share|footer|header|crumb|sidebar|toolbar)([-_ ]|$)", re.I)

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip_depth = 0
        self.stack: list[tuple[str, bool]] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None

    def _emit(self, s: str) -> None:
        if self.cell is not None:
            self.cell.append(s)
        else:
            self.out.append(s)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        chrome = bool(self.CHROME.search(f"{a.get('class') or ''} {a.get('id') or ''}")) and tag in (
            "div", "ul", "nav", "header", "footer", "section", "p", "span")
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
        # Pop to the matching start tag (tolerates unclosed tags).
        idx = next((i for i in range(len(self.stack) - 1, -1, -1) if self.stack[i][0] == tag), None)
        if idx is None:
            return
        for _, skipping in self.stack[idx:]:
            if skipping:
                self.skip_depth -= 1
        del self.stack[idx:]
        if self.skip_depth:
            return
        if tag in ("td", "th") and self.cell is not None:
            text = re.sub(r"\s+", " ", "".join(self.cell)).strip()
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
        if not self.skip_depth:
            self._emit(data.replace("\xa0", " "))


def html_to_text(html: str) -> str:
    p = _HTMLText()
    p.feed(html)
    p.close()
    text = "".join(p.out)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
