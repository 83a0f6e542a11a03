"""Read each format back the way a person's tools would, for assertions."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from typing import Any


def squash(text: str) -> str:
    """Whitespace collapsed, so wrapped lines read as one."""
    return " ".join(text.split())


def json_data(data: bytes) -> Any:
    return json.loads(data.decode("utf-8"))


def pdf_text(data: bytes, until: str | None = None) -> str:
    """The PDF's text; with `until`, only up to the first page that holds it."""
    from pypdf import PdfReader

    texts = []
    for page in PdfReader(io.BytesIO(data)).pages:
        texts.append(page.extract_text() or "")
        if until is not None and until in texts[-1]:
            break
    return squash(" ".join(texts))


def docx_text(data: bytes) -> tuple[list[tuple[str, str]], list[list[list[str]]]]:
    """(style name, text) of every paragraph, and every table as rows of cells."""
    from docx import Document

    document = Document(io.BytesIO(data))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    tables = [
        [[cell.text for cell in row.cells] for row in table.rows]
        for table in document.tables
    ]
    return paragraphs, tables


def between(text: str, start: str, end: str) -> str:
    """The part of `text` after the first `start` and before the next `end`."""
    head = text.index(start) + len(start)
    return text[head : text.index(end, head)]


def codes_in_order(text: str, codes: list[str]) -> list[str]:
    """`codes` sorted by where each first appears in `text` (absent ones dropped)."""
    found = {}
    for code in codes:
        match = re.search(rf"\b{re.escape(code)}\b", text)
        if match:
            found[code] = match.start()
    return sorted(found, key=found.__getitem__)


class Element:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element] = []
        self.content: list[Element | str] = []

    def append(self, item: Element | str) -> None:
        self.content.append(item)
        if isinstance(item, Element):
            self.children.append(item)

    def text(self) -> str:
        """The text inside, in document order, whitespace collapsed."""
        return squash(
            " ".join(p if isinstance(p, str) else p.text() for p in self.content)
        )

    def iter(self, tag: str | None = None) -> list[Element]:
        found = [self] if tag in (None, self.tag) else []
        for child in self.children:
            found += child.iter(tag)
        return found

    def has_class(self, name: str) -> bool:
        return name in self.attrs.get("class", "").split()


VOID = {"meta", "link", "br", "img", "input", "hr", "col", "source", "wbr"}


class TreeBuilder(HTMLParser):
    """A minimal DOM from the standard library's parser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.append(Element(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.append(data)


def html_tree(data: bytes) -> Element:
    builder = TreeBuilder()
    builder.feed(data.decode("utf-8"))
    builder.close()
    return builder.root
