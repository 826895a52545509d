"""Weaving: rows -> matcher input -> suggestions -> weaver decisions -> introductions -> follow-up.

The only hub module that calls `matching`. Ids cross the boundary as strings ("m12" for member
12, "p34" for post 34) and are mapped back here.

Rounds run in the background: a weaver (or the schedule, or `hub match`) queues a MatchRound and
a worker sweep claims it with a conditional UPDATE (queued -> running), so two workers never run
the same round. Every weaver decision is kept as a SuggestionDecision. Introductions wait for the
consent of members who asked to be asked first, and only then does one email introduce the two
people. Follow-up answers arrive through signed links and update the introduction, the ask, the
timebank ledger and the network (a Connection when they met).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable

import matching
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from hub import audit, mail, timebank
from hub.db import mark_read_only
from hub.errors import Conflict, DomainError, Forbidden, InvalidInput, InvalidLink, NotFound
from hub.models import (
    INTRO_CONSENT,
    MET_ANSWERS,
    NATIONS,
    SECTORS,
    Connection,
    Exchange,
    FollowUpAnswer,
    Introduction,
    MatchRound,
    Member,
    MemberPreference,
    Post,
    Suggestion,
    SuggestionDecision,
    Tag,
    is_former,
    listed_name,
    member_interest,
    post_tag,
)
from hub.settings import Settings

log = logging.getLogger("hub.weaving")

SCOPES = {"community": "The whole community", "interest": "One interest", "group": "A group"}
#: A round's "group": members of one sector or one nation.
GROUP_KINDS = {"sector": SECTORS, "nation": NATIONS}
#: Suggestion statuses that keep a pair from being suggested again (skipped pairs may come back).
BLOCKING_STATUSES = ("pending", "approved", "declined", "superseded")
NOTE_MAX = 2000
STALE_ROUND = dt.timedelta(hours=2)
HOURS_PER_INTRODUCTION = 2  # capacity: one introduction per two hours a month someone can give
MAX_CAPACITY = 5
MAX_PENDING_REQUESTS = 3  # self-service requests waiting for a weaver, per member
CONSENT_LINK_DAYS = 30
FOLLOW_UP_LINK_DAYS = 90
MET_LABELS = {"met": "Yes, we met", "not_yet": "Not yet", "did_not_happen": "No, and we won't"}


def mid(member_id: int) -> str:
    return f"m{member_id}"


def pid(post_id: int) -> str:
    return f"p{post_id}"


def unid(value: str | None) -> int | None:
    return int(value[1:]) if value else None


def _require_weaver(actor: Member) -> None:
    if actor is None or actor.status != "active" or not actor.is_weaver:
        raise Forbidden("Only network weavers can do that.")


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


# --- Who takes part ------------------------------------------------------------------------------


def takes_part(member: Member, today: dt.date) -> bool:
    """Active members who have not opted out and are not paused (a pause ends on its date)."""
    if member.status != "active" or member.matching == "opted_out":
        return False
    if member.matching == "paused":
        return member.matching_paused_until is not None and member.matching_paused_until <= today
    return True


def _takes_part_clause(today: dt.date):  # noqa: ANN202
    return and_(
        Member.status == "active",
        or_(
            Member.matching == "active",
            and_(Member.matching == "paused", Member.matching_paused_until.is_not(None),
                 Member.matching_paused_until <= today),
        ),
    )


def capacity(hours_per_month: int, has_asks: bool, busy: int) -> int:
    """Introductions someone can take this round: from the hours they said they could give,
    at least one when they have an open ask, less introductions already in progress."""
    cap = min(MAX_CAPACITY, max(0, hours_per_month) // HOURS_PER_INTRODUCTION)
    if has_asks:
        cap = max(cap, 1)
    return max(0, cap - busy)


# --- From rows to the matcher's input ------------------------------------------------------------


@dataclass
class RoundInput:
    data: dict
    member_count: int
    ask_count: int
    skipped_history: int = 0


async def _scope_member_ids(session: AsyncSession, scope: str, value: str) -> set[int] | None:
    if scope == "community":
        return None
    if scope == "interest":
        tag_id = await session.scalar(select(Tag.id).where(Tag.slug == value))
        if tag_id is None:
            return set()
        ids = set((await session.scalars(select(member_interest.c.member_id).where(member_interest.c.tag_id == tag_id))).all())
        ids |= set((await session.scalars(
            select(Post.member_id).join(post_tag, post_tag.c.post_id == Post.id).where(post_tag.c.tag_id == tag_id)
        )).all())
        return ids
    kind, _, wanted = value.partition(":")
    column = {"sector": Member.sector, "nation": Member.nation}.get(kind)
    if column is None:
        return set()
    return set((await session.scalars(select(Member.id).where(column == wanted))).all())


async def build_input(
    session: AsyncSession, today: dt.date, scope: str = "community", scope_value: str = "",
    only_ask_id: int | None = None,
) -> RoundInput:
    """The community as the matcher sees it, in matching's JSON input format."""
    in_scope = await _scope_member_ids(session, scope, scope_value)
    people = (await session.execute(
        select(Member.id, Member.hours_per_month, Member.organisation, Member.sector, Member.nation)
        .where(_takes_part_clause(today)).order_by(Member.id)
    )).all()
    if in_scope is not None:
        people = [p for p in people if p.id in in_scope]
    ids = {p.id for p in people}

    interests: dict[int, list[str]] = defaultdict(list)
    for member_id, label in (await session.execute(
        select(member_interest.c.member_id, Tag.label).join(Tag, Tag.id == member_interest.c.tag_id)
        .order_by(member_interest.c.member_id, Tag.label)
    )).all():
        if member_id in ids:
            interests[member_id].append(label)

    open_posts = (await session.execute(
        select(Post.id, Post.member_id, Post.kind, Post.title, Post.description)
        .where(Post.status == "open", or_(Post.expires_on.is_(None), Post.expires_on >= today))
        .order_by(Post.id)
    )).all()
    open_posts = [p for p in open_posts if p.member_id in ids]
    post_ids = {p.id for p in open_posts}
    post_tags: dict[int, list[str]] = defaultdict(list)
    for post_id, label in (await session.execute(
        select(post_tag.c.post_id, Tag.label).join(Tag, Tag.id == post_tag.c.tag_id).order_by(post_tag.c.post_id, Tag.label)
    )).all():
        if post_id in post_ids:
            post_tags[post_id].append(label)
    offers: dict[int, list[dict]] = defaultdict(list)
    asks: dict[int, list[dict]] = defaultdict(list)
    for p in open_posts:
        if p.kind == "ask" and only_ask_id is not None and p.id != only_ask_id:
            continue
        item = {"id": pid(p.id), "text": f"{p.title}\n{p.description}".strip()[:5000], "tags": post_tags[p.id][:20]}
        (asks if p.kind == "ask" else offers)[p.member_id].append(item)

    hours = await timebank.balances(session)
    busy = await _busy_counts(session)
    members = []
    for p in people:
        b = hours.get(p.id)
        members.append({
            "id": mid(p.id),
            "interests": interests[p.id][:50],
            "offers": offers[p.id],
            "asks": asks[p.id],
            "capacity": capacity(p.hours_per_month, bool(asks[p.id]), busy.get(p.id, 0)),
            "hours_given": b.given if b else 0.0,
            "hours_received": b.received if b else 0.0,
            "attributes": {k: v for k, v in (("organisation", p.organisation),
                                             ("sector", SECTORS.get(p.sector or "", p.sector)),
                                             ("nation", NATIONS.get(p.nation or "", p.nation))) if v},
        })
    history, skipped = [], 0
    for a, b, outcome in await _history(session):
        if a in ids and b in ids:
            history.append({"a": mid(a), "b": mid(b), "outcome": outcome})
        else:
            skipped += 1
    return RoundInput({"members": members, "history": history}, len(members), sum(len(v) for v in asks.values()), skipped)


