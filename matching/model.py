"""Frozen dataclasses that go in and out of the matcher. Ids outside, indices inside:
nothing here knows about solver indices, the web or the database."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

Outcome = Literal["introduced", "declined"]


@dataclass(frozen=True)
class Offer:
    """Something a member can help with."""
    id: str
    text: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ask:
    """A challenge a member wants help with."""
    id: str
    text: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Participant:
    """A member of the community as the matcher sees them.

    capacity is how many introductions they can take this round (0 = not available);
    hours_given / hours_received come from the timebank ledger and feed fairness."""
    id: str
    interests: tuple[str, ...] = ()
    offers: tuple[Offer, ...] = ()
    asks: tuple[Ask, ...] = ()
    capacity: int = 1
    hours_given: float = 0.0
    hours_received: float = 0.0
    organisation: Optional[str] = None
    sector: Optional[str] = None
    nation: Optional[str] = None


@dataclass(frozen=True)
class HistoryEntry:
    """A pair that was introduced before or declined: never suggested again."""
    a: str
    b: str
    outcome: Outcome = "introduced"


@dataclass(frozen=True)
class Community:
    members: tuple[Participant, ...]
    history: tuple[HistoryEntry, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """One member who could help with an ask."""
    member_id: str
    offer_id: Optional[str]
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    """Ranked candidates for one ask, best first."""
    ask_id: str
    asker_id: str
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class Pair:
    """One introduction in a round. When ask_id is set, a is the asker."""
    a: str
    b: str
    ask_id: Optional[str]
    offer_id: Optional[str]
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class GroupReason:
    """One reason a group is as it is. `member` is the id of the person it is about (None: the group as
    a whole), kept apart from `text` so that whoever shows it can name the person as their reader may."""
    member: Optional[str]
    text: str

    def __str__(self) -> str:
        return self.text if self.member is None else f"{self.member} {self.text}"


@dataclass(frozen=True)
class Group:
    """A breakout group; presenter is the challenge-holder (or None)."""
    members: tuple[str, ...]
    presenter: Optional[str]
    why: tuple[GroupReason, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        """The reasons as plain lines, people by id ("p1 brings the challenge ..."), as the CLI prints them."""
        return tuple(str(r) for r in self.why)


@dataclass(frozen=True)
class RoundOptions:
    """Knobs for a round. Defaults are the documented behaviour of `python -m matching round`.

    cross_weight: multiplicative bonus for pairs across organisation / sector / nation
      (0 = indifferent; 0.15 = a pair differing on every known attribute scores 15 % more).
    fairness_weight: askers who have given many hours and received few come first
      (edge weight multiplied by 1 + fairness_weight * (share_given - 0.5) * 2).
    load_penalty: each extra suggestion to the same helper costs this much, so popular
      helpers do not take everything even when their capacity would allow it.
    min_score: pairs less relevant than this are never suggested.
    k: candidates kept per ask and per offer in the sparse candidate graph.
    """
    cross_weight: float = 0.15
    fairness_weight: float = 0.2
    load_penalty: float = 0.05
    min_score: float = 0.05
    k: int = 20
    peers: bool = False
