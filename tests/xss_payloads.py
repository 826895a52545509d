"""A corpus of cross-site scripting payloads for every field a member can write.

Each payload, if it ever ran, would call ``__xss(<its number>)`` (or reach for the parent's
``__xss`` from a frame), so a browser test that defines ``window.__xss`` sees exactly which one got
through. Template-injection payloads are built so that a template engine evaluating member text
would *produce* such markup; JavaScript-template and AngularJS-style payloads call the sink when
evaluated as code.

The payloads cover: script tags, event handlers, attribute breakouts (double, single and no
quotes), element breakouts (textarea, title, script, style, noscript, comments), SVG and MathML,
iframes with srcdoc and javascript:/data: sources, object/embed, javascript:, vbscript: and data:
URLs in HTML and in Markdown (inline, reference and autolinks, entity and case variants), CSS
expression/url()/@import, meta refresh and base, forms and formaction, mXSS-style nested tags,
Jinja/JS/Angular template injection, Unicode (fullwidth), URL- and entity-encoded variants, and
bidi controls (which run nothing but, left open, reverse the page's text after them).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass


@dataclass(frozen=True)
class Payload:
    n: int
    text: str

    def __str__(self) -> str:
        return self.text


def _data_html(n: int) -> str:
    script = f"<script>parent.__xss({n})</script>".encode()
    return base64.b64encode(script).decode()


# "§" is replaced by the payload's own number. Order matters only for the numbers.
_TEMPLATES: tuple[str, ...] = (
    # --- script elements
    "<script>__xss(§)</script>",
    "<SCRIPT SRC=data:text/javascript,__xss(§)></SCRIPT>",
    "<scr<script>ipt>__xss(§)</scr</script>ipt>",
    "</script><script>__xss(§)</script>",
    # --- event handlers
    "<img src=x onerror=__xss(§)>",
    '<img src="x" onerror="__xss(§)">',
    "<img/src=x/onerror=__xss(§)>",
    "<img src=x onerror=&#95;&#95;xss(§)>",
    "<img src=x:x onerror=window['__x'+'ss'](§)>",
    "<details open ontoggle=__xss(§)>x</details>",
    "<body onload=__xss(§)>",
    "<input autofocus onfocus=__xss(§)>",
    "<select autofocus onfocus=__xss(§)></select>",
    "<video><source onerror=__xss(§)></video>",
    "<audio src=x onerror=__xss(§)>",
    "<marquee onstart=__xss(§)>x</marquee>",
    "<xss id=x§ tabindex=1 autofocus onfocus=__xss(§)></xss>",
    "<img src=x onerror=__xss(§)",  # unclosed: the template's next '>' would close it
    # --- attribute breakouts
    '"><img src=x onerror=__xss(§)>',
    "'><img src=x onerror=__xss(§)>",
    '"><script>__xss(§)</script>',
    '" autofocus onfocus="__xss(§)" x="',
    "' autofocus onfocus='__xss(§)' x='",
    "x onmouseover=__xss(§) autofocus onfocus=__xss(§)",
    # --- element breakouts
    "</textarea><img src=x onerror=__xss(§)>",
    "</title><img src=x onerror=__xss(§)>",
    "</style><img src=x onerror=__xss(§)>",
    '<noscript><p title="</noscript><img src=x onerror=__xss(§)>">',
    '<!--<img src="--><img src=x onerror=__xss(§)//">',
    "</a><a href=javascript:__xss(§)>x</a>",
    # --- SVG and MathML
    "<svg onload=__xss(§)>",
    "<svg><script>__xss(§)</script></svg>",
    "<svg><animate onbegin=__xss(§) attributeName=x dur=1s>",
    '<svg><a xlink:href="javascript:__xss(§)"><text y=20>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=__xss(§)>",
    '<math href="javascript:__xss(§)">x</math>',
    # --- frames, objects, embeds
    '<iframe srcdoc="<script>parent.__xss(§)</script>"></iframe>',
    '<iframe src="javascript:parent.__xss(§)"></iframe>',
    '<object data="javascript:__xss(§)"></object>',
    '<embed src="javascript:__xss(§)">',
    # --- javascript:/data: URLs in HTML
    '<a href="javascript:__xss(§)">click</a>',
    '<a href="&#106;avascript:__xss(§)">click</a>',
    '<a href="jav&#x09;ascript:__xss(§)">click</a>',
    '<a href="data:text/html,<script>parent.__xss(§)</script>">click</a>',
    '<form action="javascript:__xss(§)"><button>go</button></form>',
    '<button formaction="javascript:__xss(§)">go</button>',
    '<meta http-equiv="refresh" content="0;url=javascript:__xss(§)">',
    '<base href="javascript:__xss(§)//">',
    '<table background="javascript:__xss(§)"><tr><td>x</td></tr></table>',
    # --- Markdown links
    "[click](javascript:__xss(§))",
    "[click](JaVaScRiPt:__xss(§))",
    "[click](&#106;avascript:__xss(§))",
    "[click](data:text/html;base64,@DATA@)",
    "[click](vbscript:__xss(§))",
    "<javascript:__xss(§)>",
    '![x](x" onerror="__xss(§))',
    '[click](https://example.org/" onmouseover="__xss(§))',
    "[ref §][x§]\n\n[x§]: javascript:__xss(§)",
    "javascript:__xss(§)",
    # --- CSS
    '<div style="background:url(javascript:__xss(§))">x</div>',
    '<div style="width:expression(__xss(§))">x</div>',
    '<style>@import "javascript:__xss(§)";</style>',
    '<link rel=stylesheet href="javascript:__xss(§)">',
    # --- template injection (server and client side)
    "{{ '<img src=x onerror=__xss(§)>'|safe }}",
    "{% set x = '<img src=x onerror=__xss(§)>' %}{{ x|safe }}",
    "{{constructor.constructor('__xss(§)')()}}",
    "${__xss(§)}",
    "#{__xss(§)}",
    # --- JavaScript string breakouts (JSON and script contexts)
    '"-__xss(§)-"',
    "'-__xss(§)-'",
    "\\u003cimg src=x onerror=__xss(§)\\u003e",
    # --- encoded and Unicode variants
    "%3Cimg%20src%3Dx%20onerror%3D__xss(§)%3E",
    "&lt;img src=x onerror=__xss(§)&gt;",
    "\uff1cscript\uff1e__xss(§)\uff1c/script\uff1e",
    "<<img src=x onerror=__xss(§)//<",
    # The one data: link the Markdown parser itself lets through (it allows data:image/png): an
    # image cannot run script, but such a link must still never reach a page; nh3 removes it.
    "[click](data:image/png;base64,@DATA@)",
    # --- bidi controls: they run no script, but one left open reverses or reorders the text after
    # it on every page that shows it ("(yeht/eh)" reads "(he/they)"). Pages isolate what members
    # write (<bdi>, dir="auto"), and names lose these characters at the form.
    "\u202e(yeht/eh) __xss(§) an override left open",
    "\u2067__xss(§) an isolate left open \u202b and an embedding",
)

#: Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the marks U+200E/U+200F.
BIDI_CONTROLS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _build() -> tuple[Payload, ...]:
    out = []
    for i, template in enumerate(_TEMPLATES, start=1):
        out.append(Payload(i, template.replace("@DATA@", _data_html(i)).replace("§", str(i))))
    return tuple(out)


PAYLOADS: tuple[Payload, ...] = _build()
assert len(PAYLOADS) >= 50
assert len({p.text for p in PAYLOADS}) == len(PAYLOADS), "payloads must be distinct"


def fitting(max_len: int, forbidden: str = "") -> list[Payload]:
    """The payloads that fit a field of at most `max_len` characters and contain none of `forbidden`."""
    return [p for p in PAYLOADS if len(p.text) <= max_len and not any(c in p.text for c in forbidden)]


class Spreader:
    """Hands payloads out to fields in rotation, and remembers which field got which, so a test
    can check that every payload went somewhere and every field got several."""

    def __init__(self) -> None:
        self.used: dict[str, list[int]] = {}
        self._next: dict[tuple[int, str], int] = {}

    def take(self, field: str, count: int = 1, max_len: int = 10_000, forbidden: str = "") -> list[str]:
        pool = fitting(max_len, forbidden)
        key = (max_len, forbidden)
        start = self._next.get(key, 0)
        chosen = [pool[(start + i) % len(pool)] for i in range(count)]
        self._next[key] = start + count
        self.used.setdefault(field, []).extend(p.n for p in chosen)
        return [p.text for p in chosen]

    def one(self, field: str, max_len: int = 10_000, forbidden: str = "") -> str:
        return self.take(field, 1, max_len, forbidden)[0]

    def block(self, field: str, payloads: list[Payload] | tuple[Payload, ...] = PAYLOADS, sep: str = "\n\n") -> str:
        """Many payloads in one multi-line field (Markdown or plain text)."""
        self.used.setdefault(field, []).extend(p.n for p in payloads)
        return sep.join(p.text for p in payloads)

    def mark(self, field: str, *texts: str) -> None:
        """Record payloads placed by hand."""
        by_text = {p.text: p.n for p in PAYLOADS}
        self.used.setdefault(field, []).extend(by_text[t] for t in texts if t in by_text)

    def unused(self) -> set[int]:
        seen = {n for ns in self.used.values() for n in ns}
        return {p.n for p in PAYLOADS} - seen

    def thin_fields(self, at_least: int = 3) -> dict[str, int]:
        return {f: len(set(ns)) for f, ns in self.used.items() if len(set(ns)) < at_least}
