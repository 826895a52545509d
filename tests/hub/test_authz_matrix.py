"""The authorisation matrix: every route of the app, for five people, with the outcome each must get.

The routes come from the app's own route table, so a route added later without a row here fails
`test_every_route_has_a_row_and_every_row_a_route`, and the matrix test itself. Each row says, for
an anonymous visitor, member A (who owns the objects the ids point at), another member B, a
network weaver and an admin, one of:

    ok         2xx, or 3xx to somewhere other than the sign-in page
    sign-in    303 to /sign-in for pages, 401 for /api
    forbidden  403
    not-found  404 (what another member's ids must get, so ids do not leak)
    token      public by a signed link: without a valid token the answer is a clear 4xx

Every unsafe request carries a valid CSRF token and plausible data, so what is tested is who may
do it, not CSRF. The ids in the URLs belong to A, so B's requests are IDOR probes: none of A's
private markers (email, weaver-only bio, closed ask, registration answers, weavers' note,
timebank note, the joining link of an event only A has a place at) may appear in anything B or
an anonymous visitor gets back, and after all of B's requests A's rows are exactly as they were.

To add a route: add one line to MATRIX. Ids come from DEFAULT_IDS (A's objects) unless the row's
`ids` names another object of the world (a string attribute, or a function of world and persona).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit

from litestar import Litestar
from sqlalchemy import func, or_, select

from events import groups, notify
from events import service as event_service
from events.forms import parse_event
from events.models import Event, EventPreference, Registration
from events.web import event_form_values
from hub import auth, timebank, weaving
from hub.models import (
    Connection,
    Exchange,
    Introduction,
    MatchRound,
    Member,
    MemberPreference,
    Offer,
    Post,
    Suggestion,
    WebSession,
)
from hub.tags import get_or_create
from tests.support import make_member, make_post, session_cookie_for, unsaved_member

ANON, OWNER, OTHER, WEAVER, ADMIN = "anon", "owner", "other", "weaver", "admin"
PERSONAS = (ANON, OWNER, OTHER, WEAVER, ADMIN)
OUTCOMES = {"ok", "sign-in", "forbidden", "not-found", "token"}
FORGED = "forged-token-0000"
CSRF_REFUSALS = ("This form has expired", "came from another site")  # hub/web/security.py


@dataclass(frozen=True)
class Row:
    expect: dict[str, str]
    ids: dict[str, Any] = field(default_factory=dict)
    data: Any = None  # dict, or f(world, persona) -> dict: form fields (pages) or JSON body (/api)
    query: Any = None  # dict, or f(world, persona) -> dict
    valid: bool = False  # token rows: also send the valid token (as an anonymous visitor) and expect ok
    ends_session: bool = False  # the request signs the persona out: sign in again afterwards
    stand_in: bool = False  # the request would destroy the persona: a new member with the same role makes it


def row(expect: str, **options: Any) -> Row:
    """`expect` lists the outcome for anon, owner, other, weaver, admin in that order."""
    words = expect.split()
    assert len(words) == len(PERSONAS) and set(words) <= OUTCOMES, expect
    return Row(expect=dict(zip(PERSONAS, words)), **options)


def same(word: str) -> str:
    return " ".join([word] * len(PERSONAS))


MEMBERS = "sign-in ok ok ok ok"
OWN = "sign-in ok not-found not-found not-found"  # only A's own object; everyone else finds nothing
WEAVERS = "sign-in forbidden forbidden ok ok"
ADMINS = "sign-in forbidden forbidden forbidden ok"
# A organises the event, by the hosting permission a weaver gave A; weavers manage every event. B has ticked
# the Network Catalyst/Facilitator role on B's profile: a self-description, so B may not.
ORGANISER = "sign-in ok forbidden ok ok"
TOKEN = same("token")

# Which of the world's objects a path parameter names, unless a row says otherwise.
DEFAULT_IDS = {
    "member_id": "owner_id", "post_id": "ask_id", "ask_id": "ask_id", "event_id": "event_id",
    "suggestion_id": "s0_id", "round_id": "round_id", "registration_id": "registration_id",
}


def profile(w: "World", p: str) -> dict:
    """Profile fields that keep the persona as they are (A stays weaver-only and keeps the facilitator role)."""
    if p == OWNER:
        return {"name": "Avery Owner", "visibility": "weavers", "weaving_roles": ["network_catalyst"],
                "interests": "Co-production", "bio": w.markers["bio"]}
    values = {"name": f"Renamed {p}", "member_id": str(w.owner_id), "id": str(w.owner_id)}
    if p == OTHER:  # B keeps the facilitator role for the event rows after this one
        values["weaving_roles"] = ["network_catalyst"]
    return values


def api_profile(w: "World", p: str) -> dict:
    values = profile(w, p)
    values.pop("member_id", None), values.pop("id", None)
    if p == OWNER:
        values["interests"] = ["Co-production"]
    return values


def new_event(w: "World", p: str) -> dict:
    return w.event_values(f"Created by {p}")


def helper_for(action: str) -> Callable[["World", str], int]:
    return lambda w, p: w.suggestions.get((action, p), w.s0_id)


def pending(route: str) -> Callable[["World", str], int]:
    """Each weaver or admin approves their own waiting member; everyone else tries the shared one."""
    return lambda w, p: w.pending.get((route, p), w.pending_id)


MATRIX: dict[tuple[str, str], Row] = {
    # --- public pages and sign-in ------------------------------------------------------------------
    ("GET", "/"): row(same("ok")),
    ("GET", "/about"): row(same("ok")),
    ("GET", "/sign-in"): row(same("ok")),
    ("POST", "/sign-in"): row(same("ok"), data=lambda w, p: {"email": f"newcomer.{p}@example.org"}),
    ("GET", "/sign-in/sent"): row(same("ok")),
    ("GET", "/sign-in/confirm"): row(same("ok")),  # only shows a button; the POST checks the token
    ("POST", "/sign-in/confirm"): row(TOKEN, data={"token": FORGED}),
    ("POST", "/sign-out"): row(same("ok"), ends_session=True),
    ("POST", "/sign-out-everywhere"): row(MEMBERS, ends_session=True),
    ("GET", "/welcome"): row(MEMBERS),
    # Absent (404) unless OIDC_ISSUER is set, as in these tests; the flow itself is in tests/hub/test_oidc*.py.
    ("GET", "/sign-in/oidc"): row(same("not-found")),
    ("GET", "/sign-in/oidc/callback"): row(same("not-found"), query={"code": "x", "state": FORGED}),
    ("GET", "/dev/mail"): row(same("not-found")),  # only with MAIL_MODE=catch outside production
    ("GET", "/static/{file_path:path}"): row(same("ok"), ids={"file_path": "hub.css"}),
    # --- profiles, directory, posts --------------------------------------------------------------------
    ("GET", "/profile"): row(MEMBERS),
    ("POST", "/profile"): row(MEMBERS, data=profile),  # always the signed-in member's own profile
    ("GET", "/members"): row(MEMBERS),
    ("GET", "/members/{member_id:int}"): row("sign-in ok not-found ok ok"),  # A is visible to weavers only
    ("GET", "/offers/new"): row(MEMBERS),
    ("GET", "/asks/new"): row(MEMBERS),
    ("POST", "/offers"): row(MEMBERS, data=lambda w, p: {"title": f"An offer by {p}"}),
    ("POST", "/asks"): row(MEMBERS, data=lambda w, p: {"title": f"An ask by {p}"}),
    ("GET", "/posts/{post_id:int}/edit"): row(OWN),
    ("POST", "/posts/{post_id:int}"): row(OWN, data={"title": "Help mapping our network (edited)", "tags": "Network mapping"}),
    ("POST", "/posts/{post_id:int}/status"): row(OWN, ids={"post_id": "offer_id"}, data={"status": "withdrawn"}),
    # --- admin pages -------------------------------------------------------------------------------------
    ("GET", "/admin/members"): row(WEAVERS),
    ("POST", "/admin/members/{member_id:int}/approve"): row(WEAVERS, ids={"member_id": pending("page")}),
    ("POST", "/admin/members/{member_id:int}/role"): row(ADMINS, ids={"member_id": "target_id"}, data={"role": "weaver"}),
    # Who may host events: weavers and admins decide, for anyone, A and B included.
    ("POST", "/admin/members/{member_id:int}/host-events"): row(WEAVERS, ids={"member_id": "target_id"}, data={"allow": "yes"}),
    ("POST", "/admin/invites"): row(WEAVERS, data=lambda w, p: {"email": f"invited.{p}@example.org"}),
    # --- JSON API ------------------------------------------------------------------------------------------
    ("GET", "/api/csrf"): row(same("ok")),
    ("GET", "/api/me"): row(MEMBERS),
    ("PUT", "/api/me"): row(MEMBERS, data=api_profile),
    ("GET", "/api/members"): row(MEMBERS),
    ("GET", "/api/members/{member_id:int}"): row("sign-in ok not-found ok ok"),
    ("GET", "/api/tags"): row(MEMBERS),
    ("POST", "/api/offers"): row(MEMBERS, data=lambda w, p: {"title": f"An API offer by {p}"}),
    ("POST", "/api/asks"): row(MEMBERS, data=lambda w, p: {"title": f"An API ask by {p}"}),
    ("PUT", "/api/posts/{post_id:int}"): row(OWN, data={"title": "Help mapping our network (API)", "tags": ["Network mapping"]}),
    ("POST", "/api/posts/{post_id:int}/status"): row(OWN, ids={"post_id": "offer2_id"}, data={"status": "withdrawn"}),
    ("PUT", "/api/admin/members/{member_id:int}/role"): row(ADMINS, ids={"member_id": "target_id"}, data={"role": "weaver"}),
    ("POST", "/api/admin/members/{member_id:int}/approve"): row(WEAVERS, ids={"member_id": pending("api")}),
    ("GET", "/api/weaving/rounds/{round_id:int}"): row(WEAVERS),
    ("GET", "/api/schema"): row(same("ok")),
    ("GET", "/api/schema/openapi.json"): row(same("ok")),
    ("GET", "/api/schema/openapi.yaml"): row(same("ok")),
    ("GET", "/api/schema/openapi.yml"): row(same("ok")),
    ("GET", "/api/schema/redoc"): row(same("ok")),
    ("GET", "/api/schema/swagger"): row(same("ok")),
    ("GET", "/api/schema/elements"): row(same("ok")),
    ("GET", "/api/schema/rapidoc"): row(same("ok")),
    ("GET", "/api/schema/oauth2-redirect.html"): row(same("ok")),
    ("GET", "/api/schema/{path:str}"): row(same("ok"), ids={"path": "openapi.json"}),
    # --- a member's own asks: people who could help ---------------------------------------------------------
    ("GET", "/asks/{ask_id:int}/helpers"): row(OWN),
    ("POST", "/asks/{ask_id:int}/helpers/{member_id:int}"): row(OWN, ids={"member_id": "request_helper_id"}),
    ("GET", "/preferences/introductions"): row(MEMBERS),
    ("POST", "/preferences/introductions"): row(MEMBERS, data={"intro_consent": "ask_first", "on_map": "1"}),
    ("GET", "/timebank"): row(MEMBERS),
    ("POST", "/timebank"): row(MEMBERS, data=lambda w, p: {"other_id": str(w.giver_id), "hours": "1", "note": "Thanks"}),
    # Only the giver (A) answers a transfer someone recorded as received from them.
    ("POST", "/timebank/transfers/{exchange_id:int}/{answer:str}"): row(
        OWN, ids={"exchange_id": "transfer_id", "answer": "confirm"}),
    # --- weavers -------------------------------------------------------------------------------------------------
    ("GET", "/weaving"): row(WEAVERS),
    ("GET", "/weaving/rounds"): row(WEAVERS),
    ("POST", "/weaving/rounds"): row(WEAVERS, data=lambda w, p: {"scope": "interest", "interest": f"Topic of {p}"}),
    ("GET", "/weaving/rounds/{round_id:int}"): row(WEAVERS),
    ("GET", "/weaving/introductions"): row(WEAVERS),
    ("GET", "/weaving/timebank"): row(WEAVERS),
    ("POST", "/weaving/timebank"): row(WEAVERS, data=lambda w, p: {
        "giver_id": str(w.giver_id), "receiver_id": str(w.target_id), "hours": "1"}),
    ("POST", "/weaving/timebank/hours/{exchange_id:int}"): row(
        WEAVERS, data={"hours": "1"}, ids={"exchange_id": lambda w, p: w.settle.get(p, w.settle[WEAVER])}),
    ("POST", "/weaving/suggestions/{suggestion_id:int}/note"): row(WEAVERS, data={"note": "You two should talk."}),
    ("POST", "/weaving/suggestions/{suggestion_id:int}/approve"): row(WEAVERS, ids={"suggestion_id": helper_for("approve")}),
    ("POST", "/weaving/suggestions/{suggestion_id:int}/swap"): row(WEAVERS, ids={"suggestion_id": helper_for("swap")}),
    ("POST", "/weaving/suggestions/{suggestion_id:int}/decline"): row(WEAVERS, ids={"suggestion_id": helper_for("decline")}),
    ("POST", "/weaving/suggestions/{suggestion_id:int}/skip"): row(WEAVERS, ids={"suggestion_id": helper_for("skip")}),
    ("POST", "/weaving/suggestions/bulk-approve"): row(WEAVERS, data=lambda w, p: {"ids": [str(w.bulk_id)]}),
    ("GET", "/network"): row(WEAVERS),
    ("GET", "/network/map.json"): row(WEAVERS),
    ("GET", "/network/dashboard"): row(WEAVERS),
    ("GET", "/network/export/{name:str}"): row(WEAVERS, ids={"name": "kumu.json"}),
    ("POST", "/network/triangles"): row(WEAVERS, data=lambda w, p: {"b": str(w.triangle[0]), "c": str(w.triangle[1])}),
    # --- signed links from emails ---------------------------------------------------------------------------------
    ("GET", "/introductions/consent"): row(TOKEN, query=lambda w, p: {"token": w.tok("consent", p), "answer": "yes"}, valid=True),
    ("POST", "/introductions/consent"): row(TOKEN, data={"token": FORGED, "answer": "yes"}),
    ("GET", "/follow-up"): row(TOKEN, query=lambda w, p: {"token": w.tok("follow_up", p), "met": "met"}, valid=True),
    ("POST", "/follow-up"): row(TOKEN, data={"token": FORGED, "met": "met", "hours": "1"}),
    ("GET", "/events/r/{registration_id:int}/cant-come"): row(TOKEN, query=lambda w, p: {"t": w.tok("cant-come", p)}, valid=True),
    ("POST", "/events/r/{registration_id:int}/cant-come"): row(TOKEN, data=lambda w, p: {"t": w.tok("cant-come", p)}),
    ("GET", "/events/unsubscribe"): row(same("ok")),  # a page with a button; the POST checks the link
    ("POST", "/events/unsubscribe"): row(TOKEN, data=lambda w, p: {"m": str(w.owner_id), "t": w.tok("unsubscribe", p)}),
    ("GET", "/events/feed.ics"): row(same("ok")),  # open events only, public by design
    ("GET", "/events/feed/{member_id:int}/{token:str}"): row(TOKEN, ids={"token": lambda w, p: w.tok("feed", p) + ".ics"}, valid=True),
    # --- events ----------------------------------------------------------------------------------------------------
    ("GET", "/events"): row(MEMBERS),
    ("GET", "/events/new"): row(ORGANISER),
    ("POST", "/events"): row(ORGANISER, data=new_event),
    ("GET", "/events/preferences"): row(MEMBERS),
    ("POST", "/events/preferences"): row(MEMBERS, data={"announce": "off", "scope": "interests", "timezone": "Europe/London"}),
    ("GET", "/events/{event_id:int}"): row(MEMBERS),
    ("POST", "/events/{event_id:int}"): row(ORGANISER, data=lambda w, p: w.edit_values),
    ("GET", "/events/{event_id:int}/edit"): row(ORGANISER),
    ("GET", "/events/{event_id:int}/manage"): row(ORGANISER),
    ("POST", "/events/{event_id:int}/register"): row(MEMBERS, ids={"event_id": "open_event_id"}),
    ("POST", "/events/{event_id:int}/withdraw"): row(MEMBERS, ids={"event_id": "open_event_id"}),
    ("POST", "/events/{event_id:int}/cancel"): row(ORGANISER, ids={"event_id": "cancel_event_id"}),
    ("POST", "/events/{event_id:int}/groups/generate"): row(ORGANISER),
    ("POST", "/events/{event_id:int}/groups/move"): row(ORGANISER, data=lambda w, p: {"member_id": str(w.owner_id), "number": "1"}),
    ("POST", "/events/{event_id:int}/groups/publish"): row(ORGANISER, ids={"event_id": "publish_event_id"}),
    ("POST", "/events/{event_id:int}/attendance"): row(ORGANISER, data=lambda w, p: {"attended": [str(w.registration_id)]}),
    ("POST", "/events/{event_id:int}/resources"): row(ORGANISER, data={"resources": "Slides: https://example.org/slides"}),
    # Only people who had a place give feedback: A had one; B, the weaver and the admin did not.
    ("POST", "/events/{event_id:int}/feedback"): row("sign-in ok forbidden forbidden forbidden",
                                                     ids={"event_id": "past_event_id"}, data={"what_worked": "All of it"}),
    # --- privacy, account, audit ------------------------------------------------------------------------------------
    ("GET", "/privacy"): row(same("ok")),
    ("GET", "/security"): row(same("ok")),
    ("GET", "/.well-known/security.txt"): row(same("ok")),
    ("GET", "/account"): row(MEMBERS),
    ("GET", "/account/export"): row(MEMBERS),  # only ever the signed-in member's own data
    ("GET", "/api/me/export"): row(MEMBERS),
    # Deleting an account deletes the one signed in, whatever the form says: made by stand-ins.
    ("POST", "/account/delete"): row(MEMBERS, stand_in=True, ends_session=True, data=lambda w, p: {
        "confirm_email": getattr(w.actor, "email", ""), "member_id": str(w.owner_id)}),
    ("GET", "/account/deleted"): row(same("ok")),
    ("GET", "/weaving/privacy"): row(WEAVERS),
    ("POST", "/weaving/privacy"): row(WEAVERS, data={"days": "90"}),
    ("GET", "/admin/audit"): row(ADMINS),
    # --- events API ---------------------------------------------------------------------------------------------------
    ("GET", "/api/events"): row(MEMBERS),
    ("POST", "/api/events"): row(ORGANISER, data=new_event),
    ("GET", "/api/events/{event_id:int}"): row(MEMBERS),
    ("POST", "/api/events/{event_id:int}/registration"): row(MEMBERS, ids={"event_id": "api_event_id"}, data={"answers": {}}),
    ("DELETE", "/api/events/{event_id:int}/registration"): row(MEMBERS, ids={"event_id": "api_event_id"}),
}


def app_routes(app: Litestar) -> set[tuple[str, str]]:
    """(method, path template) for every handler in the app's route table. OPTIONS handlers are
    Litestar's automatic ones; HEAD is skipped where the same route answers GET."""
    found = set()
    for route in app.routes:
        methods = {m for handler in getattr(route, "route_handlers", []) for m in handler.http_methods}
        for method in methods - {"OPTIONS"} - ({"HEAD"} if "GET" in methods else set()):
            found.add((method, route.path))
    return found


