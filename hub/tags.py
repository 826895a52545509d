"""Interest tags: "Network mapping", "network-mapping" and "NETWORK  MAPPING" are one tag."""

from __future__ import annotations

import re
from typing import Iterable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import Tag, member_interest, post_tag

MAX_LABEL = 60


def slugify(label: str) -> str:
    text = label.strip().lower().replace("&", " and ")
    return re.sub(r"[^\w]+|_", "-", text).strip("-")[:80]


def tidy_label(label: str) -> str:
    printable = "".join(ch for ch in label if ch.isprintable() or ch.isspace())
    return " ".join(printable.split())[:MAX_LABEL]


def split_tags(raw: str | Iterable[str] | None) -> list[str]:
    """Comma or newline separated text, or a list, to labels; duplicates by slug dropped."""
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


async def get_or_create(session: AsyncSession, labels: list[str]) -> list[Tag]:
    wanted = {slugify(label): tidy_label(label) for label in labels}
    wanted.pop("", None)
    if not wanted:
        return []
    found = {t.slug: t for t in (await session.scalars(select(Tag).where(Tag.slug.in_(wanted)))).all()}
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


async def popular(session: AsyncSession, limit: int = 200) -> list[Tag]:
    uses = (
        select(member_interest.c.tag_id.label("tag_id")).union_all(select(post_tag.c.tag_id.label("tag_id"))).subquery()
    )
    query = (
        select(Tag)
        .join(uses, uses.c.tag_id == Tag.id)
        .group_by(Tag.id)
        .order_by(func.count().desc(), Tag.label)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())