async def _busy_counts(session: AsyncSession) -> dict[int, int]:
    """Introductions in progress per member: suggestions waiting for a weaver, introductions
    waiting for consent."""
    counts: dict[int, int] = defaultdict(int)
    for model, condition in (
        (Suggestion, Suggestion.status == "pending"),
        (Introduction, Introduction.status == "awaiting_consent"),
    ):
        for column in (model.a_id, model.b_id):
            for member_id, n in (await session.execute(select(column, func.count()).where(condition).group_by(column))).all():
                counts[member_id] += n
    return counts


async def _history(session: AsyncSession) -> list[tuple[int, int, str]]:
    """Pairs never to suggest again: every introduction, and suggestions still pending, approved,
    declined or swapped out."""
    pairs: dict[tuple[int, int], str] = {}
    for a, b in (await session.execute(select(Introduction.a_id, Introduction.b_id).distinct())).all():
        pairs[_pair(a, b)] = "introduced"
    for a, b, status in (await session.execute(
        select(Suggestion.a_id, Suggestion.b_id, Suggestion.status).where(Suggestion.status.in_(BLOCKING_STATUSES)).distinct()
    )).all():
        pairs.setdefault(_pair(a, b), "introduced" if status == "approved" else "declined")
    return [(a, b, outcome) for (a, b), outcome in sorted(pairs.items())]


# --- Rounds --------------------------------------------------------------------------------------


def parse_round_form(values: dict) -> tuple[str, str]:
    scope = str(values.get("scope") or "community")
    if scope not in SCOPES:
        raise InvalidInput("Please check the round.", {"scope": "Choose who the round is for."})
    if scope == "community":
        return scope, ""
    if scope == "interest":
        raw = str(values.get("interest") or "").strip()
        from hub.tags import slugify

        slug = slugify(raw) if raw else ""
        if not slug or len(slug) > 80:
            raise InvalidInput("Please check the round.", {"interest": "Enter the interest the round is for."})
        return scope, slug
    raw = str(values.get("group") or "")
    kind, _, value = raw.partition(":")
    if kind not in GROUP_KINDS or value not in GROUP_KINDS[kind]:
        raise InvalidInput("Please check the round.", {"group": "Choose a sector or a nation."})
    return scope, raw


def scope_label(scope: str, value: str) -> str:
    if scope == "interest":
        return f"Interest: {value.replace('-', ' ')}"
    if scope == "group":
        kind, _, v = value.partition(":")
        return f"{kind.title()}: {GROUP_KINDS.get(kind, {}).get(v, v)}"
    return SCOPES["community"]


async def start_round(
    session: AsyncSession, actor: Member | None, scope: str, scope_value: str, now: dt.datetime, scheduled: bool = False
) -> MatchRound:
    if actor is not None:
        _require_weaver(actor)
    busy = await session.scalar(select(MatchRound.id).where(
        MatchRound.status.in_(("queued", "running")), MatchRound.scope == scope, MatchRound.scope_value == scope_value
    ).limit(1))
    if busy is not None:
        raise Conflict(f"A round for {scope_label(scope, scope_value).lower()} is already queued or running (round {busy}).")
    row = MatchRound(
        created_by_id=actor.id if actor else None, scope=scope, scope_value=scope_value, status="queued",
        progress=0, scheduled=scheduled, created_at=now, message="Waiting for a worker.",
    )
    session.add(row)
    await session.commit()
    return row


async def claim_round(session: AsyncSession, now: dt.datetime) -> int | None:
    """Take the oldest queued round for this worker: a conditional UPDATE, so only one worker wins."""
    candidates = (await session.scalars(
        select(MatchRound.id).where(MatchRound.status == "queued").order_by(MatchRound.created_at, MatchRound.id).limit(5)
    )).all()
    for round_id in candidates:
        result = await session.execute(
            update(MatchRound).where(MatchRound.id == round_id, MatchRound.status == "queued")
            .values(status="running", started_at=now, progress=5, message="Reading the community.")
            .execution_options(synchronize_session=False)
        )
        await session.commit()
        if result.rowcount == 1:
            return round_id
    return None


async def _progress(factory, round_id: int, progress: int, message: str, **values) -> None:  # noqa: ANN001, ANN003
    async with factory() as session:
        await session.execute(
            update(MatchRound).where(MatchRound.id == round_id)
            .values(progress=progress, message=message, **values).execution_options(synchronize_session=False)
        )
        await session.commit()


async def run_round(
    factory: async_sessionmaker[AsyncSession], round_id: int, clock: Callable[[], dt.datetime]
) -> int:
    """Run a claimed round: read, match (in a thread, so the event loop stays free), store.
    Returns how many suggestions were stored. Failures are recorded on the round, not raised."""
    try:
        async with factory() as session:
            row = await session.get(MatchRound, round_id)
            scope, value = row.scope, row.scope_value
            data = await build_input(session, clock().date(), scope, value)
            await session.rollback()
        await _progress(factory, round_id, 25,
                        f"Matching {data.ask_count} asks among {data.member_count} members.")
        if data.ask_count == 0:
            pairs = []
        else:
            pairs = await asyncio.to_thread(_match, data.data)
        await _progress(factory, round_id, 80, f"Storing {len(pairs)} suggestions.")
        async with factory() as session:
            now = clock()
            stored = await store_suggestions(session, round_id, pairs, now)
            await session.execute(
                update(MatchRound).where(MatchRound.id == round_id).values(
                    status="done", progress=100, finished_at=now,
                    message=f"{stored} suggestions from {data.ask_count} asks among {data.member_count} members.",
                ).execution_options(synchronize_session=False)
            )
            await session.commit()
        return stored
    except Exception as exc:  # noqa: BLE001 - a failed round is shown to weavers, never lost silently
        log.exception("round %s failed", round_id)
        message = exc.args[0] if isinstance(exc, matching.MatchingError) and exc.args else type(exc).__name__
        await _progress(factory, round_id, 100, f"The round failed: {message}", status="failed", finished_at=clock())
        return 0


async def store_suggestions(session: AsyncSession, round_id: int, pairs: list, now: dt.datetime) -> int:
    """The matcher's pairs as pending suggestions of a round, in bulk (the caller commits)."""
    rows = [
        {
            "round_id": round_id, "source": "round", "a_id": unid(p.a), "b_id": unid(p.b),
            "ask_id": unid(p.ask_id), "offer_id": unid(p.offer_id), "score": round(float(p.score), 6),
            "reasons": list(p.reasons), "note": "", "status": "pending", "created_at": now,
        }
        for p in pairs
    ]
    for start in range(0, len(rows), 1000):
        await session.execute(Suggestion.__table__.insert(), rows[start:start + 1000])
    return len(rows)