def coverage_problems(app: Litestar) -> list[str]:
    routes = app_routes(app)
    missing = sorted(routes - MATRIX.keys())
    stale = sorted(MATRIX.keys() - routes)
    return [f"route {m} {p} has no row in MATRIX (tests/hub/test_authz_matrix.py)" for m, p in missing] + [
        f"MATRIX has a row for {m} {p}, which the app no longer has" for m, p in stale
    ]


# --- The world: A owns everything the ids point at ----------------------------------------------------


class World:
    def __init__(self, settings, now: dt.datetime) -> None:  # noqa: ANN001
        self.settings, self.now = settings, now
        self.valid_tokens = False
        tag = secrets.token_hex(4)
        self.markers = {
            "email": f"avery.private.{tag}@example.org",
            "bio": f"BIO-ONLY-FOR-WEAVERS-{tag}",
            "closed_ask": f"CLOSED-ASK-OF-A-{tag}",
            "answers": f"ANSWER-OF-A-{tag}",
            "note": f"WEAVERS-NOTE-ON-A-{tag}",
            "exchange": f"TIMEBANK-NOTE-OF-A-{tag}",
            "link": f"https://meet.example.org/only-for-people-with-a-place-{tag}",
        }
        self.suggestions: dict[tuple[str, str], int] = {}
        self.members: dict[str, Member] = {}

    def tok(self, purpose: str, persona: str) -> str:
        """A's genuine token once `valid_tokens` is set. Before that, a forged one, except that B
        holds B's own genuine token, so B swapping A's id into B's link is an IDOR probe too."""
        if not self.valid_tokens:
            if persona == OTHER and purpose in ("cant-come", "feed", "unsubscribe"):
                own = self.other_registration_id if purpose == "cant-come" else self.members[OTHER].id
                return notify.sign(self.settings, purpose, own)
            return FORGED
        later = self.now + dt.timedelta(days=3)
        if purpose == "consent":
            return weaving.sign(self.settings, "consent", self.consent_intro_id, self.owner_id, later)
        if purpose == "follow_up":
            return weaving.sign(self.settings, "follow_up", self.sent_intro_id, self.owner_id, later)
        if purpose == "cant-come":
            return notify.sign(self.settings, "cant-come", self.registration_id)
        if purpose in ("feed", "unsubscribe"):
            return notify.sign(self.settings, purpose, self.owner_id)
        raise AssertionError(purpose)

    def event_values(self, title: str) -> dict:
        start = self.now + dt.timedelta(days=7)
        return {
            "title": title, "format": "peer_assist", "date": start.date().isoformat(), "start_time": "14:00",
            "end_time": "15:30", "timezone": "Europe/London", "mode": "online",
            "online_link": "https://meet.example.org/room-1", "capacity": "10",
            "questions": "A challenge you would like to bring",
        }


