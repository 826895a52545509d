"""The hub's tables. Invariants that must hold whatever the code does live here as constraints."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, UTCDateTime, utcnow

SECTORS = {
    "nhs": "NHS",
    "social_care": "Social care",
    "third_sector": "Third sector",
    "local_authority": "Local authority",
    "academia": "Academia",
    "lived_experience": "Lived experience",
}
NATIONS = {
    "england": "England",
    "scotland": "Scotland",
    "wales": "Wales",
    "northern_ireland": "Northern Ireland",
}
WEAVING_ROLES = {
    "connector": "Connector",
    "project_coordinator": "Project Coordinator",
    "network_catalyst": "Network Catalyst/Facilitator",
    "network_guardian": "Network Guardian",
}
HUB_ROLES = ("member", "weaver", "admin")
#: "deleted": the tombstone left when a member deletes their account (hub.privacy).
MEMBER_STATUSES = ("active", "pending", "suspended", "deleted")
VISIBILITIES = {"members": "All members", "weavers": "Network weavers only"}
MATCHING_CHOICES = {"active": "Take part", "paused": "Pause until a date", "opted_out": "Opt out"}
PREFERENCES = {"online": "Online", "in_person": "In person", "either": "Either"}
POST_KINDS = ("offer", "ask")
POST_STATUSES = ("open", "fulfilled", "withdrawn")


def _in(column: str, values) -> str:  # noqa: ANN001
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# The (tag_id, other id) indexes answer "who has this tag" from the index alone (the directory's
# tag filter), without a table lookup per row.
member_interest = Table(
    "member_interest",
    Base.metadata,
    Column("member_id", ForeignKey("member.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_member_interest_tag_id_member_id", "tag_id", "member_id"),
)

post_tag = Table(
    "post_tag",
    Base.metadata,
    Column("post_id", ForeignKey("post.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_post_tag_tag_id_post_id", "tag_id", "post_id"),
)


class Tag(Base):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    label: Mapped[str] = mapped_column(String(80))


class MemberDisplay:
    """What a member shows and may do, read from its attributes (name, status, hub_role,
    weaving_roles): shared by the model and by the directory's plain rows (hub.directory_page)."""

    @property
    def role_names(self) -> list[str]:
        return [r.role for r in self.weaving_roles]

    @property
    def is_weaver(self) -> bool:
        return self.hub_role in ("weaver", "admin")

    @property
    def is_admin(self) -> bool:
        return self.hub_role == "admin"

    @property
    def display_name(self) -> str:
        if self.status == "deleted":
            return "Deleted member"
        return self.name or "New member"


#: How lists of past activity (timebank exchanges, introductions, weavers' decisions) name someone
#: whose account was deleted, or whose row is gone: without a link, since their profile is no more.
FORMER_MEMBER = "A former member"


def is_former(status: str | None) -> bool:
    """A tombstone (hub.privacy), or no member row at all (status read through an outer join)."""
    return status is None or status == "deleted"


def listed_name(name: str | None, status: str | None) -> str:
    """The name a list of past activity shows for a member row read as (name, status): "A former
    member" for a former member, "New member" for someone who has not given a name yet."""
    return FORMER_MEMBER if is_former(status) else name or "New member"


class PostState:
    """Whether an offer or ask is open, read from status and expires_on: shared by the model and
    by the directory's plain rows (hub.directory_page)."""

    def is_open(self, today: dt.date) -> bool:
        return self.status == "open" and (self.expires_on is None or self.expires_on >= today)


