"""Members in bulk: from a spreadsheet (`hub import-members`) or the demo community.

Every row is checked before anything is written, and the whole file goes in as one
transaction, so a file with a bad row changes nothing and every bad row is named.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hub import auth, tags
from hub.errors import InvalidInput
from hub.forms import PostInput, ProfileInput, parse_post, parse_profile
from hub.members import index_for_search
from hub.models import HUB_ROLES, NATIONS, SECTORS, WEAVING_ROLES, Ask, Member, MemberLink, MemberWeavingRole, Offer
from hub.search_index import TIDY_AFTER_BULK_LOAD

COLUMNS = (
    "email", "name", "pronouns", "organisation", "sector", "nation", "region", "bio", "interests",
    "weaving_roles", "hours_per_month", "prefers", "visibility", "hub_role", "offers", "asks",
)
REQUIRED_COLUMNS = ("email", "name")


@dataclass
class MemberRecord:
    email: str
    profile: ProfileInput
    hub_role: str = "member"
    offers: list[PostInput] = field(default_factory=list)
    asks: list[PostInput] = field(default_factory=list)


class ImportFailed(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _by_label(value: str, choices: Mapping[str, str]) -> str:
    """Spreadsheets say "Third sector"; the hub stores third_sector. Either is accepted."""
    lowered = value.strip().lower()
    for key, label in choices.items():
        if lowered in (key, label.lower()):
            return key
    return value.strip()


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace("|", ";").split(";") if part.strip()]


def record_from_row(row: Mapping[str, str], today: dt.date) -> MemberRecord:
    errors: dict[str, str] = {}
    try:
        email = auth.normalise_email(row.get("email", ""))
    except InvalidInput as exc:
        errors.update(exc.errors)
        email = ""
    data = {
        **{k: (row.get(k) or "").strip() for k in ("name", "pronouns", "organisation", "region", "bio", "prefers", "visibility")},
        "sector": _by_label(row.get("sector") or "", SECTORS),
        "nation": _by_label(row.get("nation") or "", NATIONS),
        "interests": _split(row.get("interests") or ""),
        "weaving_roles": [_by_label(r, WEAVING_ROLES) for r in _split(row.get("weaving_roles") or "")],
        "hours_per_month": (row.get("hours_per_month") or "").strip(),
    }
    profile = None
    try:
        profile = parse_profile(data, today)
    except InvalidInput as exc:
        errors.update(exc.errors)
    hub_role = (row.get("hub_role") or "member").strip().lower()
    if hub_role not in HUB_ROLES:
        errors["hub_role"] = f"Hub role must be one of {', '.join(HUB_ROLES)}."
    posts: dict[str, list[PostInput]] = {"offers": [], "asks": []}
    for column in posts:
        for title in _split(row.get(column) or ""):
            try:
                posts[column].append(parse_post({"title": title}, today))
            except InvalidInput as exc:
                errors[column] = f"{column.capitalize()}: {'; '.join(exc.errors.values())}"
    if errors:
        raise InvalidInput("Row is not valid.", errors)
    return MemberRecord(email=email, profile=profile, hub_role=hub_role, offers=posts["offers"], asks=posts["asks"])


async def add_member(session: AsyncSession, record: MemberRecord, now: dt.datetime, **extra) -> Member:  # noqa: ANN003
    """A new member who joins at `now`, with their posts."""
    p = record.profile
    member = Member(
        email=record.email, name=p.name, pronouns=p.pronouns, organisation=p.organisation, sector=p.sector,
        nation=p.nation, region=p.region, bio=p.bio, hours_per_month=p.hours_per_month, prefers=p.prefers,
        visibility=p.visibility, matching=p.matching, matching_paused_until=p.matching_paused_until,
        hub_role=record.hub_role, interests=await tags.get_or_create(session, p.interests),
        weaving_roles=[MemberWeavingRole(role=r) for r in p.weaving_roles],
        links=[MemberLink(label=link.label, url=link.url) for link in p.links], created_at=now, **extra,
    )
    for cls, items in ((Offer, record.offers), (Ask, record.asks)):
        for item in items:
            member.posts.append(
                cls(title=item.title, description=item.description, expires_on=item.expires_on, status="open",
                    tags=await tags.get_or_create(session, item.tags))
            )
    index_for_search(member, now.date())
    session.add(member)
    return member


async def import_csv(session: AsyncSession, text: str, now: dt.datetime) -> int:
    today = now.date()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportFailed([f"The first row must name the columns; missing: {', '.join(missing)}. Known columns: {', '.join(COLUMNS)}."])
    unknown = [h for h in header if h not in COLUMNS]
    problems = [f"Unknown column(s): {', '.join(unknown)}. Known columns: {', '.join(COLUMNS)}."] if unknown else []
    reader.fieldnames = header
    records: list[MemberRecord] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):
        if None in row:
            problems.append(f"Row {number}: has more cells than there are columns.")
            continue
        try:
            record = record_from_row(row, today)
        except InvalidInput as exc:
            label = (row.get("email") or "").strip() or "no email"
            problems += [f"Row {number} ({label}): {message}" for message in exc.errors.values()]
            continue
        if record.email in seen:
            problems.append(f"Row {number} ({record.email}): the same email is already on row {seen[record.email]}.")
            continue
        seen[record.email] = number
        records.append(record)
    existing = set()
    if seen:
        existing = set((await session.scalars(select(Member.email).where(Member.email.in_(seen)))).all())
    problems += [f"Row {seen[e]} ({e}): already a member." for e in sorted(existing, key=seen.get)]
    if not records and not problems:
        problems.append("The file has no member rows.")
    if problems:
        raise ImportFailed(problems)
    await add_records(session, records, now)
    await session.commit()
    return len(records)


async def add_records(session: AsyncSession, records: Iterable[MemberRecord], now: dt.datetime) -> None:
    for record in records:
        await add_member(session, record, now)
    await session.flush()
    for statement in TIDY_AFTER_BULK_LOAD[session.bind.dialect.name]:
        await session.execute(text(statement))
