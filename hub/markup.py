"""Member-written text on pages: Markdown to safe HTML (raw HTML is off in the parser and nh3
cleans the rest), and every member-written string isolated from the page's own text.

Isolated, because text keeps its own direction (Arabic, Hebrew or Welsh next to each other) and
because a bidi control left open (U+202E, "right-to-left override") would otherwise reorder all
the page's text after it: "(he/they)" shown as "(yeht/eh)", "3 :" for ": 3".
"""

from __future__ import annotations

import re
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable(["image"])

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "code", "pre", "blockquote", "h3", "h4"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


_ISOLATE_CONTROLS = re.compile("[\u2066-\u2069]")


def bdi(value: Any) -> Markup:
    """`{{ member.name|bdi }}`: escaped, in a <bdi>, whose end closes whatever the text left open."""
    if value is None or value == "":
        return Markup("")
    return Markup("<bdi>%s</bdi>") % value


def isolated(value: Any) -> str:
    """The same for text that cannot hold elements (a page's <title>): between FSI and PDI, without
    any isolate control of its own, which could close that isolate early."""
    return "\u2068" + _ISOLATE_CONTROLS.sub("", str(value)) + "\u2069"


def render_markdown(text: str) -> Markup:
    html = _md.render(text or "")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return Markup('<div dir="auto">%s</div>') % Markup(cleaned)


#: The filters page templates use (hub.app registers them).
FILTERS = {"markdown": render_markdown, "bdi": bdi, "isolated": isolated}
