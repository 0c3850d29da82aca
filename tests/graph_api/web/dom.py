"""What the HTTP tests of the pages share: a small DOM over the standard library's
``html.parser`` (the pages are well formed), a page fetched and checked to be served as the
app serves pages, the REST answer to the same question, and CSV read as Excel would."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    def walk(self) -> Iterator[Element]:
        """This element and its descendants, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.walk()

    def all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """This element and its descendants of ``tag`` (any, if None) with these attribute
        values: ``class_`` is one of the classes, ``for_`` is ``for``, ``data_kind`` is
        ``data-kind``."""
        return [node for node in self.walk() if (tag is None or node.tag == tag) and all(
            value in node.attrs.get("class", "").split() if name == "class_"
            else node.attrs.get(name.rstrip("_").replace("_", "-")) == value
            for name, value in attrs.items())]

    def one(self, tag: str | None = None, **attrs: str) -> Element:
        """The one element that :meth:`all` finds (fails unless there is exactly one)."""
        found = self.all(tag, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag or '*'} {attrs}>"
        return found[0]

    def by_id(self, ident: str) -> Element:
        return self.one(id=ident)

    def has_id(self, ident: str) -> bool:
        return bool(self.all(id=ident))

    def links(self) -> list[str]:
        """The targets of the links inside, in order."""
        return [a.attrs["href"] for a in self.all("a") if "href" in a.attrs]

    def rows(self) -> list[Element]:
        """The rows of data inside (those with a cell or a row header)."""
        return [tr for tr in self.all("tr") if tr.all("td") or tr.all("th", scope="row")]

    @property
    def raw_text(self) -> str:
        return "".join(child if isinstance(child, str) else child.raw_text
                       for child in self.children)

    @property
    def text(self) -> str:
        """The text inside, its runs of white space as one space, trimmed."""
        return " ".join(self.raw_text.split())


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {name: value or ""
                                                     for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def fetch(client: httpx.Client, path: str, status: int = 200,
          params: dict[str, Any] | None = None) -> tuple[httpx.Response, Element]:
    """GET a page and parse it; fails unless it has ``status`` and is HTML with the app's
    security policy."""
    response = client.get(path, params=params)
    assert response.status_code == status, response.text[:2000]
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    return response, parse(response.text)


def assert_no_inline_code(document: Element) -> None:
    """No inline script (only ``src`` or JSON data), no ``<style>``, no style attribute:
    what the strict Content-Security-Policy would block."""
    for script in document.all("script"):
        assert "src" in script.attrs or script.attrs.get("type") == "application/json", \
            "an inline script"
    assert not document.all("style")
    assert not [node.tag for node in document.walk() if "style" in node.attrs], \
        "a style attribute"


def rest(client: httpx.Client, path: str, **params: Any) -> Any:
    """The JSON answer of the REST API (fails unless 200)."""
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text[:500]
    return response.json()


def read_csv(text: str) -> list[dict[str, str]]:
    """The rows of a CSV (its UTF-8 byte order mark, for Excel, removed)."""
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def csv_rows(client: httpx.Client, url: str) -> list[dict[str, str]]:
    """The rows of the CSV at ``url`` (fails unless it is 200 and ``text/csv``)."""
    response = client.get(url)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    return read_csv(response.text)