async def build_world(db, settings, now: dt.datetime) -> World:  # noqa: ANN001, PLR0915
    w = World(settings, now)
    m = w.markers
    owner = await make_member(db, name="Avery Owner", email=m["email"], bio=m["bio"], visibility="weavers",
                              interests=["Co-production"], weaving_roles=["network_catalyst"], may_host_events=True)
    other = await make_member(db, name="Blake Other", interests=["Co-production"], weaving_roles=["network_catalyst"])
    weaver = await make_member(db, name="Wren Weaver", hub_role="weaver", interests=["Gardening"])
    admin = await make_member(db, name="Ada Admin", hub_role="admin", interests=["Gardening"])
    w.members = {OWNER: owner, OTHER: other, WEAVER: weaver, ADMIN: admin}
    w.owner_id = owner.id
    w.pending_id = (await make_member(db, name="Pat Pending", status="pending")).id
    w.pending = {(route, p): (await make_member(db, name=f"Waiting for {p}", status="pending")).id
                 for route in ("page", "api") for p in (WEAVER, ADMIN)}
    w.target_id = (await make_member(db, name="Toni Target")).id

    ask = await make_post(db, owner, "ask", title="Help mapping our network of carers groups",
                          description="We want to map who works with whom.", tags=["Network mapping"])
    w.ask_id = ask.id
    w.offer_id = (await make_post(db, owner, "offer", title="An hour of facilitation")).id
    w.offer2_id = (await make_post(db, owner, "offer", title="Another hour of facilitation")).id
    w.other_ask_id = (await make_post(db, other, "ask", title="Help with network mapping too",
                                      tags=["Network mapping"])).id
    await make_post(db, owner, "ask", title=m["closed_ask"], status="withdrawn")

    # Twelve people who could help with A's ask, made in one transaction (the test's runtime matters).
    interests = await get_or_create(db, ["Network mapping", "Kumu"])
    helpers = [unsaved_member(email=f"helper{n}.{secrets.token_hex(3)}@example.org", name=f"Helper {n}", organisation=f"Org H{n}",
                      sector="nhs", nation="england", region="Yorkshire", hours_per_month=6, interests=list(interests),
                      search_text=f"Helper {n} Network mapping Kumu") for n in range(12)]
    db.add_all(helpers)
    await db.flush()
    for h in helpers:
        db.add(Offer(member_id=h.id, title="An hour on network mapping with Kumu", tags=[t for t in interests if t.label == "Network mapping"],
                     description="I have mapped networks of carers groups."))
    for person in [owner, other, *helpers]:
        db.add(MemberPreference(member_id=person.id, intro_consent="direct"))
    await db.commit()

    def suggestion(helper: Member, note: str = "") -> Suggestion:
        s = Suggestion(source="round", a_id=owner.id, b_id=helper.id, ask_id=ask.id, score=0.5, reasons=[],
                       note=note, status="pending", created_at=now)
        db.add(s)
        return s

    round_ = MatchRound(created_by_id=weaver.id, scope="community", status="done", progress=100, created_at=now)
    db.add(round_)
    s0 = suggestion(helpers[0], note=m["note"])
    bulk = suggestion(helpers[1])
    per_persona = {}
    for i, key in enumerate([(a, p) for a in ("approve", "swap", "decline", "skip") for p in (WEAVER, ADMIN)]):
        per_persona[key] = suggestion(helpers[2 + i])
    # Two introductions of A's: one waiting for A's consent, one sent and due for follow-up.
    consent_intro = Introduction(a_id=owner.id, b_id=helpers[10].id, status="awaiting_consent", created_at=now)
    sent_intro = Introduction(a_id=owner.id, b_id=helpers[11].id, status="sent", a_consent="auto",
                              b_consent="auto", created_at=now - dt.timedelta(days=20),
                              sent_at=now - dt.timedelta(days=20), follow_up_due_at=now - dt.timedelta(days=6))
    db.add_all([consent_intro, sent_intro])
    # An open triangle for the network page: helpers 0 and 1 both know helper 2 and share interests.
    for a, b in ((helpers[0], helpers[2]), (helpers[1], helpers[2])):
        lo, hi = sorted((a.id, b.id))
        db.add(Connection(a_id=lo, b_id=hi, kind="introduction", source_id=0, created_at=now))
    await db.commit()
    w.round_id, w.s0_id, w.bulk_id = round_.id, s0.id, bulk.id
    w.suggestions = {key: s.id for key, s in per_persona.items()}
    w.consent_intro_id, w.sent_intro_id = consent_intro.id, sent_intro.id
    w.triangle = (helpers[0].id, helpers[1].id)
    w.giver_id = helpers[10].id
    await timebank.record_exchange(db, giver_id=helpers[10].id, receiver_id=owner.id, hours=1, now=now,
                                   recorded_by_id=owner.id, note=m["exchange"])
    # B says A gave them an hour: it waits for A, its giver, to confirm it.
    w.transfer_id = (await timebank.record_exchange(db, giver_id=owner.id, receiver_id=other.id, hours=1, now=now,
                                                    recorded_by_id=other.id, status="pending")).id
    # Follow-up hours whose two answers differ, one for the weaver and one for the admin to settle.
    w.settle = {}
    for persona, (a, b) in ((WEAVER, (helpers[5], helpers[6])), (ADMIN, (helpers[7], helpers[8]))):
        intro = Introduction(a_id=a.id, b_id=b.id, status="met", a_consent="auto", b_consent="auto", created_at=now)
        db.add(intro)
        await db.flush()
        w.settle[persona] = (await timebank.record_exchange(
            db, giver_id=b.id, receiver_id=a.id, hours=2, now=now, source="introduction", introduction_id=intro.id,
            status="pending")).id
    await db.commit()
    # Someone A could ask to be introduced to: a candidate no suggestion above involves.
    candidates = await weaving.candidates_for_ask(db, ask, now.date(), top=8)
    assert candidates, "the world needs people who could help with A's ask"
    w.request_helper_id = candidates[-1].member_id

    async def event(title: str) -> Event:
        (e,) = await event_service.create_events(db, settings, owner, parse_event(w.event_values(title), now), now)
        return e

    main = await event("Peer assist organised by A")
    w.event_id = main.id
    reg = await event_service.register(db, settings, owner.id, main.id, {main.questions[0]: m["answers"]}, now)
    w.registration_id = reg.id
    for h in helpers[:3]:
        await event_service.register(db, settings, h.id, main.id, {}, now)
    w.other_registration_id = (await event_service.register(db, settings, other.id, main.id, {}, now)).id
    w.open_event_id = (await event("Open peer assist")).id
    # Its joining link is for people with a place: only A has one.
    (linked,) = await event_service.create_events(
        db, settings, owner, parse_event({**w.event_values("Peer assist with a private link"), "online_link": m["link"]}, now), now)
    await event_service.register(db, settings, owner.id, linked.id, {}, now)
    w.api_event_id = (await event("Peer assist for the API")).id
    w.cancel_event_id = (await event("Peer assist to cancel")).id
    publish = await event("Peer assist with groups")
    w.publish_event_id = publish.id
    for h in helpers[3:5]:
        await event_service.register(db, settings, h.id, publish.id, {}, now)
    await groups.generate(db, owner, publish.id)
    past = await event("Peer assist that has started")
    await event_service.register(db, settings, owner.id, past.id, {}, now)
    past.starts_at, past.ends_at = now - dt.timedelta(hours=2), now - dt.timedelta(hours=1)
    w.past_event_id = past.id
    await db.commit()
    w.edit_values = event_form_values(await db.get(Event, main.id))
    await db.commit()
    return w