class Member(MemberDisplay, Base):
    __tablename__ = "member"
    __table_args__ = (
        CheckConstraint(_in("hub_role", HUB_ROLES), name="hub_role"),
        CheckConstraint(_in("status", MEMBER_STATUSES), name="status"),
        CheckConstraint(_in("visibility", VISIBILITIES), name="visibility"),
        CheckConstraint(_in("matching", MATCHING_CHOICES), name="matching"),
        CheckConstraint(_in("prefers", PREFERENCES), name="prefers"),
        CheckConstraint("hours_per_month >= 0 AND hours_per_month <= 200", name="hours_per_month"),
        # The directory's filter and order; on PostgreSQL it also carries id, so that listing or
        # joining the visible members is an index-only scan rather than a read of the wide rows.
        Index("ix_member_directory", "status", "visibility", "name", postgresql_include=["id"]),
        # Full-text search: the member_fts table (hub.search_index), made by the migration.
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    pronouns: Mapped[Optional[str]] = mapped_column(String(40))
    organisation: Mapped[str] = mapped_column(String(160), default="")
    sector: Mapped[Optional[str]] = mapped_column(String(40), index=True)
    nation: Mapped[Optional[str]] = mapped_column(String(40), index=True)
    region: Mapped[str] = mapped_column(String(120), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    hours_per_month: Mapped[int] = mapped_column(Integer, default=0)
    prefers: Mapped[str] = mapped_column(String(20), default="either")
    visibility: Mapped[str] = mapped_column(String(20), default="members")
    matching: Mapped[str] = mapped_column(String(20), default="active")
    matching_paused_until: Mapped[Optional[dt.date]] = mapped_column(Date)
    hub_role: Mapped[str] = mapped_column(String(20), default="member")
    #: Whether the member may create events (and so send their announcements), granted and taken back
    #: by weavers and admins (hub.members.set_event_host, audited); weavers and admins always may.
    #: The Network Catalyst/Facilitator weaving role only describes the member and grants nothing.
    may_host_events: Mapped[bool] = mapped_column(default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(20), default="active")
    #: Denormalised words of the profile and its open posts, kept for the directory search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    #: The ids of the tags the directory's tag filter finds the member by (interests and the tags
    #: of open posts), space-separated, kept beside search_text and indexed with it (hub.search_index).
    search_tags: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: The day search_text and search_tags were last built for: the expiry sweep rebuilds a member
    #: once on the day after a post expires. Written from the hub's clock, never the wall clock.
    search_indexed_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: A record for the member's data export only, stamped by the wall clock: no rule may compare
    #: it with the hub's clock (tests/test_architecture.py holds that).
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    interests: Mapped[list[Tag]] = relationship(secondary=member_interest, order_by=Tag.label)
    weaving_roles: Mapped[list["MemberWeavingRole"]] = relationship(
        cascade="all, delete-orphan", order_by="MemberWeavingRole.role"
    )
    links: Mapped[list["MemberLink"]] = relationship(cascade="all, delete-orphan", order_by="MemberLink.id")
    posts: Mapped[list["Post"]] = relationship(
        back_populates="member", cascade="all, delete-orphan", order_by="Post.id"
    )


class MemberWeavingRole(Base):
    __tablename__ = "member_weaving_role"
    __table_args__ = (CheckConstraint(_in("role", WEAVING_ROLES), name="role"),)

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class MemberLink(Base):
    __tablename__ = "member_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(80))
    url: Mapped[str] = mapped_column(String(500))


class Post(PostState, Base):
    """An offer (what a member can give) or an ask (a challenge they need help with)."""

    __tablename__ = "post"
    __table_args__ = (
        CheckConstraint(_in("kind", POST_KINDS), name="kind"),
        CheckConstraint(_in("status", POST_STATUSES), name="status"),
        Index("ix_post_member_kind", "member_id", "kind", "status"),
        # Open post -> member from the index alone: the directory's tag filter joins post_tag to the
        # open posts, and without it PostgreSQL reads the whole post table for every tag search.
        Index(
            "ix_post_open_id_member_id", "id", "member_id",
            postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    expires_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    #: Records for the member's data export only, stamped by the wall clock like Member.updated_at.
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    member: Mapped[Member] = relationship(back_populates="posts")
    tags: Mapped[list[Tag]] = relationship(secondary=post_tag, order_by=Tag.label)

    __mapper_args__ = {"polymorphic_on": "kind"}


class Offer(Post):
    __mapper_args__ = {"polymorphic_identity": "offer"}


class Ask(Post):
    __mapper_args__ = {"polymorphic_identity": "ask"}


class Invite(Base):
    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    invited_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class LoginToken(Base):
    """A magic link. Only the hash of its secret is stored; it is spent by a conditional UPDATE."""

    __tablename__ = "login_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)


class WebSession(Base):
    """A signed-in browser. The cookie holds a secret; only its hash is stored here."""

    __tablename__ = "web_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(String(300), default="")


class RateLimitHit(Base):
    """One counted action; in the database so that every web replica sees the same count."""

    __tablename__ = "rate_limit_hit"
    __table_args__ = (Index("ix_rate_limit_hit_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


OUTBOX_STATUSES = ("queued", "sending", "sent", "retry", "failed")


class OutboxMessage(Base):
    """A mail to send, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(_in("status", OUTBOX_STATUSES), name="status"),
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    #: Optional idempotency key: enqueueing the same key twice yields one mail.
    dedupe_key: Mapped[Optional[str]] = mapped_column(String(200), unique=True)
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: While status is "sending": the worker holding the row, and when it last said it was alive
    #: (hub.mail.heartbeat); a claim whose heartbeat is older than hub.mail.HEARTBEAT_TIMEOUT is taken over.
    claimed_by: Mapped[Optional[str]] = mapped_column(String(100))
    heartbeat_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)


__all__ = [
    "Ask",
    "Invite",
    "LoginToken",
    "Member",
    "MemberLink",
    "MemberWeavingRole",
    "Offer",
    "OutboxMessage",
    "Post",
    "RateLimitHit",
    "Tag",
    "UniqueConstraint",
    "WebSession",
]


# --- Weaving: rounds, suggestions, introductions, follow-up, timebank, connections -----------

INTRO_CONSENT = {"direct": "Introduce me straight away", "ask_first": "Ask me first"}
ROUND_STATUSES = ("queued", "running", "done", "failed")
SUGGESTION_STATUSES = ("pending", "approved", "declined", "skipped", "superseded")
SUGGESTION_SOURCES = ("round", "self_service", "triangle")
INTRODUCTION_STATUSES = ("awaiting_consent", "sent", "met", "not_yet", "did_not_happen", "declined")
CONSENT_STATES = ("pending", "yes", "no", "auto")
MET_ANSWERS = ("met", "not_yet", "did_not_happen")


class MemberPreference(Base):
    """Per-member choices about weaving that are not part of the public profile."""

    __tablename__ = "member_preference"
    __table_args__ = (CheckConstraint(_in("intro_consent", INTRO_CONSENT), name="intro_consent"),)

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    intro_consent: Mapped[str] = mapped_column(String(20), default="ask_first")
    #: False: left out of the network map and anonymised in exports.
    on_map: Mapped[bool] = mapped_column(default=True)


class MatchRound(Base):
    """One run of the matcher over the community (or one interest, or one group)."""

    __tablename__ = "match_round"
    __table_args__ = (CheckConstraint(_in("status", ROUND_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    scope: Mapped[str] = mapped_column(String(20), default="community")  # community | interest | group
    scope_value: Mapped[str] = mapped_column(String(160), default="")
    status: Mapped[str] = mapped_column(String(20), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)  # 0..100
    message: Mapped[str] = mapped_column(Text, default="")
    scheduled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)


class Suggestion(Base):
    """A proposed introduction waiting for a weaver: `a` is the asker where it answers an ask."""

    __tablename__ = "suggestion"
    __table_args__ = (
        CheckConstraint(_in("status", SUGGESTION_STATUSES), name="status"),
        CheckConstraint(_in("source", SUGGESTION_SOURCES), name="source"),
        CheckConstraint("a_id <> b_id", name="not_self"),
        Index("ix_suggestion_status_round", "status", "round_id"),
        Index("ix_suggestion_pair", "a_id", "b_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[Optional[int]] = mapped_column(ForeignKey("match_round.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(20), default="round")
    a_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    b_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    ask_id: Mapped[Optional[int]] = mapped_column(ForeignKey("post.id", ondelete="SET NULL"))
    offer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("post.id", ondelete="SET NULL"))
    score: Mapped[float] = mapped_column(default=0.0)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    requested_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))


class SuggestionDecision(Base):
    """Every weaver decision, kept: who did what to which suggestion, and when."""

    __tablename__ = "suggestion_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestion.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(30))  # approve | edit | swap | decline | skip | bulk_approve
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Introduction(Base):
    """An approved suggestion on its way to, or past, the two members' inboxes."""

    __tablename__ = "introduction"
    __table_args__ = (
        CheckConstraint(_in("status", INTRODUCTION_STATUSES), name="status"),
        CheckConstraint(_in("a_consent", CONSENT_STATES), name="a_consent"),
        CheckConstraint(_in("b_consent", CONSENT_STATES), name="b_consent"),
        CheckConstraint("a_id <> b_id", name="not_self"),
        Index("ix_introduction_pair", "a_id", "b_id"),
        Index("ix_introduction_follow_up", "status", "follow_up_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[Optional[int]] = mapped_column(ForeignKey("suggestion.id", ondelete="SET NULL"), unique=True)
    a_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    b_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    ask_id: Mapped[Optional[int]] = mapped_column(ForeignKey("post.id", ondelete="SET NULL"))
    offer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("post.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="awaiting_consent")
    a_consent: Mapped[str] = mapped_column(String(10), default="pending")
    b_consent: Mapped[str] = mapped_column(String(10), default="pending")
    introduced_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    follow_up_due_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    follow_up_sent_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)


class FollowUpAnswer(Base):
    """One side's answer to "did you meet, did it help, how many hours?"."""

    __tablename__ = "follow_up_answer"
    __table_args__ = (
        UniqueConstraint("introduction_id", "member_id", name="uq_follow_up_answer_once"),
        CheckConstraint(_in("met", MET_ANSWERS), name="met"),
        CheckConstraint("hours >= 0 AND hours <= 200", name="hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    introduction_id: Mapped[int] = mapped_column(ForeignKey("introduction.id", ondelete="CASCADE"))
    member_id: Mapped[Optional[int]] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    met: Mapped[str] = mapped_column(String(20))
    helped: Mapped[Optional[bool]] = mapped_column()
    hours: Mapped[float] = mapped_column(default=0.0)
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


#: confirmed: in the ledger. pending: waiting, without ledger entries, for the giver (a transfer the
#: receiver recorded) or for a weaver (follow-up answers that differ). declined: never counted.
EXCHANGE_STATUSES = ("confirmed", "pending", "declined")


class Exchange(Base):
    """A timebank transaction: `hours` given by `giver` to `receiver`. Only a confirmed exchange has
    ledger entries, two that sum to zero."""

    __tablename__ = "exchange"
    __table_args__ = (
        CheckConstraint(_in("status", EXCHANGE_STATUSES), name="status"),
        CheckConstraint("hours > 0 AND hours <= 200", name="hours"),
        CheckConstraint("giver_id IS NULL OR receiver_id IS NULL OR giver_id <> receiver_id", name="not_self"),
        UniqueConstraint("introduction_id", "giver_id", name="uq_exchange_introduction_giver"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    giver_id: Mapped[Optional[int]] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    receiver_id: Mapped[Optional[int]] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    hours: Mapped[float] = mapped_column()
    source: Mapped[str] = mapped_column(String(20), default="manual")  # introduction | manual
    introduction_id: Mapped[Optional[int]] = mapped_column(ForeignKey("introduction.id", ondelete="SET NULL"))
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="confirmed", server_default="confirmed")
    #: Who confirmed or declined a pending exchange (the giver, or a weaver for follow-up hours), and when.
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)


class LedgerEntry(Base):
    """Double entry: +hours on the giver's account, -hours on the receiver's, one row each."""

    __tablename__ = "ledger_entry"
    __table_args__ = (Index("ix_ledger_entry_member", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchange.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[Optional[int]] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    hours: Mapped[float] = mapped_column()


CONNECTION_KINDS = ("introduction", "event_group")


class Connection(Base):
    """An edge of the network map: two members who met, through an introduction or an event group.
    Stored with a_id < b_id so each pair and source appears once."""

    __tablename__ = "connection"
    __table_args__ = (
        CheckConstraint(_in("kind", CONNECTION_KINDS), name="kind"),
        CheckConstraint("a_id < b_id", name="ordered"),
        UniqueConstraint("a_id", "b_id", "kind", "source_id", name="uq_connection_once"),
        Index("ix_connection_b", "b_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    a_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    b_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int] = mapped_column(Integer)  # introduction id or event group id
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


# --- Privacy and audit ---
# (hub.privacy, hub.audit; migration 0004 also adds the triggers that make audit_log append-only)


class AuditEntry(Base):
    """One privileged action. Append-only: the database refuses UPDATE and DELETE on this table.

    `actor_id` is a plain number, not a foreign key, so nothing about the row changes when that
    member deletes their account; names and emails are never copied here."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(80), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class PrivacySetting(Base):
    """Community-wide privacy settings that weavers change, e.g. how long declined suggestions are kept."""

    __tablename__ = "privacy_setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))


# --- OpenID Connect identities ---
# (hub.oidc; migration 0004b)


class OidcIdentity(Base):
    """A member's account at an organisation's OpenID Connect provider: (issuer, subject) is the
    provider's stable id for a person, so the link survives a change of email address there."""

    __tablename__ = "oidc_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_oidc_identity_issuer_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
