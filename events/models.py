"""Events, registrations, breakout groups, feedback and announcement preferences.

Invariants that must hold whatever the code does are constraints here: one registration per
member and event, 0 <= taken <= capacity, one group per member and event.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, UTCDateTime
from hub.models import Member

#: format -> (label, default agenda as (item, minutes), breakout group sizes (min, max) or None)
FORMATS: dict[str, tuple[str, tuple[tuple[str, int], ...], Optional[tuple[int, int]]]] = {
    "peer_assist": (
        "Peer assist",
        (
            ("Introductions", 2), ("The challenge", 5), ("Clarifying questions", 5),
            ("Discussion while the presenter listens", 10), ("The presenter's summary", 5),
            ("Reflection", 5), ("Next steps", 2),
        ),
        (6, 8),
    ),
    "troika": (
        "Troika Consulting (Liberating Structures)",
        (
            ("Invitation and forming trios", 3), ("The client shares a challenge", 2),
            ("Consultants ask clarifying questions", 2),
            ("The client turns around; consultants generate ideas", 5),
            ("The client shares what was valuable", 3), ("Swap roles (twice more)", 20),
        ),
        (3, 3),
    ),
    "wise_crowds": (
        "Wise Crowds (Liberating Structures)",
        (
            ("The client shares a challenge and asks for help", 2), ("Consultants ask questions", 3),
            ("The client turns around; consultants discuss", 8), ("The client shares what was helpful", 2),
        ),
        (4, 5),
    ),
    "open_space": (
        "Open-space café",
        (
            ("Welcome and the law of two feet", 10), ("Marketplace of topics", 15),
            ("Conversations, round one", 25), ("Conversations, round two", 25), ("Harvest and close", 15),
        ),
        (4, 6),
    ),
    "active_learning": (
        "Active learning session",
        (("Check-in", 10), ("Input", 20), ("Small-group practice", 30), ("Reflection and next steps", 15)),
        (4, 6),
    ),
    "book_club": (
        "Book club",
        (("Check-in", 5), ("What stood out", 25), ("What we would try", 20), ("Next book", 10)),
        None,
    ),
    "other": ("Other", (), (4, 6)),
}

MODES = {"online": "Online", "in_person": "In person"}
EVENT_STATUSES = ("open", "cancelled")
REGISTRATION_STATUSES = ("confirmed", "waiting", "cancelled")
ANNOUNCE_CHOICES = {"off": "No announcements", "instant": "As soon as an event is published", "weekly": "A weekly digest"}
ANNOUNCE_SCOPES = {"interests": "Only events that match my interests", "all": "All events"}
DEFAULT_REMINDER_MINUTES = (24 * 60, 60)


def _in(column: str, values) -> str:  # noqa: ANN001
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Event(Base):
    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint(_in("status", EVENT_STATUSES), name="status"),
        CheckConstraint(_in("mode", MODES), name="mode"),
        CheckConstraint("capacity >= 0", name="capacity"),
        CheckConstraint("taken >= 0 AND taken <= capacity", name="taken"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_event_listing", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable across every update; the iCalendar UID is built from it.
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    #: Events of one recurring series share it.
    series_id: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(160))
    format: Mapped[str] = mapped_column(String(30), default="other")
    description: Mapped[str] = mapped_column(Text, default="")
    agenda: Mapped[list] = mapped_column(JSON, default=list)  # [[item, minutes], ...]
    tags: Mapped[list] = mapped_column(JSON, default=list)  # interest labels, for announcements
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    mode: Mapped[str] = mapped_column(String(20), default="online")
    online_link: Mapped[str] = mapped_column(String(500), default="")
    venue: Mapped[str] = mapped_column(String(300), default="")
    access_info: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int] = mapped_column(Integer)
    #: Confirmed places; changed only by conditional UPDATEs (never read-then-write).
    taken: Mapped[int] = mapped_column(Integer, default=0)
    registration_closes_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    questions: Mapped[list] = mapped_column(JSON, default=list)  # question texts
    reminder_minutes: Mapped[list] = mapped_column(JSON, default=lambda: list(DEFAULT_REMINDER_MINUTES))
    resources: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    #: iCalendar SEQUENCE of the event itself: +1 on every change of time, place or link.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    groups_published_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    created_by: Mapped[Optional[Member]] = relationship(foreign_keys=[created_by_id], lazy="joined")

    @property
    def format_label(self) -> str:
        return FORMATS.get(self.format, FORMATS["other"])[0]

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.taken, 0)

    @property
    def is_online(self) -> bool:
        return self.mode == "online"

    @property
    def web_link(self) -> str:
        """The online link, only when it is a web address: the form refuses anything else, and this
        keeps a link that reached the database another way out of every page's and mail's href."""
        link = self.online_link or ""
        return link if link.lower().startswith(("https://", "http://")) else ""


class Registration(Base):
    __tablename__ = "event_registration"
    __table_args__ = (
        UniqueConstraint("event_id", "member_id", name="uq_event_registration_once"),
        CheckConstraint(_in("status", REGISTRATION_STATUSES), name="status"),
        Index("ix_event_registration_queue", "event_id", "status", "queued_at", "id"),
        Index("ix_event_registration_reminder", "status", "next_reminder_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # question text -> answer
    #: Place in the waiting list (and first registration time).
    queued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    #: Reminders whose instant is at or before this have been dealt with.
    reminders_done_until: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    #: When the sweep next has work for this registration (NULL: none).
    next_reminder_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    #: Last iCalendar SEQUENCE sent to this member for this event (-1: none yet).
    ics_sequence: Mapped[int] = mapped_column(Integer, default=-1)
    attended: Mapped[Optional[bool]] = mapped_column()

    event: Mapped[Event] = relationship(lazy="joined")
    member: Mapped[Member] = relationship(lazy="joined")
    preference: Mapped[Optional["EventPreference"]] = relationship(
        primaryjoin="Registration.member_id == foreign(EventPreference.member_id)", viewonly=True, lazy="joined",
    )


class EventGroup(Base):
    """A breakout group. Draft until the event's groups are published."""

    __tablename__ = "event_group"
    __table_args__ = (UniqueConstraint("event_id", "number", name="uq_event_group_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    presenter_id: Mapped[Optional[int]] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    reasons: Mapped[list] = mapped_column(JSON, default=list)

    members: Mapped[list["EventGroupMember"]] = relationship(
        cascade="all, delete-orphan", order_by="EventGroupMember.member_id", lazy="selectin"
    )


class EventGroupMember(Base):
    __tablename__ = "event_group_member"
    __table_args__ = (UniqueConstraint("event_id", "member_id", name="uq_event_group_member_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("event_group.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))

    member: Mapped[Member] = relationship(lazy="joined")


class EventFeedback(Base):
    __tablename__ = "event_feedback"
    __table_args__ = (UniqueConstraint("registration_id", name="uq_event_feedback_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("event_registration.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    what_worked: Mapped[str] = mapped_column(Text, default="")
    not_helpful: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class EventPreference(Base):
    """A member's choices about events: announcements, and the time zone pages are shown in."""

    __tablename__ = "event_preference"
    __table_args__ = (
        CheckConstraint(_in("announce", ANNOUNCE_CHOICES), name="announce"),
        CheckConstraint(_in("scope", ANNOUNCE_SCOPES), name="scope"),
        Index("ix_event_preference_digest", "announce", "next_digest_at"),
    )

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    announce: Mapped[str] = mapped_column(String(20), default="off")
    scope: Mapped[str] = mapped_column(String(20), default="interests")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    last_digest_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    next_digest_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