async def snapshot(db, w: World) -> dict:  # noqa: ANN001
    """Everything of A's (and of the people only weavers and admins may change) that B must not touch."""
    await db.commit()
    db.expunge_all()
    a = w.owner_id

    async def rows(stmt, *cols) -> list:  # noqa: ANN001, ANN002
        return sorted(tuple(getattr(r, c) for c in cols) for r in (await db.scalars(stmt)).all())

    out = {
        "members": await rows(select(Member).where(Member.id.in_([a, w.pending_id, w.target_id, *w.pending.values()])),
                              "id", "name", "email", "bio", "visibility", "hub_role", "status", "matching",
                              "may_host_events"),
        "posts": await rows(select(Post).where(Post.member_id == a), "id", "title", "description", "status"),
        "intro_pref": await rows(select(MemberPreference).where(MemberPreference.member_id == a),
                                 "intro_consent", "on_map"),
        "event_pref": await rows(select(EventPreference).where(EventPreference.member_id == a), "announce", "timezone"),
        "registrations": await rows(select(Registration).where(Registration.member_id == a),
                                    "id", "event_id", "status", "attended"),
        "events": await rows(select(Event).where(Event.created_by_id == a),
                             "id", "title", "status", "resources", "groups_published_at", "sequence"),
        "suggestions": await rows(select(Suggestion).where(or_(Suggestion.a_id == a, Suggestion.b_id == a)),
                                  "id", "status", "note"),
        "introductions": await rows(select(Introduction).where(or_(Introduction.a_id == a, Introduction.b_id == a)),
                                    "id", "status", "a_consent", "b_consent"),
        "exchanges": await rows(select(Exchange).where(or_(Exchange.giver_id == a, Exchange.receiver_id == a)),
                                "id", "hours", "note", "status"),
        "sessions": await db.scalar(select(func.count()).select_from(WebSession).where(WebSession.member_id == a)),
        "rounds": await rows(select(MatchRound), "id", "status"),
    }
    await db.commit()
    return out


