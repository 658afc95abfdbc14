"""Checks on a rendered HTML page: its section ids, its scripts, and any resource that would leave the file
(a report must be one self-contained file: every image, style and script inline or a ``data:`` URL)."""

from __future__ import annotations

from html.parser import HTMLParser

RESOURCE_ATTRS = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src",
                  "embed": "src", "object": "data", "image": "href", "use": "href"}


class ResourceScan(HTMLParser):
    """Collects section ids, script tags and every resource reference that would leave the file."""

    def __init__(self) -> None:
        super().__init__()
        self.section_ids: list[str] = []
        self.scripts = 0
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "section" and values.get("id"):
            self.section_ids.append(str(values["id"]))
        if tag == "script":
            self.scripts += 1
        for name in (RESOURCE_ATTRS.get(tag), "xlink:href"):
            ref = values.get(name) if name else None
            if ref and not (ref.startswith("#") or ref.startswith("data:")):
                self.external.append(f"<{tag} {name}={ref}>")


def scan(html: str) -> ResourceScan:
    """The section ids, script count and external references of ``html``."""
    parser = ResourceScan()
    parser.feed(html)
    return parser