def community_of(data: dict) -> matching.Community:
    """The matcher's dataclasses from build_input's dict (the shape of matching's JSON input).
    Built directly: the rows come from typed columns, and the JSON schema check that
    matching.load runs costs seconds at 10,000 members; run_round still checks the community's
    rules (unique ids, known members in the history)."""
    members = tuple(
        matching.Participant(
            id=m["id"], interests=tuple(m["interests"]),
            offers=tuple(matching.Offer(o["id"], o["text"], tuple(o["tags"])) for o in m["offers"]),
            asks=tuple(matching.Ask(a["id"], a["text"], tuple(a["tags"])) for a in m["asks"]),
            capacity=int(m["capacity"]), hours_given=float(m["hours_given"]),
            hours_received=float(m["hours_received"]), organisation=m["attributes"].get("organisation"),
            sector=m["attributes"].get("sector"), nation=m["attributes"].get("nation"),
        )
        for m in data["members"]
    )
    history = tuple(matching.HistoryEntry(h["a"], h["b"], h["outcome"]) for h in data["history"])
    return matching.Community(members, history)


def _match(data: dict) -> list:
    return [p for p in matching.run_round(community_of(data), matching.RoundOptions()) if p.ask_id is not None]


async def scheduled_round_due(session: AsyncSession, settings: Settings, now: dt.datetime) -> bool:
    """A whole-community round is due when no round (scheduled or started by a weaver) was
    created in the last MATCH_ROUND_DAYS days and someone has an open ask."""
    if settings.match_round_days <= 0:
        return False
    since = now - dt.timedelta(days=settings.match_round_days)
    recent = await session.scalar(select(MatchRound.id).where(MatchRound.created_at > since).limit(1))
    if recent is not None:
        return False
    return await session.scalar(select(Post.id).where(Post.kind == "ask", Post.status == "open").limit(1)) is not None


async def queue_scheduled_round(session: AsyncSession, settings: Settings, now: dt.datetime) -> MatchRound | None:
    if not await scheduled_round_due(session, settings, now):
        return None
    since = now - dt.timedelta(days=settings.match_round_days)
    row = MatchRound(scope="community", scope_value="", status="queued", scheduled=True, created_at=now,
                     message="Scheduled round, waiting for a worker.")
    session.add(row)
    await session.commit()
    # Two workers may have queued one at the same moment: the later row withdraws.
    first = await session.scalar(select(func.min(MatchRound.id)).where(MatchRound.created_at > since))
    if first != row.id:
        await session.execute(delete(MatchRound).where(MatchRound.id == row.id, MatchRound.status == "queued"))
        await session.commit()
        return None
    return row


async def round_sweep(factory: async_sessionmaker[AsyncSession], settings: Settings,
                      clock: Callable[[], dt.datetime]) -> int | None:
    """The worker's periodic job: fail rounds whose worker died, queue the scheduled round,
    then claim and run one queued round. It only writes when there is something to do."""
    async with factory() as session:
        await mark_read_only(session)
        now = clock()
        stale = (await session.scalars(select(MatchRound.id).where(
            MatchRound.status == "running", MatchRound.started_at < now - STALE_ROUND))).all()
        queued = await session.scalar(select(MatchRound.id).where(MatchRound.status == "queued").limit(1))
        due = await scheduled_round_due(session, settings, now)
        await session.rollback()
        if stale:
            await session.execute(
                update(MatchRound).where(MatchRound.id.in_(stale), MatchRound.status == "running")
                .values(status="failed", finished_at=now, message="The worker running this round stopped; start it again.")
                .execution_options(synchronize_session=False)
            )
            await session.commit()
        if due:
            await queue_scheduled_round(session, settings, now)
        if queued is None and not due:
            return None
        round_id = await claim_round(session, now)
    if round_id is None:
        return None
    await run_round(factory, round_id, clock)
    return round_id


async def recent_rounds(session: AsyncSession, limit: int = 20) -> list[MatchRound]:
    return list((await session.scalars(select(MatchRound).order_by(MatchRound.id.desc()).limit(limit))).all())


async def get_round(session: AsyncSession, actor: Member, round_id: int) -> MatchRound:
    _require_weaver(actor)
    row = await session.get(MatchRound, round_id)
    if row is None:
        raise NotFound("No round with that number.")
    return row


# --- The review queue ----------------------------------------------------------------------------


@dataclass
class PastContact:
    introductions: list[Introduction] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    connected: bool = False
    hours: float = 0.0

    @property
    def none(self) -> bool:
        return not (self.introductions or self.suggestions or self.connected or self.hours)


@dataclass
class QueueItem:
    suggestion: Suggestion
    a: Member
    b: Member
    ask: Post | None
    offer: Post | None
    a_balance: timebank.Balance
    b_balance: timebank.Balance
    past: PastContact
    requested_by: Member | None
    involves_viewer: bool


@dataclass
class QueuePage:
    items: list[QueueItem]
    total: int
    page: int
    per_page: int
    round_id: int | None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