# --- Requests ---------------------------------------------------------------------------------------------


def fill(template: str, row_: Row, w: World, persona: str) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        source = row_.ids.get(name, DEFAULT_IDS.get(name))
        assert source is not None, f"no id for {{{name}}} in {template}: add it to the row's ids"
        if callable(source):
            return str(source(w, persona))
        return str(getattr(w, source, source))

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, template)


def classify(response, path: str) -> str:  # noqa: ANN001
    status, api = response.status_code, path.startswith("/api")
    if status in (301, 302, 303, 307, 308):
        target = urlsplit(response.headers.get("location", "")).path
        return "sign-in" if target == "/sign-in" and not api else "ok"
    if status == 401 and api:
        return "sign-in"
    if 200 <= status < 300:
        return "ok"
    return {403: "forbidden", 404: "not-found"}.get(status, f"status {status}")


class Visitors:
    """One client; before each request it carries the persona's own cookie (a fresh session where
    the last request ended it) and the matching CSRF token."""

    def __init__(self, client, db, w: World) -> None:  # noqa: ANN001
        self.client, self.db, self.w = client, db, w
        self.cookies: dict[str, str] = {}

    async def sign_in(self, persona: str) -> None:
        if persona == ANON:
            self.cookies[persona] = "anon-" + secrets.token_urlsafe(16)
        else:
            self.cookies[persona] = await session_cookie_for(self.db, self.w.members[persona], self.w.now)

    async def request(self, persona: str, method: str, template: str, row_: Row):  # noqa: ANN201
        if persona not in self.cookies:
            await self.sign_in(persona)
        settings, w = self.w.settings, self.w
        cookie = self.cookies[persona]
        w.actor = w.members.get(persona)
        if row_.stand_in and persona != ANON:
            role = {WEAVER: "weaver", ADMIN: "admin"}.get(persona, "member")
            w.actor = await make_member(self.db, hub_role=role)
            cookie = await session_cookie_for(self.db, w.actor, w.now)
        self.client.cookies.clear()
        self.client.cookies.set(settings.session_cookie, cookie, domain="testserver.local")
        path = fill(template, row_, w, persona)
        data = row_.data(w, persona) if callable(row_.data) else row_.data
        query = row_.query(w, persona) if callable(row_.query) else row_.query
        kwargs: dict[str, Any] = {"headers": {"x-csrf-token": auth.csrf_token(settings, cookie)}}
        if query:
            kwargs["params"] = query
        if method in ("POST", "PUT", "PATCH"):
            if path.startswith("/api"):
                kwargs["json"] = data or {}
            else:
                kwargs["data"] = data or {}
        response = await self.client.request(method, path, **kwargs)
        if row_.ends_session and not row_.stand_in:
            await self.sign_in(persona)
        return path, response


