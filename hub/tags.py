"""Interest tags: "Network mapping", "network-mapping" and "NETWORK  MAPPING" are one tag, and so are
"Café" and "Cafe", or "Cŵm" typed with a composed or a decomposed "ŵ"."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import weakref
from dataclasses import dataclass, field
from typing import Iterable

from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hub.db import utcnow
from hub.errors import InvalidInput
from hub.models import Tag, member_interest, post_tag

MAX_LABEL = 60


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "M"


def _without_latin_accents(text: str) -> str:
    """Latin letters without their accents ("é" is "e", "ŵ" is "w"): people type a word with them or
    without. Marks in other scripts stay, since there they often make another letter (Devanagari's vowel signs)."""
    kept, after_latin = [], False
    for ch in unicodedata.normalize("NFD", text):
        if not _is_mark(ch):
            after_latin = unicodedata.name(ch, "").startswith("LATIN ")
        elif after_latin:
            continue
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


def slugify(label: str) -> str:
    """A tag's key, which the unique slug column holds: NFKC (the "ﬁ" ligature is "fi"), case-folded,
    Latin accents dropped, and every run of characters that are not letters, marks or digits one hyphen."""
    text = _without_latin_accents(unicodedata.normalize("NFKC", label).casefold().replace("&", " and "))
    return "-".join("".join(ch if ch.isalnum() or _is_mark(ch) else " " for ch in text).split())[:80]


def _slug_before_folding(label: str) -> str:
    """The key tags were made with until slugs were folded. No migration rewrote them (two rows may
    now share one folded key), so a label's tag is looked for under this key after its own."""
    text = label.strip().lower().replace("&", " and ")
    return re.sub(r"[^\w]+|_", "-", text).strip("-")[:80]


def tidy_label(label: str) -> str:
    """NFKC, spaces tidied, never shortened: hub.forms refuses a label over MAX_LABEL, so nobody's tag is cut short."""
    printable = "".join(ch for ch in unicodedata.normalize("NFKC", label) if ch.isprintable() or ch.isspace())
    return " ".join(printable.split())


def split_tags(raw: str | Iterable[str] | None) -> list[str]:
    """Comma or newline separated text, or a list, to labels; duplicates by slug dropped, the first kept."""
    if raw is None:
        return []
    parts = re.split(r"[,\n;]", raw) if isinstance(raw, str) else [str(p) for p in raw]
    seen: dict[str, str] = {}
    for part in parts:
        label = tidy_label(part)
        slug = slugify(label)
        if slug and slug not in seen:
            seen[slug] = label
    return list(seen.values())


async def _first_found(session: AsyncSession, keys: dict[str, list[str]]) -> dict[str, Tag]:
    """For each key, the tag under the first of its slugs that one has."""
    wanted = {slug for slugs in keys.values() for slug in slugs}
    rows = {t.slug: t for t in (await session.scalars(select(Tag).where(Tag.slug.in_(wanted)))).all()}
    found = {key: next((rows[s] for s in slugs if s in rows), None) for key, slugs in keys.items()}
    return {key: tag for key, tag in found.items() if tag is not None}


async def find(session: AsyncSession, text: str) -> Tag | None:
    """The tag a directory filter names: as a slug exactly (a tag's own link), else as a label. Exact
    first, so that where two rows share a folded key each old tag's link still lists its members."""
    keys = [text, slugify(text), _slug_before_folding(text)]
    return (await _first_found(session, {"": keys})).get("")


async def get_or_create(session: AsyncSession, labels: list[str]) -> list[Tag]:
    """The tags the labels name, each made where missing with the label as first typed."""
    wanted: dict[str, str] = {}
    for label in labels:
        wanted.setdefault(slugify(label), tidy_label(label))
    wanted.pop("", None)
    if not wanted:
        return []
    if any(len(label) > MAX_LABEL for label in wanted.values()):  # the forms say so first, per field
        raise InvalidInput(f"Each tag must be at most {MAX_LABEL} characters.")
    found = await _first_found(session, {slug: [slug, _slug_before_folding(label)] for slug, label in wanted.items()})
    for slug, label in wanted.items():
        if slug in found:
            continue
        try:
            async with session.begin_nested():
                tag = Tag(slug=slug, label=label)
                session.add(tag)
            found[slug] = tag
        except IntegrityError:  # another request created it a moment ago
            found[slug] = await session.scalar(select(Tag).where(Tag.slug == slug))
    return [found[s] for s in wanted]


@dataclass(frozen=True)
class PopularTag:
    id: int
    slug: str
    label: str


#: How long one process may show popular tags without counting again. They are suggestions
#: only: a tag added through another process appears within this time, one added through this
#: process at once.
POPULAR_TTL = dt.timedelta(seconds=60)


@dataclass
class _Counted:
    generation: int = 0  # how many times the engine's counts were thrown away
    by_limit: dict[int, tuple[dt.datetime, tuple[PopularTag, ...]]] = field(default_factory=dict)

    def get(self, limit: int, now: dt.datetime) -> tuple[PopularTag, ...] | None:
        found = self.by_limit.get(limit)
        if found is None or not (found[0] <= now < found[0] + POPULAR_TTL):
            return None
        return found[1]


class _PopularCache:
    """Popular tags per engine (so per database and per app), kept in this process only.

    Thrown away for an engine by any statement run through it that writes a tag, an interest or
    a post's tag, or deletes a member or a post (their links go by ON DELETE CASCADE), and again
    when that statement's transaction ends. A reader keeps what it counted only if nothing was
    thrown away since its own transaction began, because its snapshot (on SQLite, taken at the
    transaction's first read) may predate a write committed since. Writes through other
    processes are seen once POPULAR_TTL has passed. Nothing here is shared state: a new process
    starts empty, and the database stays the only source of truth.
    """

    def __init__(self) -> None:
        self._engines: weakref.WeakKeyDictionary[Engine, _Counted] = weakref.WeakKeyDictionary()

    def watch(self, engine: Engine) -> None:
        """Listens to the engine from now on; called where an app makes its engine, before any
        connection. Never later, on a request: adding a listener while another connection is
        running through that event's listeners (SQLite's BEGIN awaits its thread halfway) failed
        that connection with "deque mutated during iteration"."""
        engine = _root(engine)
        if engine in self._engines:
            return
        self._engines[engine] = _Counted()
        event.listen(engine, "begin", _note_begin)
        event.listen(engine, "after_cursor_execute", _note_tag_write)
        event.listen(engine, "commit", _end_of_transaction)
        event.listen(engine, "rollback", _end_of_transaction)

    def of(self, engine: Engine) -> _Counted | None:
        """None for an engine nobody watches: its writes are not seen, so nothing may be kept for it."""
        return self._engines.get(_root(engine))

    def throw_away(self, engine: Engine) -> None:
        counted = self._engines.get(_root(engine))
        if counted is not None:
            counted.generation += 1
            counted.by_limit.clear()


def _root(engine: Engine) -> Engine:
    """The engine itself for one made by engine.execution_options(...), which shares its pool
    and its event listeners: writes through either must throw away the same counts."""
    return getattr(engine, "_proxied", engine)


_popular_cache = _PopularCache()


def watch(engine: AsyncEngine | Engine) -> None:
    """Lets popular() remember its counts for this engine (see _PopularCache.watch)."""
    _popular_cache.watch(getattr(engine, "sync_engine", engine))

#: Statements that can change which tags are popular: (kind of write, table).
_WRITE = re.compile(r'\s*(insert\s+into|update|delete\s+from)\s+"?(\w+)"?', re.IGNORECASE)
_TAG_TABLES = {"tag", "member_interest", "post_tag"}
_OWNER_TABLES = {"member", "post"}  # deleting one deletes its links
_WROTE_TAGS = "hub_tags_written"
_GENERATION_AT_BEGIN = "hub_tags_generation_at_begin"


def _note_begin(conn) -> None:  # noqa: ANN001
    conn.info[_GENERATION_AT_BEGIN] = _popular_cache.of(conn.engine).generation


def _note_tag_write(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
    if statement[:1] in ("S", "s"):  # a SELECT, the common case, decided without the regex
        return
    write = _WRITE.match(statement)
    if write is None:
        return
    verb, name = write.group(1).lower(), write.group(2).lower()
    if name in _TAG_TABLES or (name in _OWNER_TABLES and verb.startswith("delete")):
        conn.info[_WROTE_TAGS] = True
        _popular_cache.throw_away(conn.engine)


def _end_of_transaction(conn) -> None:  # noqa: ANN001
    conn.info.pop(_GENERATION_AT_BEGIN, None)
    if conn.info.pop(_WROTE_TAGS, False):
        _popular_cache.throw_away(conn.engine)


async def popular(session: AsyncSession, limit: int = 200, *, now: dt.datetime | None = None) -> list[PopularTag]:
    """The most used tags (as interests and on posts together), most used first, then by label.

    Counted per tag from the (tag_id, ...) indexes and only then joined to the tags, instead of
    grouping every link row (at 50,000 members a GROUP BY over the UNION ALL of both link tables
    took about 0.6 s on SQLite), and remembered for up to POPULAR_TTL (_PopularCache), since
    every directory page and every profile and post form shows them.
    """
    now = now or utcnow()
    connection = await session.connection()
    counted = _popular_cache.of(connection.sync_engine)
    cached = counted.get(limit, now) if counted is not None else None
    if cached is not None:
        return list(cached)
    # None when this transaction began before the engine was watched: its snapshot is unknown.
    began_at = connection.info.get(_GENERATION_AT_BEGIN)
    counts = (
        select(member_interest.c.tag_id.label("tag_id"), func.count().label("n"))
        .group_by(member_interest.c.tag_id)
        .union_all(select(post_tag.c.tag_id, func.count()).group_by(post_tag.c.tag_id))
        .subquery("counts")
    )
    query = (
        select(Tag.id, Tag.slug, Tag.label)
        .join(counts, counts.c.tag_id == Tag.id)
        .group_by(Tag.id, Tag.slug, Tag.label)
        .order_by(func.sum(counts.c.n).desc(), Tag.label)
        .limit(limit)
    )
    found = tuple(PopularTag(*row) for row in (await session.execute(query)).all())
    if counted is not None and began_at == counted.generation and not connection.info.get(_WROTE_TAGS):
        counted.by_limit[limit] = (now, found)
    return list(found)
