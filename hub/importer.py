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


#: The only column whose cells may hold line breaks. Anywhere else a break means that a quote left
#: open ran the cell on into the next rows, which would import a garbled name and lose members.
MULTILINE_COLUMNS = {"bio"}


@dataclass
class _Row:
    number: int  # as a spreadsheet counts rows: the header is row 1
    lines: str  # where in the file it is: "line 4", "lines 2-3"
    cells: list[str]


def _lines(first: int, last: int) -> str:
    return f"line {first}" if first >= last else f"lines {first}-{last}"


def _csv_problem(exc: csv.Error) -> str:
    """What the csv module's errors (read with strict=True) mean for a spreadsheet's author."""
    message = str(exc)
    if message.startswith("field larger than field limit"):
        return f"a cell is longer than {csv.field_size_limit():,} characters, far more than any column holds."
    if message == "unexpected end of data":
        return 'a quote (") opened on this row is never closed, so the rest of the file ran into one cell.'
    if "expected after" in message:
        return ('a quote (") ends a cell but more text follows it: a quote left open runs a cell on into the next'
                ' rows, and a quote inside a cell is written twice ("").')
    return f"this row cannot be read as CSV ({message})."


def _read_rows(text: str) -> tuple[list[_Row], list[str]]:
    """The file's rows, blank lines left out, and why reading stopped early if it did. After a csv error
    the reader's place in the file is unknown, so the rows after it are not checked (nor imported)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), strict=True)
    rows: list[_Row] = []
    read_to = 0  # the last line of the previous row
    while True:
        number = len(rows) + 1
        try:
            cells = next(reader)
        except StopIteration:
            return rows, []
        except csv.Error as exc:
            where = _lines(read_to + 1, reader.line_num)
            return rows, [f"Row {number} ({where}): {_csv_problem(exc)} The rows after it were not checked."]
        lines, read_to = _lines(read_to + 1, reader.line_num), reader.line_num
        if cells:
            rows.append(_Row(number, lines, cells))


def _shape_problem(row: _Row, header: list[str]) -> str | None:
    """A row whose cells do not line up with the columns, which reading it as a member would hide."""
    cells = dict(zip(header, row.cells))
    where = f"Row {row.number} ({cells.get('email', '').strip() or 'no email'})"
    if len(row.cells) > len(header):
        return f"{where}: has {len(row.cells)} cells, but the first row names {len(header)} columns."
    if len(row.cells) < len(header):
        return (f"{where}: has {len(row.cells)} cells, but the first row names {len(header)} columns; every row "
                "needs a cell for each, even an empty one.")
    for column, cell in cells.items():
        if column not in MULTILINE_COLUMNS and ("\n" in cell or "\r" in cell):
            return (f"{where}: the {column} cell runs over {row.lines}; a quote (\") opened in it is probably not "
                    "closed where it should be. Only the bio may hold line breaks.")
    return None


async def import_csv(session: AsyncSession, text: str, now: dt.datetime) -> int:
    today = now.date()
    rows, unread = _read_rows(text)
    header = [h.strip().lower() for h in rows[0].cells] if rows else []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportFailed(unread or [f"The first row must name the columns; missing: {', '.join(missing)}. Known columns: {', '.join(COLUMNS)}."])
    unknown = [h for h in header if h not in COLUMNS]
    problems = [f"Unknown column(s): {', '.join(unknown)}. Known columns: {', '.join(COLUMNS)}."] if unknown else []
    records: list[MemberRecord] = []
    seen: dict[str, int] = {}
    for row in rows[1:]:
        shape = _shape_problem(row, header)
        if shape:
            problems.append(shape)
            continue
        cells = dict(zip(header, row.cells))
        try:
            record = record_from_row(cells, today)
        except InvalidInput as exc:
            label = cells["email"].strip() or "no email"
            problems += [f"Row {row.number} ({label}): {message}" for message in exc.errors.values()]
            continue
        if record.email in seen:
            problems.append(f"Row {row.number} ({record.email}): the same email is already on row {seen[record.email]}.")
            continue
        seen[record.email] = row.number
        records.append(record)
    existing = set()
    if seen:
        existing = set((await session.scalars(select(Member.email).where(Member.email.in_(seen)))).all())
    problems += [f"Row {seen[e]} ({e}): already a member." for e in sorted(existing, key=seen.get)]
    problems += unread
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
