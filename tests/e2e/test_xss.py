"""The XSS corpus in every field a person can write, rendered by a real Chromium: no script runs.

Seeding goes through the same form parsers and services the pages use (parse_profile +
update_profile, parse_post + create_post, weaving.edit_note/approve/answer_follow_up,
timebank.parse_exchange + record_by_*, parse_event + create_events, parse_answers + register,
parse_feedback + save_feedback, share_resources, groups). Seeded directly, because no form
would accept them or no form writes them: the member rows themselves (members join by magic
link), profile links with javascript:/data: addresses (the profile form refuses them; the page
must still never make them links), and the matcher's `reasons` on suggestions.

Every page that shows that text is opened by the person who may see it (an admin who is also a
network weaver, a member, and someone with no session following a signed link from a mail), with
an init script that defines `window.__xss` and replaces alert/confirm/prompt. After each load:
no sink was called, no Content-Security-Policy violation happened (a violation means markup got
through and only the CSP stopped it: a failure too), no console error, no failed request, and no
element or attribute that a payload could have created is in the DOM. Two forms are also sent
with payloads and a mistake, so the page that shows them again with inline errors is checked.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest

from events import groups, service as events
from events.forms import parse_answers, parse_event, parse_feedback
from events.models import Registration
from hub import members, timebank, weaving
from hub.app import create_app
from hub.db import create_engine, session_factory
from hub.forms import parse_post, parse_profile
from hub.models import Member, MemberLink, MemberPreference, Suggestion
from hub.settings import Settings
from hub.tags import slugify
from tests.e2e.conftest import _run_in_own_thread, copy_of, serving
from tests.xss_payloads import PAYLOADS, Spreader
from tests.support import free_port, make_member, session_cookie_for

pytestmark = pytest.mark.browser

N = 8  # members whose every field holds payloads

SINK = """
(() => {
  const report = (what) => { try { window.__xssReport(String(what) + " on " + location.pathname + location.search); } catch (e) {} };
  window.__xss = (n) => report("__xss(" + n + ") ran");
  window.alert = (m) => report("alert(" + m + ")");
  window.confirm = (m) => { report("confirm(" + m + ")"); return false; };
  window.prompt = (m) => { report("prompt(" + m + ")"); return null; };
  document.addEventListener("securitypolicyviolation", (e) => report(
    "CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " " + (e.sample || "")), true);
})();
"""

# Elements and attributes that only a payload would put on these pages.
DOM_CHECK = r"""
async () => {
  // Let tasks queued by the parse run first (error and focus events, CSP violation reports).
  await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  const bad = [];
  const selectors = [
    'script:not([src^="/static/"])', "iframe", "frame", "frameset", "object", "embed", "applet", "base",
    "meta[http-equiv]", "svg", "math", "xss", "marquee", "video", "audio", "source", "noscript",
    // the page's own Menu disclosure sits in the header, where no member-written text goes
    "details:not(.site-header > .wrap > nav > details.menu)",
    "img", "style", "template", "table[background]", '[formaction]:not([formaction^="/"])', "[srcdoc]", "[autofocus]:not(input):not(textarea):not(select)",
    'link:not([rel="icon"][href="data:,"]):not([rel="stylesheet"][href^="/static/"])',
  ];
  for (const s of selectors) {
    for (const el of document.querySelectorAll(s)) bad.push(s + ": " + el.outerHTML.slice(0, 160));
  }
  const scheme = /^(javascript|vbscript|data|livescript):/i;
  const urlAttributes = ["href", "src", "action", "formaction", "data", "xlink:href", "background", "poster", "content", "srcset"];
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      if (name.startsWith("on")) bad.push("handler " + name + " on <" + el.localName + ">: " + a.value.slice(0, 80));
      const squeezed = a.value.replace(/[\u0000-\u0020\u007f-\u009f]/g, "");
      if (urlAttributes.includes(name) && scheme.test(squeezed) && !(el.localName === "link" && a.value === "data:,")) {
        bad.push("<" + el.localName + " " + name + "=" + a.value.slice(0, 80) + ">");
      }
      if (name === "style" && /expression\s*\(|javascript:|url\s*\(/i.test(a.value)) bad.push("style " + a.value.slice(0, 80));
    }
  }
  return bad;
}
"""

# Member-written text (every payload, as text, shows "__xss(" or a bidi control) must sit in an
# element that isolates it from the page's own text around it: a <bdi>, an element with a dir
# attribute, or a form control, which lays out its own text. The page's title cannot hold elements:
# there it must be between U+2068 and U+2069 (FSI ... PDI), which isolate plain text.
ISOLATION_CHECK = r"""
() => {
  const member = /__xss\(|[\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
  const outsideIsolates = (text) => text.replace(/\u2068[^\u2068\u2069]*\u2069/g, "");
  const bad = [];
  if (member.test(outsideIsolates(document.title))) bad.push("the title does not isolate: " + document.title.slice(0, 80));
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!member.test(node.data)) continue;
    const isolate = node.parentElement.closest("bdi, [dir], textarea, option");
    if (!isolate || ["html", "body", "main"].includes(isolate.localName)) {
      bad.push("not isolated in <" + node.parentElement.localName + " class=" + node.parentElement.className + ">: "
               + JSON.stringify(node.data.slice(0, 60)));
    }
  }
  return bad;
}
"""


@dataclass
class Seeded:
    cookies: dict[str, str] = field(default_factory=dict)
    urls: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # who -> (path, expected status)
    closed_suggestion: int = 0
    closed_ask_title: str = ""
    names: dict[int, str] = field(default_factory=dict)
    member_ids: list[int] = field(default_factory=list)
    spread: Spreader = field(default_factory=Spreader)


async def _profile(s, member: Member, today: dt.date, **fields: str) -> Member:  # noqa: ANN001
    values = {"name": member.name, "hours_per_month": "3", "sector": "nhs", "nation": "wales", **fields}
    return await members.update_profile(s, member, parse_profile(values, today), today)


def _catch_mail(s_rows, settings: Settings, now: dt.datetime) -> None:  # noqa: ANN001
    """What the embedded mail catcher would have kept, for /dev/mail."""
    import mailbox

    from hub import mail

    box = mailbox.Maildir(settings.mail_dir, create=True)
    for row in s_rows:
        box.add(mail.build_message(row, settings, now).as_bytes())


async def _seed(database_url: str, settings: Settings) -> Seeded:
    out = Seeded()
    spread = out.spread
    engine = create_engine(database_url)
    factory = session_factory(engine)
    now = dt.datetime.now(dt.timezone.utc)
    today = now.date()
    far = now.replace(year=now.year + 50)
    try:
        async with factory() as s:
            admin = await make_member(s, email="admin@example.org", name="Ada Admin", hub_role="admin",
                                      interests=["Storytelling"], hours_per_month=0)
            people = []
            for k in range(N):
                person = await make_member(s, email=f"xss{k}@example.org", interests=["Network mapping"],
                                           hub_role="weaver" if k == N - 1 else "member")
                people.append(person)
            pending = await make_member(s, email="pending@example.org", status="pending")

            # --- profiles, through the profile form's parser and the service
            for k, person in enumerate(people + [pending]):
                bio = spread.block("bio (Markdown)", PAYLOADS if k == 0 else PAYLOADS[k * 9 % len(PAYLOADS):][:9])
                label, address = spread.one("link label", 80, forbidden=":\n"), spread.one("link address", 400, forbidden="\n")
                await _profile(
                    s, person, today,
                    name=spread.one("name", 120), pronouns=spread.one("pronouns", 40),
                    organisation=spread.one("organisation", 160), region=spread.one("region", 120), bio=bio,
                    interests=", ".join(spread.take("interests", 2, 60, forbidden=",;\n") + ["Network mapping"]),
                    links=f"{label}: https://example.org/?q={address}",
                )
            # Addresses the form refuses, written directly: the page must show them as text only.
            bare = next(p.text for p in PAYLOADS if p.text.startswith("javascript:"))
            for k, url in enumerate([bare, bare.upper(), " " + bare, "\tjavascript:" + bare.split(":", 1)[1],
                                     "data:text/html,<script>__xss(0)</script>"]):
                s.add(MemberLink(member_id=people[k].id, label="Home page", url=url))
            spread.mark("profile link address (seeded directly)", bare)
            await s.commit()

            # --- offers and asks
            asks, offers = [], []
            for k, person in enumerate(people):
                for kind, bucket in (("ask", asks), ("offer", offers)):
                    title = spread.one(f"{kind} title", 160)
                    if (k, kind) == (6, "ask"):  # its suggestion fails with an error naming it: make it markup
                        title = "\u201c" + PAYLOADS[4].text + " " + PAYLOADS[18].text
                        spread.mark("ask title", PAYLOADS[4].text, PAYLOADS[18].text)
                    data = parse_post({
                        "title": title,
                        "description": spread.block(f"{kind} description", PAYLOADS[(k * 10 + (kind == "ask") * 5) % len(PAYLOADS):][:10]),
                        "tags": ", ".join(spread.take(f"{kind} tags", 2, 60, forbidden=",;\n")),
                    }, today)
                    bucket.append(await members.create_post(s, person, kind, data, today))

            # --- suggestions in the weavers' queue, with notes; some approved
            for k in (4, 5):
                s.add(MemberPreference(member_id=people[k].id, intro_consent="direct"))
            await s.commit()
            suggestions = []
            for k in range(N):
                row = Suggestion(a_id=people[k].id, b_id=people[(k + 1) % N].id, ask_id=asks[k].id,
                                 offer_id=offers[(k + 1) % N].id, score=0.5 + k / 100,
                                 reasons=spread.take("suggestion reasons (seeded directly)", 2), created_at=now)
                s.add(row)
                await s.commit()
                await weaving.edit_note(s, admin, row.id, spread.block(
                    "weaver note", PAYLOADS[(k * 12) % len(PAYLOADS):][:12]), now)
                suggestions.append(row.id)
            # The ask behind one pending suggestion is withdrawn: approving it fails with the ask's title.
            await members.set_post_status(s, people[6], asks[6].id, "withdrawn", today)
            out.closed_suggestion, out.closed_ask_title = suggestions[6], asks[6].title
            consent_intro = await weaving.approve(s, settings, admin, suggestions[0], now)  # both asked first
            sent_intro = await weaving.approve(s, settings, admin, suggestions[4], now)  # both "direct": sent
            await weaving.approve(s, settings, admin, suggestions[2], now)
            follow_up = weaving.sign(settings, "follow_up", sent_intro.id, people[4].id, far)
            await weaving.answer_follow_up(s, settings, follow_up, weaving.parse_follow_up(
                {"met": "met", "helped": "yes", "hours": "2"}), now)

            # --- the timebank
            for k in range(3):
                await timebank.record_by_weaver(s, admin, timebank.parse_exchange({
                    "giver_id": str(people[k].id), "receiver_id": str(people[k + 3].id), "hours": "1.5",
                    "note": spread.block("timebank note", PAYLOADS[k * 6:][:6], sep=" ")[:500],
                }, weaver_form=True), now)
                await timebank.record_by_member(s, people[0], timebank.parse_exchange({
                    "other_id": str(people[k + 1].id), "hours": "1",
                    "note": spread.block("timebank note", PAYLOADS[30 + k * 6:][:6], sep=" ")[:500],
                }), now)

            # --- events: one to come (with questions and a waiting list), one past (feedback, groups)
            async def event(when: dt.datetime, made_at: dt.datetime, capacity: int, fmt: str) -> int:
                (row,) = await events.create_events(s, settings, admin, parse_event({
                    "title": spread.one("event title", 160), "format": fmt, "date": when.date().isoformat(),
                    "start_time": f"{when:%H:%M}", "end_time": f"{when + dt.timedelta(hours=1):%H:%M}",
                    "timezone": "UTC", "mode": "online",
                    "online_link": "https://meet.example.org/" + spread.one("event online link", 400, forbidden="\n"),
                    "venue": spread.one("event venue", 300), "capacity": str(capacity),
                    "description": spread.block("event description (Markdown)"),
                    "access_info": spread.block("event access info", PAYLOADS[:25]),
                    "agenda": "\n".join(f"{t} 10" for t in spread.take("event agenda", 4, 110, forbidden="\n")),
                    "questions": "\n".join(spread.take("event questions", 3, 190, forbidden="\n")),
                    "tags": ", ".join(spread.take("event tags", 2, 60, forbidden=",;\n")),
                }, made_at), made_at)
                return row.id

            upcoming = await event((now + dt.timedelta(days=7)).replace(hour=10, minute=0), now, 5, "peer_assist")
            later = await event((now + dt.timedelta(days=14)).replace(hour=9, minute=30), now, 2, "book_club")
            past_start = (now - dt.timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
            past = await event(past_start, past_start - dt.timedelta(days=1), 20, "other")
            regs = {}
            for event_id, when in ((upcoming, now), (past, past_start - dt.timedelta(hours=20))):
                loaded = await events.load_event(s, event_id)
                for k, person in enumerate(people):
                    answers = parse_answers({f"answer_{i}": spread.one("registration answers", 2000)
                                             for i in range(len(loaded.questions))}, loaded.questions)
                    reg = await events.register(s, settings, person.id, event_id, answers, when)
                    regs[(event_id, k)] = reg.id
            for k, person in enumerate(people):
                await events.save_feedback(s, person.id, past, parse_feedback({
                    "what_worked": spread.block("event feedback", PAYLOADS[k * 9:][:5]),
                    "not_helpful": spread.block("event feedback", PAYLOADS[k * 9 + 5:][:4]),
                }), now)
            await events.share_resources(s, settings, admin, past, spread.block("event resources (Markdown)"), now)
            await groups.generate(s, admin, past)
            await groups.publish(s, admin, past, now)

            from sqlalchemy import select

            from hub.models import OutboxMessage

            outbox = list((await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())
            assert len(outbox) > 10
            _catch_mail(outbox, settings, now)

            # --- who sees what
            for who, member in (("admin", admin), ("member", people[0])):
                out.cookies[who] = await session_cookie_for(s, member, far)
            reloaded = [await members.load_member(s, p.id) for p in people + [pending]]
            out.names = {m.id: m.name for m in reloaded}
            out.member_ids = [m.id for m in reloaded]
            tag = slugify(reloaded[1].interests[0].label)
            cant_come = await s.get(Registration, regs[(upcoming, 0)])
            from events import notify

            reflected = [PAYLOADS[0].text, PAYLOADS[18].text, PAYLOADS[21].text, PAYLOADS[30].text]
            out.urls["admin"] = [(path, 200) for path in [
                "/", "/members", "/members?q=onerror", "/members?q=script", f"/members?tag={tag}", "/members?page=2",
                *[f"/members/{m.id}" for m in reloaded],
                "/weaving", "/weaving/introductions", "/weaving/rounds", "/weaving/timebank", "/timebank",
                "/network", "/network/dashboard", "/admin/members",
                "/events", f"/events/{upcoming}", f"/events/{past}", f"/events/{upcoming}/manage",
                f"/events/{past}/manage", f"/events/{upcoming}/edit", f"/events/{later}", f"/events/{later}/edit",
                # What the address says is shown back on these pages.
                "/weaving?" + urlencode([("notice", "bulk"), ("approved", "1")] + [("problem", r) for r in reflected]),
                *["/members?" + urlencode({"q": r}) for r in reflected],
                *["/members?" + urlencode({"tag": r}) for r in reflected[:2]],
                "/network?" + urlencode({"interest": reflected[1]}),
            ]] + [(f"/posts/{offers[0].id}/edit", 404)]  # not the admin's: a 404 page
            out.urls["member"] = [(path, 200) for path in [
                "/", "/profile", f"/members/{people[0].id}", f"/members/{people[1].id}",
                f"/posts/{asks[0].id}/edit", f"/posts/{offers[0].id}/edit", f"/asks/{asks[0].id}/helpers",
                "/timebank", "/events", f"/events/{upcoming}", f"/events/{past}",
                notify.cant_come_link(settings, cant_come.id).removeprefix(settings.base_url),
                "/members", "/members?q=img",
            ]]
            consent = weaving.sign(settings, "consent", consent_intro.id, people[0].id, far)
            out.urls["nobody"] = [(path, 200) for path in [
                f"/introductions/consent?token={consent}&answer=yes",
                f"/follow-up?token={weaving.sign(settings, 'follow_up', sent_intro.id, people[5].id, far)}&met=met",
                notify.cant_come_link(settings, regs[(upcoming, 1)]).removeprefix(settings.base_url),
                "/dev/mail",  # every mail above, as the embedded catcher shows it
                "/events/unsubscribe?" + urlencode({"m": "1", "t": reflected[1]}),
            ]] + [
                ("/introductions/consent?" + urlencode({"token": reflected[1], "answer": "yes"}), 400),
                ("/follow-up?" + urlencode({"token": reflected[2], "met": "met"}), 400),
            ]
    finally:
        await engine.dispose()
    return out


@pytest.fixture
def xss_hub(sqlite_template, tmp_path):
    database_url = copy_of(sqlite_template, tmp_path)
    port = free_port()
    settings = Settings(
        database_url=database_url, secret_key="e2e-secret", base_url=f"http://127.0.0.1:{port}",
        allowed_hosts=("127.0.0.1",), mail_mode="catch", mail_dir=str(tmp_path / "mail"), smtp_port=free_port(),
        run_worker_in_web=False, match_round_days=0,
    )
    seeded: list[Seeded] = []

    async def seed() -> None:
        seeded.append(await _seed(database_url, settings))

    _run_in_own_thread(seed())
    with serving(create_app(settings, start_worker=False), port):
        yield settings, seeded[0]


class Persona:
    """One browser context and page for one person, with the sink installed before any page script."""

    def __init__(self, browser, settings: Settings, who: str, cookie: str | None) -> None:  # noqa: ANN001
        self.who = who
        self.hits: list[str] = []
        self.errors: list[str] = []
        self.allowed_status: set[int] = set()
        self.context = browser.new_context(base_url=settings.base_url, viewport={"width": 1200, "height": 900})
        self.context.set_default_timeout(20_000)
        self.context.expose_binding("__xssReport", lambda source, what: self.hits.append(f"[{who}] {what}"))
        self.context.add_init_script(SINK)
        if cookie:
            self.context.add_cookies([{"name": settings.session_cookie, "value": cookie, "url": settings.base_url}])
        self.page = self.context.new_page()
        self.page.on("dialog", lambda d: (self.hits.append(f"[{who}] dialog {d.message}"), d.dismiss()))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"[{who}] page error: {exc}"))
        self.page.on("response", self._response)

    def _console(self, message) -> None:  # noqa: ANN001
        if message.type == "error" and not any(f"status of {s}" in message.text for s in self.allowed_status):
            self.errors.append(f"[{self.who}] console: {message.text} at {self.page.url}")

    def _response(self, response) -> None:  # noqa: ANN001
        if response.status >= 400 and response.status not in self.allowed_status:
            self.errors.append(f"[{self.who}] {response.status} {response.url}")

    def check(self, what: str) -> list[str]:
        self.page.wait_for_load_state("load")
        found = self.page.evaluate(DOM_CHECK) + self.page.evaluate(ISOLATION_CHECK)
        return [f"[{self.who}] {what}: {problem}" for problem in found]

    def visit(self, path: str, status: int = 200) -> list[str]:
        self.allowed_status = {status} if status >= 400 else set()
        response = self.page.goto(path)
        problems = [] if response.status == status else [f"[{self.who}] {path}: status {response.status}, not {status}"]
        return problems + self.check(path)


def test_no_payload_runs_or_leaves_markup_on_any_page(browser, xss_hub):
    settings, seeded = xss_hub
    assert seeded.spread.unused() == set(), f"payloads in no field: {sorted(seeded.spread.unused())}"
    thin = {f: n for f, n in seeded.spread.thin_fields(at_least=3).items() if "seeded directly" not in f}
    assert thin == {}, f"fields with fewer than 3 payloads: {thin}"

    personas = {who: Persona(browser, settings, who, seeded.cookies.get(who)) for who in ("admin", "member", "nobody")}
    problems: list[str] = []
    try:
        admin, member, nobody = personas["admin"], personas["member"], personas["nobody"]
        for who, persona in personas.items():
            for path, expected in seeded.urls[who]:
                problems += persona.visit(path, expected)
                if path.startswith("/members/") and "?" not in path:
                    member_id = int(path.rsplit("/", 1)[1])
                    heading = persona.page.locator("h1").inner_text()
                    if seeded.names[member_id] not in heading:
                        problems.append(f"[{who}] {path}: the name is not shown as text in the heading: {heading!r}")
            if who == "admin":
                # The directory shows every payload name as text (the pending member is not listed).
                admin.page.goto("/members")
                shown = admin.page.locator("main").inner_text()
                missing = [n for i, n in seeded.names.items() if i != seeded.member_ids[-1] and n not in shown]
                if missing:
                    problems.append(f"[admin] /members does not show these names as text: {missing}")
                # The map draws from JSON; labels stay data.
                admin.page.goto("/network")
                admin.page.wait_for_selector("#network-map[data-drawn]")
                problems += admin.check("/network (drawn)")
                response = admin.page.request.get("/network/map.json")
                if not response.headers["content-type"].startswith("application/json"):
                    problems.append(f"/network/map.json is served as {response.headers['content-type']}")
                # JSON and downloads carry member text too: never served as something a browser renders.
                for path in ("/network/map.json", "/api/members", f"/api/members/{seeded.member_ids[0]}", "/api/events"):
                    answer = admin.page.request.get(path)
                    if not (answer.ok and answer.headers["content-type"].startswith("application/json")
                            and answer.headers.get("x-content-type-options") == "nosniff"):
                        problems.append(f"{path}: {answer.status} {answer.headers.get('content-type')} "
                                        f"nosniff={answer.headers.get('x-content-type-options')}")
                for name in ("kumu.json", "kumu-elements.csv", "network.gexf", "network.graphml", "hours.csv"):
                    answer = admin.page.request.get(f"/network/export/{name}")
                    if not answer.headers.get("content-disposition", "").startswith("attachment"):
                        problems.append(f"/network/export/{name} is not a download: {answer.headers}")
                labels = {node["label"] for node in json.loads(response.text())["nodes"]}
                if not labels & set(seeded.names.values()):
                    problems.append(f"/network/map.json carries none of the payload names as labels: {labels}")

        # A weaver edits a note in the queue (POST /weaving/suggestions/{id}/note) and sees it again.
        note = "\n".join(p.text for p in (PAYLOADS[24], *PAYLOADS[40:52]))  # 25 closes a <textarea>
        admin.page.goto("/weaving")
        card = admin.page.get_by_role("article").first
        card.get_by_label("Introduction note").fill(note)
        card.get_by_role("button", name=re.compile(r"^Save note")).click()
        admin.page.wait_for_url(re.compile(r"notice=note-saved"))
        problems += admin.check("/weaving after saving a note")
        if note not in [admin.page.get_by_label("Introduction note").nth(i).input_value()
                        for i in range(admin.page.get_by_label("Introduction note").count())]:
            problems.append("/weaving does not show the saved note as typed")

        nobody.page.goto("/dev/mail")
        caught = nobody.page.locator("article.mail").count()
        if caught < 10:
            problems.append(f"/dev/mail shows {caught} mails; the seeded outbox had more")

        # Approving a suggestion whose ask was withdrawn: the error page names the ask.
        closed = seeded.closed_suggestion
        admin.allowed_status = {409}
        admin.page.goto("/weaving")
        admin.page.locator(f'form[action="/weaving/suggestions/{closed}/approve"] button:not([formaction])').click()
        admin.page.wait_for_load_state("load")
        problems += admin.check("the error page for a closed ask")
        if seeded.closed_ask_title not in admin.page.locator("main").inner_text():
            problems.append("the error page does not name the closed ask as text")
        # ... and in bulk: the problems travel in the address back to the queue.
        admin.allowed_status = set()
        admin.page.goto("/weaving")
        admin.page.locator(f"#pick-{closed}").check()
        admin.page.get_by_role("button", name="Approve selected").click()
        admin.page.wait_for_url(re.compile(r"notice=bulk"))
        problems += admin.check("/weaving with bulk-approval problems")
        if seeded.closed_ask_title not in admin.page.get_by_role("alert").inner_text():
            problems.append("the bulk-approval problems do not name the closed ask as text")

        # Forms sent with payloads and one mistake come back with the payloads in their fields.
        member.allowed_status = {422}
        member.page.goto("/profile")
        for name, text in (("name", PAYLOADS[18].text), ("pronouns", PAYLOADS[30].text[:40]),
                           ("organisation", PAYLOADS[21].text), ("bio", PAYLOADS[0].text + "\n" + PAYLOADS[24].text),
                           ("links", "Site: https://example.org/" + PAYLOADS[22].text)):
            member.page.locator(f"form [name={name}]").fill(text)
        member.page.locator("form [name=hours_per_month]").fill("999")
        member.page.get_by_role("button", name="Save profile").click()
        member.page.wait_for_load_state("load")
        problems += member.check("/profile sent back with an error")
        if member.page.locator("form [name=name]").input_value() != PAYLOADS[18].text:
            problems.append("/profile with an error does not keep the name as typed")
        member.page.goto("/asks/new")
        member.page.locator("form [name=title]").fill(PAYLOADS[23].text)
        member.page.locator("form [name=description]").fill(PAYLOADS[24].text + "\n" + PAYLOADS[36].text)
        member.page.locator("form [name=expires_on]").fill("2000-01-01")
        member.page.get_by_role("button", name="Post ask").click()
        member.page.wait_for_load_state("load")
        problems += member.check("/asks sent back with an error")
        nobody.allowed_status = {422}
        nobody.page.goto("/sign-in")
        nobody.page.locator("form [name=email]").fill(PAYLOADS[18].text)
        nobody.page.locator("form [name=email]").press("Enter")
        nobody.page.wait_for_load_state("load")
        problems += nobody.check("/sign-in sent back with an error")

        for persona in personas.values():
            problems += persona.hits + persona.errors
    finally:
        for persona in personas.values():
            persona.context.close()
    assert problems == [], "\n".join(problems[:60]) + (f"\n… {len(problems)} in all" if len(problems) > 60 else "")