async def queue_page(session: AsyncSession, actor: Member, page: int = 1, round_id: int | None = None,
                     per_page: int = 20) -> QueuePage:
    _require_weaver(actor)
    condition = Suggestion.status == "pending"
    if round_id is not None:
        condition = and_(condition, Suggestion.round_id == round_id)
    total = await session.scalar(select(func.count()).select_from(Suggestion).where(condition))
    page = max(1, min(page, max(1, -(-total // per_page))))
    suggestions = list((await session.scalars(
        select(Suggestion).where(condition)
        .order_by((Suggestion.source == "round"), Suggestion.score.desc(), Suggestion.id)
        .offset((page - 1) * per_page).limit(per_page)
    )).all())
    return QueuePage(await _items(session, actor, suggestions), total, page, per_page, round_id)


async def _items(session: AsyncSession, actor: Member, suggestions: list[Suggestion]) -> list[QueueItem]:
    member_ids = {s.a_id for s in suggestions} | {s.b_id for s in suggestions}
    member_ids |= {s.requested_by_id for s in suggestions if s.requested_by_id}
    people = {m.id: m for m in (await session.scalars(
        select(Member).where(Member.id.in_(member_ids)).options(selectinload(Member.interests))
    )).all()} if member_ids else {}
    post_ids = {s.ask_id for s in suggestions if s.ask_id} | {s.offer_id for s in suggestions if s.offer_id}
    posts = {p.id: p for p in (await session.scalars(
        select(Post).where(Post.id.in_(post_ids)).options(selectinload(Post.tags))
    )).all()} if post_ids else {}
    hours = await timebank.balances(session, member_ids)
    past = await past_contact(session, [(s.a_id, s.b_id) for s in suggestions], exclude={s.id for s in suggestions})
    zero = timebank.Balance(0.0, 0.0)
    return [
        QueueItem(
            s, people[s.a_id], people[s.b_id], posts.get(s.ask_id), posts.get(s.offer_id),
            hours.get(s.a_id, zero), hours.get(s.b_id, zero), past[_pair(s.a_id, s.b_id)],
            people.get(s.requested_by_id), actor.id in (s.a_id, s.b_id),
        )
        for s in suggestions
    ]


async def past_contact(session: AsyncSession, pairs: list[tuple[int, int]], exclude: set[int] = frozenset()
                       ) -> dict[tuple[int, int], PastContact]:
    """What has happened between each pair before: introductions, earlier suggestions, a
    connection on the network, hours exchanged."""
    wanted = {_pair(a, b) for a, b in pairs}
    out = {p: PastContact() for p in wanted}
    if not wanted:
        return out
    ids = {x for p in wanted for x in p}
    for intro in (await session.scalars(
        select(Introduction).where(Introduction.a_id.in_(ids), Introduction.b_id.in_(ids)).order_by(Introduction.created_at)
    )).all():
        key = _pair(intro.a_id, intro.b_id)
        if key in out:
            out[key].introductions.append(intro)
    for s in (await session.scalars(
        select(Suggestion).where(Suggestion.a_id.in_(ids), Suggestion.b_id.in_(ids)).order_by(Suggestion.created_at)
    )).all():
        key = _pair(s.a_id, s.b_id)
        if key in out and s.id not in exclude:
            out[key].suggestions.append(s)
    for a, b in (await session.execute(
        select(Connection.a_id, Connection.b_id).where(Connection.a_id.in_(ids), Connection.b_id.in_(ids))
    )).all():
        if (a, b) in out:
            out[(a, b)].connected = True
    for g, r, h in (await session.execute(
        select(Exchange.giver_id, Exchange.receiver_id, Exchange.hours)
        .where(Exchange.giver_id.in_(ids), Exchange.receiver_id.in_(ids), Exchange.status == "confirmed")
    )).all():
        key = _pair(g, r)
        if key in out:
            out[key].hours += h
    return out


def clean_note(raw: object) -> str:
    note = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", str(raw or "").replace("\r\n", "\n")).strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput("Please shorten the note.", {"note": f"The note must be at most {NOTE_MAX} characters (it has {len(note)})."})
    return note


async def _pending_suggestion(session: AsyncSession, suggestion_id: int) -> Suggestion:
    s = await session.get(Suggestion, suggestion_id, populate_existing=True)
    if s is None:
        raise NotFound("No suggestion with that number.")
    return s


def _record(session: AsyncSession, s: Suggestion, actor: Member, action: str, now: dt.datetime, **detail) -> None:  # noqa: ANN003
    session.add(SuggestionDecision(suggestion_id=s.id, actor_id=actor.id, action=action, detail=detail, at=now))


async def _decide(session: AsyncSession, s: Suggestion, actor: Member, status: str, now: dt.datetime) -> bool:
    """pending -> status, conditionally: False when someone else decided first."""
    result = await session.execute(
        update(Suggestion).where(Suggestion.id == s.id, Suggestion.status == "pending")
        .values(status=status, decided_at=now, decided_by_id=actor.id).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    s.status, s.decided_at, s.decided_by_id = status, now, actor.id
    return True


async def edit_note(session: AsyncSession, actor: Member, suggestion_id: int, note: object, now: dt.datetime) -> Suggestion:
    _require_weaver(actor)
    s = await _pending_suggestion(session, suggestion_id)
    text = clean_note(note)
    if s.status != "pending":
        raise Conflict(f"This suggestion was already {s.status}.")
    if text != s.note:
        _record(session, s, actor, "edit", now, before=s.note, after=text)
        s.note = text
    await session.commit()
    return s


async def decline(session: AsyncSession, actor: Member, suggestion_id: int, now: dt.datetime) -> Suggestion:
    """The pair is never suggested again (the round's history includes declined suggestions)."""
    return await _close(session, actor, suggestion_id, "declined", "decline", now)


async def skip(session: AsyncSession, actor: Member, suggestion_id: int, now: dt.datetime) -> Suggestion:
    """Not now: the suggestion leaves the queue; a later round may suggest the pair again."""
    return await _close(session, actor, suggestion_id, "skipped", "skip", now)


async def _close(session: AsyncSession, actor: Member, suggestion_id: int, status: str, action: str,
                 now: dt.datetime) -> Suggestion:
    _require_weaver(actor)
    s = await _pending_suggestion(session, suggestion_id)
    if s.status == status:
        return s
    if not await _decide(session, s, actor, status, now):
        await session.rollback()
        raise Conflict("Someone else decided on this suggestion first.")
    _record(session, s, actor, action, now)
    await session.commit()
    return s


async def approve(session: AsyncSession, settings: Settings, actor: Member, suggestion_id: int, now: dt.datetime,
                  note: object = None, action: str = "approve") -> Introduction:
    """Turn a suggestion into an introduction. Approving twice yields the same introduction and
    one email. Weavers cannot approve an introduction that involves themselves."""
    _require_weaver(actor)
    s = await _pending_suggestion(session, suggestion_id)
    if actor.id in (s.a_id, s.b_id):
        raise Forbidden("You cannot approve an introduction that involves you; another weaver will decide on it.")
    text = clean_note(note) if note is not None else None
    if s.status == "approved":
        existing = await session.scalar(select(Introduction).where(Introduction.suggestion_id == s.id))
        if existing is not None:
            return existing
    if s.status != "pending":
        raise Conflict(f"This suggestion was already {s.status}.")
    today = now.date()
    a, b = await session.get(Member, s.a_id), await session.get(Member, s.b_id)
    for person in (a, b):
        if not takes_part(person, today):
            raise Conflict(f"{person.display_name} is not taking part in introductions at the moment, so this "
                           "suggestion cannot be approved. Decline or skip it.")
    if s.ask_id is not None:
        ask = await session.get(Post, s.ask_id)
        if ask is not None and not ask.is_open(today):
            raise Conflict(f"The ask “{ask.title}” is no longer open, so this suggestion cannot be approved. "
                           "Decline or skip it.")
    if text is not None and text != s.note:
        _record(session, s, actor, "edit", now, before=s.note, after=text)
        s.note = text
    if not await _decide(session, s, actor, "approved", now):
        await session.rollback()
        existing = await session.scalar(select(Introduction).where(Introduction.suggestion_id == suggestion_id))
        if existing is not None:
            return existing
        raise Conflict("Someone else decided on this suggestion first.")
    _record(session, s, actor, action, now)
    prefs = await _preferences(session, [a.id, b.id])

    def consent_of(member_id: int) -> str:
        if s.requested_by_id == member_id:
            return "yes"  # they asked for this introduction themselves
        return "auto" if prefs.get(member_id) == "direct" else "pending"

    intro = Introduction(
        suggestion_id=s.id, a_id=s.a_id, b_id=s.b_id, ask_id=s.ask_id, offer_id=s.offer_id, note=s.note,
        reasons=list(s.reasons or []), status="awaiting_consent", a_consent=consent_of(a.id),
        b_consent=consent_of(b.id), introduced_by_id=actor.id, created_at=now,
    )
    session.add(intro)
    await session.flush()
    audit.record(session, actor.id, "introduction_bulk_approve" if action == "bulk_approve" else "introduction_approve",
                 f"suggestion:{s.id}", now, introduction=intro.id, a=s.a_id, b=s.b_id)
    for side, member in (("a", a), ("b", b)):
        if getattr(intro, f"{side}_consent") == "pending":
            await _ask_consent(session, settings, intro, member, a if side == "b" else b, actor, now)
    await _send_if_agreed(session, settings, intro, now)
    await session.commit()
    return intro


async def approve_many(session: AsyncSession, settings: Settings, actor: Member, suggestion_ids: Iterable[int],
                       now: dt.datetime) -> tuple[int, list[str]]:
    """Approve several at once; each is its own transaction, problems are reported, not fatal."""
    _require_weaver(actor)
    done, problems = 0, []
    for suggestion_id in dict.fromkeys(suggestion_ids):
        try:
            await approve(session, settings, actor, suggestion_id, now, action="bulk_approve")
            done += 1
        except DomainError as exc:
            await session.rollback()
            problems.append(f"Suggestion {suggestion_id}: {exc.message}")
    return done, problems


async def swap(session: AsyncSession, actor: Member, suggestion_id: int, now: dt.datetime) -> Suggestion:
    """Replace the helper with the next-best candidate for the same ask. The old suggestion is
    kept as superseded, so that pair is not suggested again."""
    _require_weaver(actor)
    s = await _pending_suggestion(session, suggestion_id)
    if s.status != "pending":
        raise Conflict(f"This suggestion was already {s.status}.")
    if s.ask_id is None:
        raise Conflict("Only suggestions that answer an ask can be swapped.")
    ask = await session.get(Post, s.ask_id)
    if ask is None or not ask.is_open(now.date()):
        raise Conflict("The ask is no longer open, so there is no one to swap in.")
    candidates = await candidates_for_ask(session, ask, now.date(), top=10)
    if not candidates:
        raise Conflict("There is no other suitable person for this ask at the moment.")
    best = candidates[0]
    if not await _decide(session, s, actor, "superseded", now):
        await session.rollback()
        raise Conflict("Someone else decided on this suggestion first.")
    new = Suggestion(
        round_id=s.round_id, source=s.source, a_id=s.a_id, b_id=best.member_id, ask_id=s.ask_id,
        offer_id=best.offer_id, score=best.score, reasons=list(best.reasons), note=s.note, status="pending",
        requested_by_id=None, created_at=now,
    )
    session.add(new)
    await session.flush()
    _record(session, s, actor, "swap", now, replaced_by=new.id, old_b=s.b_id, new_b=best.member_id)
    await session.commit()
    return new


# --- Candidates for one ask (swap and self-service) ----------------------------------------------


@dataclass(frozen=True)
class Helper:
    member_id: int
    offer_id: int | None
    score: float
    reasons: tuple[str, ...]


async def candidates_for_ask(session: AsyncSession, ask: Post, today: dt.date, top: int = 5) -> list[Helper]:
    """People who could help with one ask, best first, leaving out pairs that were suggested or
    introduced before and members not taking part."""
    data = await build_input(session, today, only_ask_id=ask.id)
    asker = mid(ask.member_id)
    if not any(m["id"] == asker and m["asks"] for m in data.data["members"]):
        return []
    for m in data.data["members"]:
        m["capacity"] = max(1, m["capacity"])  # show who could help even when they are busy this month
    # Past pairs are filtered here rather than given to the matcher as history, so that only the
    # asker's own past pairs cost anything (the round's history can hold tens of thousands).
    forbidden = {h["b"] if h["a"] == asker else h["a"] for h in data.data["history"] if asker in (h["a"], h["b"])}
    data.data["history"] = []
    results = await asyncio.to_thread(_suggest, data.data, top + len(forbidden))
    out = []
    for c in results.get(pid(ask.id), ()):
        if c.member_id in forbidden:
            continue
        out.append(Helper(unid(c.member_id), unid(c.offer_id), float(c.score), tuple(c.reasons)))
        if len(out) >= top:
            break
    return out


def _suggest(data: dict, top: int) -> dict:
    return {s.ask_id: s.candidates for s in matching.suggest(community_of(data), top=top)}


async def own_ask(session: AsyncSession, viewer: Member, ask_id: int) -> Post:
    ask = await session.scalar(select(Post).where(Post.id == ask_id).options(selectinload(Post.tags)))
    if ask is None or ask.kind != "ask" or ask.member_id != viewer.id:
        raise NotFound("You have no ask with that number.")
    return ask


async def helpers_for_member(session: AsyncSession, viewer: Member, ask_id: int, today: dt.date
                             ) -> tuple[Post, list[tuple[Helper, Member, Post | None]], list]:
    """What a member sees on their own ask: people who could help, whose profile they may see."""
    ask = await own_ask(session, viewer, ask_id)
    if not ask.is_open(today):
        return ask, [], await my_requests(session, viewer, ask.id)
    helpers = await candidates_for_ask(session, ask, today, top=8)
    people = {m.id: m for m in (await session.scalars(
        select(Member).where(Member.id.in_([h.member_id for h in helpers])).options(selectinload(Member.interests))
    )).all()} if helpers else {}
    offers = {p.id: p for p in (await session.scalars(
        select(Post).where(Post.id.in_([h.offer_id for h in helpers if h.offer_id]))
    )).all()}
    shown = [(h, people[h.member_id], offers.get(h.offer_id)) for h in helpers
             if h.member_id in people and people[h.member_id].visibility == "members"][:5]
    return ask, shown, await my_requests(session, viewer, ask.id)


async def my_requests(session: AsyncSession, viewer: Member, ask_id: int) -> list[tuple[Suggestion, Member]]:
    """Introductions a member asked for on one ask, and where each one is."""
    rows = (await session.execute(
        select(Suggestion, Member).join(Member, Member.id == Suggestion.b_id)
        .where(Suggestion.ask_id == ask_id, Suggestion.requested_by_id == viewer.id).order_by(Suggestion.id)
    )).all()
    return [(s, m) for s, m in rows]


async def request_introduction(session: AsyncSession, viewer: Member, ask_id: int, helper_id: int,
                               now: dt.datetime) -> Suggestion:
    """A member asks the weavers for an introduction to someone who could help with their ask."""
    if viewer.status != "active":
        raise Forbidden("Your membership is waiting for a network weaver's approval.")
    ask = await own_ask(session, viewer, ask_id)
    if not ask.is_open(now.date()):
        raise Conflict("This ask is no longer open.")
    waiting = await session.scalar(select(func.count()).select_from(Suggestion).where(
        Suggestion.requested_by_id == viewer.id, Suggestion.status == "pending"))
    if waiting >= MAX_PENDING_REQUESTS:
        raise Conflict(f"You already have {waiting} requests waiting for a weaver. Please wait for those first.")
    helpers = await candidates_for_ask(session, ask, now.date(), top=8)
    match = next((h for h in helpers if h.member_id == helper_id), None)
    helper = await session.get(Member, helper_id)
    if match is None or helper is None or helper.visibility != "members":
        raise NotFound("That person is not among the people who could help with this ask.")
    s = Suggestion(
        round_id=None, source="self_service", a_id=viewer.id, b_id=helper_id, ask_id=ask.id,
        offer_id=match.offer_id, score=match.score, reasons=list(match.reasons), note="", status="pending",
        requested_by_id=viewer.id, created_at=now,
    )
    session.add(s)
    await session.commit()
    return s


# --- Consent and the introduction ----------------------------------------------------------------


async def _preferences(session: AsyncSession, member_ids: list[int]) -> dict[int, str]:
    rows = (await session.execute(
        select(MemberPreference.member_id, MemberPreference.intro_consent).where(MemberPreference.member_id.in_(member_ids))
    )).all()
    return dict(rows)


async def preference(session: AsyncSession, member_id: int) -> MemberPreference:
    pref = await session.get(MemberPreference, member_id)
    return pref or MemberPreference(member_id=member_id, intro_consent="ask_first", on_map=True)


async def save_preference(session: AsyncSession, member: Member, values: dict) -> MemberPreference:
    consent = values.get("intro_consent")
    if consent not in INTRO_CONSENT:
        raise InvalidInput("Please choose how introductions reach you.",
                           {"intro_consent": "Choose one of the two options."})
    pref = await session.get(MemberPreference, member.id)
    if pref is None:
        pref = MemberPreference(member_id=member.id)
        session.add(pref)
    pref.intro_consent = consent
    pref.on_map = values.get("on_map") in ("1", "on", "yes", "true", True)
    await session.commit()
    return pref


def sign(settings: Settings, purpose: str, introduction_id: int, member_id: int, expires: dt.datetime) -> str:
    """A link token bound to one introduction and one member: HMAC-SHA256 with the secret key."""
    payload = f"{purpose}.{introduction_id}.{member_id}.{int(expires.timestamp())}"
    mac = hmac.new(settings.secret_key.encode(), f"weaving-link|{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=") + "." + \
        base64.urlsafe_b64encode(mac).decode().rstrip("=")


def verify(settings: Settings, token: str, purpose: str, now: dt.datetime) -> tuple[int, int]:
    """(introduction id, member id) from a token made by `sign`, or InvalidLink."""
    bad = InvalidLink("This link is not valid. Please use the link from your email as it is.")
    try:
        body, _, mac = (token or "").partition(".")
        if len(token) > 400:
            raise ValueError
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        given = base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4))
    except (ValueError, UnicodeDecodeError):
        raise bad from None
    expected = hmac.new(settings.secret_key.encode(), f"weaving-link|{payload}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, given):
        raise bad
    parts = payload.split(".")
    if len(parts) != 4 or parts[0] != purpose or not all(p.isdigit() for p in parts[1:]):
        raise bad
    if int(parts[3]) < now.timestamp():
        raise InvalidLink("This link has expired. A network weaver can help if you still want to answer.")
    return int(parts[1]), int(parts[2])


def link(settings: Settings, path: str, token: str, **query: str) -> str:
    from urllib.parse import urlencode

    return f"{settings.base_url}{path}?{urlencode({'token': token, **query})}"


def _who(member: Member, settings: Settings) -> dict:
    return {"name": member.display_name, "organisation": member.organisation, "region": member.region,
            "profile": f"{settings.base_url}/members/{member.id}"}


async def _posts(session: AsyncSession, intro: Introduction) -> tuple[Post | None, Post | None]:
    ask = await session.get(Post, intro.ask_id) if intro.ask_id else None
    offer = await session.get(Post, intro.offer_id) if intro.offer_id else None
    return ask, offer


async def _ask_consent(session: AsyncSession, settings: Settings, intro: Introduction, member: Member, other: Member,
                       weaver: Member, now: dt.datetime) -> None:
    token = sign(settings, "consent", intro.id, member.id, now + dt.timedelta(days=CONSENT_LINK_DAYS))
    ask, offer = await _posts(session, intro)
    is_asker = member.id == intro.a_id
    if ask is not None and is_asker:
        subject = f"{weaver.display_name} would like to introduce you to {other.display_name}"
        because = f"who could help with “{ask.title}”"
    elif ask is not None:
        subject = f"{weaver.display_name} would like to introduce you to {other.display_name}"
        because = f"who is looking for help with “{ask.title}”" + (f", which your offer “{offer.title}” could answer" if offer else "")
    else:
        subject = f"{weaver.display_name} would like to introduce you to {other.display_name}"
        because = "who shares your interests"
    await mail.enqueue(
        session, settings, now=now, to=member.email, template="consent_request", subject=subject,
        context={
            "name": member.display_name, "weaver": weaver.display_name, "other": _who(other, settings),
            "because": because, "note": intro.note, "reasons": intro.reasons,
            "yes_link": link(settings, "/introductions/consent", token, answer="yes"),
            "no_link": link(settings, "/introductions/consent", token, answer="no"),
        },
        dedupe_key=f"consent:{intro.id}:{member.id}",
    )


async def _send_if_agreed(session: AsyncSession, settings: Settings, intro: Introduction, now: dt.datetime) -> bool:
    """awaiting_consent -> sent, only once both sides agreed (a conditional UPDATE, so two
    people saying yes at the same moment still send exactly one introduction)."""
    agreed = ("yes", "auto")
    result = await session.execute(
        update(Introduction).where(
            Introduction.id == intro.id, Introduction.status == "awaiting_consent",
            Introduction.a_consent.in_(agreed), Introduction.b_consent.in_(agreed),
        ).values(status="sent", sent_at=now, follow_up_due_at=now + dt.timedelta(days=settings.follow_up_days))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    await session.refresh(intro)
    a, b = await session.get(Member, intro.a_id), await session.get(Member, intro.b_id)
    weaver = await session.get(Member, intro.introduced_by_id) if intro.introduced_by_id else None
    ask, offer = await _posts(session, intro)
    context = {
        "a": {**_who(a, settings), "email": a.email}, "b": {**_who(b, settings), "email": b.email},
        "weaver": weaver.display_name if weaver else "A network weaver", "note": intro.note,
        "reasons": intro.reasons or [], "ask": ask, "offer": offer, "follow_up_days": settings.follow_up_days,
    }
    subject = f"Introduction: {a.display_name}, meet {b.display_name}"
    together = f"{a.email}, {b.email}"
    recipients = [together] if len(together) <= 254 else [a.email, b.email]
    for i, to in enumerate(recipients):
        await mail.enqueue(
            session, settings, now=now, to=to, template="intro_email", subject=subject, context=context,
            headers={"Reply-To": together} if len(together) <= 900 else None,
            dedupe_key=f"intro:{intro.id}" + (f":{i}" if len(recipients) > 1 else ""),
        )
    return True


@dataclass
class ConsentView:
    intro: Introduction
    member: Member
    other: Member
    ask: Post | None
    answer: str  # the member's consent now


async def consent_view(session: AsyncSession, settings: Settings, token: str, now: dt.datetime) -> ConsentView:
    intro_id, member_id = verify(settings, token, "consent", now)
    intro = await session.get(Introduction, intro_id)
    if intro is None or member_id not in (intro.a_id, intro.b_id):
        raise InvalidLink("This introduction no longer exists.")
    side = "a" if member_id == intro.a_id else "b"
    member = await session.get(Member, member_id)
    other = await session.get(Member, intro.b_id if side == "a" else intro.a_id)
    ask, _ = await _posts(session, intro)
    return ConsentView(intro, member, other, ask, getattr(intro, f"{side}_consent"))


async def answer_consent(session: AsyncSession, settings: Settings, token: str, answer: str,
                         now: dt.datetime) -> ConsentView:
    """Yes: the introduction goes out once the other side agreed too. Not now: it is declined,
    and the pair is not suggested again. Each person answers once."""
    if answer not in ("yes", "no"):
        raise InvalidInput("Please choose yes or not now.", {"answer": "Choose yes or not now."})
    view = await consent_view(session, settings, token, now)
    intro = view.intro
    side = "a" if view.member.id == intro.a_id else "b"
    column = getattr(Introduction, f"{side}_consent")
    result = await session.execute(
        update(Introduction).where(Introduction.id == intro.id, column == "pending",
                                   Introduction.status == "awaiting_consent")
        .values({column: answer}).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        await session.rollback()
        await session.refresh(intro)
        view.answer = getattr(intro, f"{side}_consent")
        await session.rollback()
        return view  # already answered (or the other side said not now): nothing changes
    if answer == "no":
        await session.execute(
            update(Introduction).where(Introduction.id == intro.id, Introduction.status == "awaiting_consent")
            .values(status="declined").execution_options(synchronize_session=False)
        )
    else:
        await _send_if_agreed(session, settings, intro, now)
    await session.refresh(intro)
    await session.commit()
    view.answer = answer
    return view


# --- Follow-up -----------------------------------------------------------------------------------


async def follow_up_sweep(factory: async_sessionmaker[AsyncSession], settings: Settings,
                          clock: Callable[[], dt.datetime], limit: int = 200) -> int:
    """Ask both sides how it went, once, when an introduction's follow-up is due."""
    sent = 0
    async with factory() as session:
        await mark_read_only(session)
        now = clock()
        due = (await session.scalars(
            select(Introduction.id).where(
                Introduction.status == "sent", Introduction.follow_up_sent_at.is_(None),
                Introduction.follow_up_due_at <= now,
            ).order_by(Introduction.follow_up_due_at).limit(limit)
        )).all()
        await session.rollback()
        for intro_id in due:
            result = await session.execute(
                update(Introduction).where(Introduction.id == intro_id, Introduction.follow_up_sent_at.is_(None))
                .values(follow_up_sent_at=now).execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                await session.rollback()
                continue
            intro = await session.get(Introduction, intro_id)
            a, b = await session.get(Member, intro.a_id), await session.get(Member, intro.b_id)
            ask, _ = await _posts(session, intro)
            for member, other in ((a, b), (b, a)):
                token = sign(settings, "follow_up", intro.id, member.id, now + dt.timedelta(days=FOLLOW_UP_LINK_DAYS))
                await mail.enqueue(
                    session, settings, now=now, to=member.email, template="follow_up_request",
                    subject=f"Did you meet {other.display_name}?",
                    context={
                        "name": member.display_name, "other": other.display_name, "ask": ask,
                        "links": [(label, link(settings, "/follow-up", token, met=value))
                                  for value, label in MET_LABELS.items()],
                    },
                    dedupe_key=f"follow-up:{intro.id}:{member.id}",
                )
            await session.commit()
            sent += 1
    return sent


@dataclass
class FollowUpView:
    intro: Introduction
    member: Member
    other: Member
    ask: Post | None
    is_asker: bool
    answer: FollowUpAnswer | None
    other_answer: FollowUpAnswer | None = None
    #: The introduction's hours in the timebank, once an answer gave some (hub.weaving._settle_hours).
    exchange: Exchange | None = None

    @property
    def gives_hours(self) -> bool:
        """Hours go into the ledger for introductions that answered an ask."""
        return self.intro.ask_id is not None

    @property
    def can_answer(self) -> bool:
        return self.answer is None or self.answer.met == "not_yet"


async def _answers(session: AsyncSession, intro_id: int) -> dict[int | None, FollowUpAnswer]:
    """Each person's answer to one introduction's follow-up, by member id, as stored now."""
    rows = await session.scalars(select(FollowUpAnswer).where(FollowUpAnswer.introduction_id == intro_id)
                                 .execution_options(populate_existing=True))
    return {a.member_id: a for a in rows.all()}


async def follow_up_view(session: AsyncSession, settings: Settings, token: str, now: dt.datetime) -> FollowUpView:
    intro_id, member_id = verify(settings, token, "follow_up", now)
    intro = await session.get(Introduction, intro_id)
    if intro is None or member_id not in (intro.a_id, intro.b_id):
        raise InvalidLink("This introduction no longer exists.")
    member = await session.get(Member, member_id)
    other = await session.get(Member, intro.b_id if member_id == intro.a_id else intro.a_id)
    ask, _ = await _posts(session, intro)
    answers = await _answers(session, intro.id)
    return FollowUpView(intro, member, other, ask, member_id == intro.a_id, answers.get(member_id),
                        answers.get(other.id))


@dataclass(frozen=True)
class FollowUpInput:
    met: str
    helped: bool | None
    hours: float
    fulfilled: bool


def parse_follow_up(values: dict) -> FollowUpInput:
    errors: dict[str, str] = {}
    met = values.get("met")
    if met not in MET_ANSWERS:
        errors["met"] = "Choose whether you met."
    helped = {"yes": True, "no": False, "": None, None: None}.get(values.get("helped"), "bad")
    if helped == "bad":
        errors["helped"] = "Choose yes or no."
        helped = None
    hours = timebank.parse_hours(values.get("hours"), errors, allow_zero=True) if met == "met" else 0.0
    if errors:
        raise InvalidInput("Please check your answer.", errors)
    return FollowUpInput(met, helped, hours, values.get("fulfilled") in ("1", "on", "yes"))


async def answer_follow_up(session: AsyncSession, settings: Settings, token: str, data: FollowUpInput,
                           now: dt.datetime) -> FollowUpView:
    """Record one side's answer. The token says whose answer it is, so nobody can answer for
    someone else; an answer other than "not yet" is final; each person's answer is kept, and the
    hours go into the ledger once, or wait for a weaver when the two answers differ."""
    view = await follow_up_view(session, settings, token, now)
    intro = view.intro
    if intro.status not in ("sent", "met", "not_yet", "did_not_happen"):
        raise Conflict("This introduction was not sent, so there is nothing to follow up.")
    if not view.can_answer:
        raise Conflict("You have already answered; thank you. A network weaver can correct it if needed.")
    # The two people's answers take turns (SQLite's writers already do): the second then reads the
    # first, so that two answers given at the same moment are still compared.
    await session.execute(select(Introduction.id).where(Introduction.id == intro.id).with_for_update())
    try:
        async with session.begin_nested():
            if view.answer is None:
                view.answer = FollowUpAnswer(introduction_id=intro.id, member_id=view.member.id, met=data.met,
                                             helped=data.helped, hours=data.hours, answered_at=now)
                session.add(view.answer)
            else:
                result = await session.execute(
                    update(FollowUpAnswer).where(FollowUpAnswer.id == view.answer.id, FollowUpAnswer.met == "not_yet")
                    .values(met=data.met, helped=data.helped, hours=data.hours, answered_at=now)
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount != 1:
                    raise IntegrityError("answered meanwhile", None, Exception())
            await session.flush()
    except IntegrityError:
        await session.rollback()
        raise Conflict("You have already answered; thank you.") from None

    answers = (await session.scalars(select(FollowUpAnswer.met).where(FollowUpAnswer.introduction_id == intro.id))).all()
    status = "met" if "met" in answers else "did_not_happen" if "did_not_happen" in answers else "not_yet"
    await session.execute(update(Introduction).where(Introduction.id == intro.id).values(status=status)
                          .execution_options(synchronize_session=False))
    if data.met == "met":
        await _connect(session, intro, now)
    view.exchange = await _settle_hours(session, intro, view.member.id, now)
    answers = await _answers(session, intro.id)
    view.answer, view.other_answer = answers.get(view.member.id), answers.get(view.other.id)
    if data.fulfilled and view.is_asker and view.ask is not None and view.ask.member_id == view.member.id \
            and view.ask.status == "open":
        view.ask.status = "fulfilled"
        from hub.members import refresh_search_text

        await session.flush()
        await refresh_search_text(session, view.member.id, now.date())
    await session.refresh(intro)
    await session.commit()
    return view


def claimed_hours(met: str, hours: float) -> float | None:
    """The hours one follow-up answer puts forward for the timebank: 0 when the meeting did not
    happen, and no claim while they have not met yet or when the hours were left empty."""
    if met == "did_not_happen":
        return 0.0
    return hours if met == "met" and hours > 0 else None


async def _settle_hours(session: AsyncSession, intro: Introduction, answered_by_id: int,
                        now: dt.datetime) -> Exchange | None:
    """The introduction's hours after an answer, from both people's answers: the first hours given
    go into the ledger (the other person may never answer); a second answer that agrees changes
    nothing; one that differs takes them out again until a weaver confirms an amount, seeing both
    answers (hub.timebank.confirm_follow_up_hours). Returns the introduction's exchange, if any."""
    if intro.ask_id is None:
        return None  # hours go into the ledger only for introductions that answered an ask
    answers = (await session.execute(select(FollowUpAnswer.met, FollowUpAnswer.hours)
                                     .where(FollowUpAnswer.introduction_id == intro.id))).all()
    claims = {c for met, hours in answers if (c := claimed_hours(met, hours)) is not None}
    exchange = await session.scalar(
        select(Exchange).where(Exchange.introduction_id == intro.id, Exchange.giver_id == intro.b_id)
        .execution_options(populate_existing=True))
    if exchange is None:
        if not claims - {0.0}:
            return None  # no hours given, or both said it did not happen
        return await timebank.record_exchange(
            session, giver_id=intro.b_id, receiver_id=intro.a_id, hours=max(claims), now=now,
            source="introduction", introduction_id=intro.id, recorded_by_id=answered_by_id,
            note="Recorded from the follow-up of an introduction.",
            status="confirmed" if len(claims) == 1 else "pending",
        )
    if len(claims) > 1 and await timebank.hold_for_weaver(session, exchange.id):
        await session.refresh(exchange)
    return exchange


async def _connect(session: AsyncSession, intro: Introduction, now: dt.datetime) -> None:
    a, b = _pair(intro.a_id, intro.b_id)
    exists = await session.scalar(select(Connection.id).where(
        Connection.a_id == a, Connection.b_id == b, Connection.kind == "introduction", Connection.source_id == intro.id))
    if exists is not None:
        return
    try:
        async with session.begin_nested():
            session.add(Connection(a_id=a, b_id=b, kind="introduction", source_id=intro.id, created_at=now))
            await session.flush()
    except IntegrityError:
        pass  # the other side's answer made it a moment ago


# --- Overviews -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """A member as a list of past activity shows them: a former member has no profile to link to."""

    id: int
    name: str
    former: bool


async def _listed(session: AsyncSession, ids: set[int]) -> dict[int, Listed]:
    rows = (await session.execute(
        select(Member.id, Member.name, Member.status).where(Member.id.in_(ids)))).all() if ids else []
    found = {i: Listed(i, listed_name(name, status), is_former(status)) for i, name, status in rows}
    return {i: found.get(i) or Listed(i, listed_name(None, None), True) for i in ids}


@dataclass(frozen=True)
class HoursToConfirm:
    """Follow-up hours the two people answered differently, for a weaver to settle."""

    exchange: Exchange
    intro: Introduction
    ask: Post | None
    asker: Listed
    helper: Listed
    #: (person, their answer or None) for the asker, then the helper.
    answers: tuple[tuple[Listed, FollowUpAnswer | None], ...]


async def hours_to_confirm(session: AsyncSession, actor: Member, limit: int = 100) -> list[HoursToConfirm]:
    _require_weaver(actor)
    rows = (await session.execute(
        select(Exchange, Introduction).join(Introduction, Introduction.id == Exchange.introduction_id)
        .where(Exchange.source == "introduction", Exchange.status == "pending")
        .order_by(Exchange.at, Exchange.id).limit(limit)
    )).all()
    if not rows:
        return []
    intro_ids = [intro.id for _, intro in rows]
    answers = {(a.introduction_id, a.member_id): a for a in (await session.scalars(
        select(FollowUpAnswer).where(FollowUpAnswer.introduction_id.in_(intro_ids)))).all()}
    people = await _listed(session, {i.a_id for _, i in rows} | {i.b_id for _, i in rows})
    asks = {p.id: p for p in (await session.scalars(
        select(Post).where(Post.id.in_([i.ask_id for _, i in rows if i.ask_id])))).all()}
    return [
        HoursToConfirm(exchange, intro, asks.get(intro.ask_id), people[intro.a_id], people[intro.b_id], tuple(
            (people[m], answers.get((intro.id, m))) for m in (intro.a_id, intro.b_id)))
        for exchange, intro in rows
    ]


async def introductions_for_weavers(session: AsyncSession, actor: Member, limit: int = 100
                                    ) -> list[tuple[Introduction, Listed, Listed]]:
    _require_weaver(actor)
    rows = (await session.scalars(select(Introduction).order_by(Introduction.created_at.desc(), Introduction.id.desc())
                                  .limit(limit))).all()
    people = await _listed(session, {r.a_id for r in rows} | {r.b_id for r in rows})
    return [(r, people[r.a_id], people[r.b_id]) for r in rows]


async def my_introductions(session: AsyncSession, member_id: int, limit: int = 50) -> list[tuple[Introduction, Member]]:
    """Introductions that happened (were sent) for one member, with the other person."""
    rows = (await session.scalars(
        select(Introduction).where(or_(Introduction.a_id == member_id, Introduction.b_id == member_id),
                                   Introduction.sent_at.is_not(None))
        .order_by(Introduction.sent_at.desc()).limit(limit)
    )).all()
    out = []
    for r in rows:
        other = await session.get(Member, r.b_id if r.a_id == member_id else r.a_id)
        if other is not None:
            out.append((r, other))
    return out


ACTION_LABELS = {"approve": "approved", "bulk_approve": "approved (in bulk)", "edit": "edited the note of",
                 "swap": "swapped the helper of", "decline": "declined", "skip": "skipped"}


async def recent_decisions(session: AsyncSession, actor: Member, limit: int = 100) -> list[tuple]:
    """The decision log: (decision, who decided, the two members' names), newest first."""
    _require_weaver(actor)
    rows = (await session.execute(
        select(SuggestionDecision, Suggestion.a_id, Suggestion.b_id)
        .join(Suggestion, Suggestion.id == SuggestionDecision.suggestion_id)
        .order_by(SuggestionDecision.at.desc(), SuggestionDecision.id.desc()).limit(limit)
    )).all()
    ids = {d.actor_id for d, _, _ in rows if d.actor_id} | {a for _, a, _ in rows} | {b for _, _, b in rows}
    people = await _listed(session, ids)

    def weaver(actor_id: int | None) -> str:
        return "A former weaver" if actor_id is None or people[actor_id].former else people[actor_id].name

    return [(d, weaver(d.actor_id), ACTION_LABELS.get(d.action, d.action), people[a].name, people[b].name)
            for d, a, b in rows]


async def decisions_for(session: AsyncSession, suggestion_id: int) -> list[SuggestionDecision]:
    return list((await session.scalars(select(SuggestionDecision).where(
        SuggestionDecision.suggestion_id == suggestion_id).order_by(SuggestionDecision.at, SuggestionDecision.id))).all())


__all__ = [
    "answer_consent", "answer_follow_up", "approve", "approve_many", "build_input", "candidates_for_ask",
    "claim_round", "decline", "edit_note", "follow_up_sweep", "queue_page", "request_introduction", "round_sweep",
    "run_round", "sign", "skip", "start_round", "swap", "verify",
]
