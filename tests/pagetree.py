"""A small element tree of an HTML page (standard library only), for tests that read
tables and sections the way a reader does: ``parse(text)`` returns the root; ``find`` /
``find_all`` select by tag and class or id; ``text`` is the whitespace-normalised text."""
from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCK = {"address", "article", "aside", "blockquote", "br", "dd", "details", "div", "dl", "dt", "figcaption",
         "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "li", "main", "nav", "ol", "p",
         "section", "summary", "table", "tbody", "td", "th", "thead", "tr", "ul"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None = None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element | str] = []

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    @property
    def text(self) -> str:
        parts = []

        def walk(node):
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                else:
                    gap = " " if child.tag in BLOCK else ""   # block boundaries separate words
                    parts.append(gap)
                    walk(child)
                    parts.append(gap)
        walk(self)
        return re.sub(r"\s+", " ", "".join(parts)).strip()

    def iter(self):
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, id: str | None = None) -> list[Element]:
        return [e for e in self.iter() if (tag is None or e.tag == tag) and (cls is None or cls in e.classes)
                and (id is None or e.attrs.get("id") == id)]

    def find(self, tag: str | None = None, cls: str | None = None, id: str | None = None) -> Element:
        found = self.find_all(tag, cls, id)
        assert found, f"no <{tag or '*'}{' .' + cls if cls else ''}{' #' + id if id else ''}> in the page"
        return found[0]

    def links(self) -> list[tuple[str, str]]:
        return [(a.text, a.attrs.get("href", "")) for a in self.find_all("a")]


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#root", {})

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(text: str) -> Element:
    builder = _Builder()
    builder.feed(text)
    builder.close()
    return builder.root