async def run(visitors: Visitors, personas: tuple[str, ...], problems: list[str], w: World) -> None:
    private = list(w.markers.values())
    for (method, template), row_ in MATRIX.items():
        for persona in personas:
            path, response = await visitors.request(persona, method, template, row_)
            got, want = classify(response, path), row_.expect[persona]
            where = f"{method} {path} ({template}) as {persona}"
            if response.status_code == 403 and any(m in response.text for m in CSRF_REFUSALS):
                problems.append(f"{where}: refused by the CSRF check, so authorisation was never tested")
            elif response.status_code >= 500:
                problems.append(f"{where}: {response.status_code} {response.text[:200]}")
            elif want == "token":
                if not 400 <= response.status_code < 500 or response.status_code in (401, 405):
                    problems.append(f"{where}: without a valid token wanted a clear 4xx, got {response.status_code}")
            elif got != want:
                problems.append(f"{where}: wanted {want}, got {got} ({response.status_code}) {response.text[:160]!r}")
            if persona in (ANON, OTHER):
                leaked = [marker for marker in private if marker in response.text]
                if leaked:
                    problems.append(f"{where}: A's private data in the response: {leaked}")


async def test_every_route_has_a_row_and_every_row_a_route(app):
    assert coverage_problems(app) == []


async def test_every_route_answers_each_persona_as_the_matrix_says(client, db, settings, app, clock):
    """The matrix, with IDOR probes: B (and anyone anonymous) gets A's ids and must neither see
    A's private data nor change A's rows; then A, a weaver and an admin get what the matrix says."""
    problems = coverage_problems(app)
    w = await build_world(db, settings, clock())
    visitors = Visitors(client, db, w)
    before = await snapshot(db, w)

    await run(visitors, (ANON, OTHER), problems, w)
    # B's own ids in the URL, A's (weaver-only) id in the last segment: still nothing of A's.
    probe = row(OWN, ids={"ask_id": "other_ask_id", "member_id": "owner_id"})
    path, response = await visitors.request(OTHER, "POST", "/asks/{ask_id:int}/helpers/{member_id:int}", probe)
    if response.status_code != 404:
        problems.append(f"POST {path} as B (B's ask, A's id): wanted 404, got {response.status_code}")
    after = await snapshot(db, w)
    for key in before:
        if before[key] != after[key]:
            problems.append(f"an anonymous visitor or member B changed A's {key}: {before[key]} -> {after[key]}")

    await run(visitors, (OWNER, WEAVER, ADMIN), problems, w)

    # Signed links work with a valid token, for whoever holds the link.
    w.valid_tokens = True
    for (method, template), row_ in MATRIX.items():
        if row_.valid:
            path, response = await visitors.request(ANON, method, template, row_)
            if classify(response, path) != "ok":
                problems.append(f"{method} {template} with a valid token: {response.status_code} {response.text[:160]!r}")
    assert problems == [], "\n".join(problems)
