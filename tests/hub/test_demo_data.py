"""Behaviour of hub.demo_data: an invented, deterministic demo community."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from hub import demo_data
from hub.demo_data import (
    DEMO_ADMIN_EMAIL,
    DEMO_MEMBER_EMAIL,
    DEMO_WEAVER_EMAIL,
    NATIONS,
    ROLES,
    SECTORS,
    THEMES,
    generate_community,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DIR = Path(__file__).resolve().parents[3] / "shared"

MEMBER_KEYS = {
    "name", "email", "pronouns", "organisation", "sector", "nation", "region", "bio",
    "interests", "weaving_roles", "hours_per_month", "prefers", "links", "visibility",
    "matching", "matching_paused_until", "hub_role", "offers", "asks",
}
ITEM_KEYS = {"title", "description", "tags"}


@pytest.fixture(scope="module")
def community() -> list[dict]:
    return generate_community()


def _generated(community: list[dict]) -> list[dict]:
    return community[3:]


def _fingerprint(members: list[dict]) -> str:
    return hashlib.sha256(json.dumps(members, sort_keys=True).encode()).hexdigest()


def _tag_key(label: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[-_]", " ", label.strip().lower()))


def _texts(member: dict) -> list[str]:
    out = [member["name"], member["organisation"], member["region"], member["bio"]]
    out += member["interests"]
    for item in member["offers"] + member["asks"]:
        out += [item["title"], item["description"], *item["tags"]]
    for link in member["links"]:
        out += [link["label"], link["url"]]
    return out


# ---------------------------------------------------------------------------
# Determinism and size
# ---------------------------------------------------------------------------
def test_same_size_and_seed_give_identical_community():
    assert generate_community(320, 2020) == generate_community(320, 2020)
    assert generate_community(57, 9) == generate_community(57, 9)


def test_default_arguments_are_size_320_seed_2020(community):
    assert community == generate_community(320, 2020)


def test_different_seeds_give_different_members_but_the_same_demo_accounts():
    a, b = generate_community(320, 1), generate_community(320, 2)
    assert a[:3] == b[:3]
    assert [m["email"] for m in a[3:]] != [m["email"] for m in b[3:]]


def test_community_does_not_depend_on_python_hash_randomisation(community):
    script = (
        "import hashlib, json; from hub.demo_data import generate_community; "
        "print(hashlib.sha256(json.dumps(generate_community(), sort_keys=True).encode()).hexdigest())"
    )
    seen = set()
    for hash_seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, env=env,
                             capture_output=True, text=True, check=True)
        seen.add(out.stdout.strip())
    assert seen == {_fingerprint(community)}


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 10, 57, 300, 320, 1000])
def test_requested_size_is_honoured(size):
    assert len(generate_community(size, 2020)) == size


def test_small_sizes_return_a_prefix_of_the_demo_accounts():
    full = generate_community(320)
    for size in range(4):
        assert generate_community(size) == full[:size]


def test_negative_or_non_integer_size_is_rejected():
    with pytest.raises(ValueError):
        generate_community(-1)
    with pytest.raises(TypeError):
        generate_community(3.5)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Demo accounts
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("size,seed", [(3, 2020), (320, 2020), (500, 7)])
def test_first_three_entries_are_the_demo_member_weaver_and_admin(size, seed):
    first = generate_community(size, seed)[:3]
    assert [m["email"] for m in first] == [DEMO_MEMBER_EMAIL, DEMO_WEAVER_EMAIL, DEMO_ADMIN_EMAIL]
    assert [m["hub_role"] for m in first] == ["member", "weaver", "admin"]
    assert all(m["matching"] == "active" for m in first)


def test_demo_emails_are_on_example_org():
    for email in (DEMO_MEMBER_EMAIL, DEMO_WEAVER_EMAIL, DEMO_ADMIN_EMAIL):
        assert email == email.lower() and email.endswith("@example.org")


def test_only_the_demo_admin_is_an_admin(community):
    assert [m["email"] for m in community if m["hub_role"] == "admin"] == [DEMO_ADMIN_EMAIL]


def test_a_handful_of_weavers_beyond_the_demo_weaver(community):
    weavers = [m for m in community if m["hub_role"] == "weaver"]
    assert weavers[0]["email"] == DEMO_WEAVER_EMAIL
    assert 2 <= len(weavers) - 1 <= 15
    assert all(m["weaving_roles"] and m["matching"] == "active" for m in weavers)


# ---------------------------------------------------------------------------
# Shape and enums
# ---------------------------------------------------------------------------
def test_every_member_has_exactly_the_documented_keys(community):
    for m in community:
        assert set(m) == MEMBER_KEYS, m["email"]
        for item in m["offers"] + m["asks"]:
            assert set(item) == ITEM_KEYS
        for link in m["links"]:
            assert set(link) == {"label", "url"}


def test_all_enum_fields_hold_only_allowed_values(community):
    for m in community:
        assert m["sector"] in SECTORS
        assert m["nation"] in NATIONS
        assert m["prefers"] in {"online", "in_person", "either"}
        assert m["visibility"] in {"members", "weavers"}
        assert m["matching"] in {"active", "paused", "opted_out"}
        assert m["hub_role"] in {"member", "weaver", "admin"}
        assert set(m["weaving_roles"]) <= set(ROLES)
        assert m["pronouns"] is None or (isinstance(m["pronouns"], str) and "/" in m["pronouns"]
                                         or m["pronouns"] == "any pronouns")


def test_public_enum_tuples_are_exactly_as_documented():
    assert SECTORS == ("nhs", "social_care", "third_sector", "local_authority", "academia", "lived_experience")
    assert NATIONS == ("england", "scotland", "wales", "northern_ireland")
    assert ROLES == ("connector", "project_coordinator", "network_catalyst", "network_guardian")


def test_text_fields_are_non_empty_strings(community):
    for m in community:
        for key in ("name", "email", "organisation", "region", "bio"):
            assert isinstance(m[key], str) and m[key].strip(), (m["email"], key)
        for item in m["offers"] + m["asks"]:
            assert item["title"].strip() and item["description"].strip() and item["tags"]


def test_no_unfilled_template_placeholders(community):
    for m in community:
        for text in _texts(m):
            assert "{" not in text and "}" not in text, text


# ---------------------------------------------------------------------------
# Proportions
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("size,seed", [(300, 1), (320, 2020), (640, 99)])
def test_every_nation_and_sector_is_represented_with_england_largest(size, seed):
    members = generate_community(size, seed)
    nations = Counter(m["nation"] for m in members)
    sectors = Counter(m["sector"] for m in members)
    assert set(nations) == set(NATIONS)
    assert set(sectors) == set(SECTORS)
    assert all(nations[n] >= 0.08 * size for n in NATIONS), nations
    assert all(sectors[s] >= 0.05 * size for s in SECTORS), sectors
    assert nations.most_common(1)[0][0] == "england"
    assert nations["england"] >= 0.45 * size


def test_every_nation_and_sector_appears_even_in_a_modest_community():
    members = generate_community(60, 3)
    assert {m["nation"] for m in members} == set(NATIONS)
    assert {m["sector"] for m in members} == set(SECTORS)


def test_regions_are_real_areas_of_the_members_own_nation(community):
    regions = demo_data.REGIONS
    assert set(regions) == set(NATIONS)
    all_regions = [r for n in NATIONS for r in regions[n]]
    assert len(all_regions) == len(set(all_regions)), "a region is listed under two nations"
    for expected, nation in [("Greater Manchester", "england"), ("Highlands", "scotland"),
                             ("Cardiff and Vale", "wales"), ("Belfast", "northern_ireland")]:
        assert expected in regions[nation]
    for m in community:
        assert m["region"] in regions[m["nation"]], (m["email"], m["region"])


def test_matching_is_mostly_active_with_some_paused_and_opted_out(community):
    counts = Counter(m["matching"] for m in _generated(community))
    n = len(community) - 3
    assert abs(counts["active"] / n - 0.85) < 0.03
    assert abs(counts["paused"] / n - 0.10) < 0.03
    assert abs(counts["opted_out"] / n - 0.05) < 0.03


def test_only_paused_members_have_an_iso_resume_date(community):
    for m in community:
        if m["matching"] == "paused":
            resume = date.fromisoformat(m["matching_paused_until"])
            assert m["matching_paused_until"] == resume.isoformat()
            assert resume.year >= 2027
        else:
            assert m["matching_paused_until"] is None


def test_about_one_in_ten_profiles_is_visible_to_weavers_only(community):
    share = sum(m["visibility"] == "weavers" for m in community) / len(community)
    assert 0.07 <= share <= 0.13


def test_about_half_give_pronouns_from_a_small_set(community):
    given = [m["pronouns"] for m in community if m["pronouns"] is not None]
    assert 0.4 <= len(given) / len(community) <= 0.6
    assert {"she/her", "he/him", "they/them"} <= set(given)


def test_hours_per_month_are_whole_numbers_from_0_to_10(community):
    for m in community:
        assert type(m["hours_per_month"]) is int and 0 <= m["hours_per_month"] <= 10


def test_weaving_roles_are_at_most_two_distinct_roles_with_connectors_most_common(community):
    for m in community:
        assert len(m["weaving_roles"]) <= 2
        assert len(set(m["weaving_roles"])) == len(m["weaving_roles"])
    counts = Counter(r for m in community for r in m["weaving_roles"])
    assert set(counts) == set(ROLES)
    assert counts.most_common(1)[0][0] == "connector"
    assert any(not m["weaving_roles"] for m in community)


# ---------------------------------------------------------------------------
# Emails, names, links
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("size,seed", [(320, 2020), (1000, 5)])
def test_emails_are_unique_lowercase_and_on_example_org(size, seed):
    emails = [m["email"] for m in generate_community(size, seed)]
    assert len(emails) == len(set(emails))
    for email in emails:
        assert email == email.lower()
        assert re.fullmatch(r"[a-z0-9.]+@example\.org", email), email


def test_names_are_unique_first_name_and_surname_pairs(community):
    names = [m["name"] for m in community]
    assert len(names) == len(set(names))
    assert all(len(n.split()) >= 2 for n in names)


def test_links_are_at_most_two_and_point_at_example_org(community):
    seen_handles = 0
    for m in community:
        assert len(m["links"]) <= 2
        for link in m["links"]:
            url = urlsplit(link["url"])
            assert url.scheme == "https"
            assert url.hostname == "example.org" or url.hostname.endswith(".example.org"), link
            if link["label"].startswith("@"):
                seen_handles += 1
                assert url.path == "/" + link["label"]
    assert seen_handles > 10


# ---------------------------------------------------------------------------
# Profile content
# ---------------------------------------------------------------------------
def test_every_member_has_at_least_one_offer_or_ask(community):
    for m in community:
        assert 0 <= len(m["offers"]) <= 3 and 0 <= len(m["asks"]) <= 2
        assert m["offers"] or m["asks"], m["email"]


def test_interests_are_two_to_six_distinct_tags_with_some_spelling_variants(community):
    canonical = {_tag_key(t): t for theme in THEMES for t in theme["tags"]}
    variants = 0
    for m in community:
        keys = [_tag_key(t) for t in m["interests"]]
        assert 2 <= len(keys) <= 6
        assert len(keys) == len(set(keys)), m["interests"]
        for label in m["interests"]:
            assert _tag_key(label) in canonical, label
            variants += label != canonical[_tag_key(label)]
    assert variants >= 10, "expected some lower-case or hyphenated tags for the hub to normalise"
    assert any("-" in label and " " not in label for m in community for label in m["interests"])


def test_offer_and_ask_tags_are_known_labels(community):
    canonical = {_tag_key(t) for theme in THEMES for t in theme["tags"]}
    for m in community:
        for item in m["offers"] + m["asks"]:
            assert 1 <= len(item["tags"]) <= 4
            assert all(_tag_key(t) in canonical for t in item["tags"]), item["tags"]


def test_offer_and_ask_bank_is_rich_and_themed():
    assert len(THEMES) >= 20
    offers = {tpl for theme in THEMES for tpl in theme["offers"]}
    asks = {tpl for theme in THEMES for tpl in theme["asks"]}
    assert len(offers) >= 60 and len(asks) >= 60
    assert len({title for title, _ in offers}) == len(offers)
    assert len({title for title, _ in asks}) == len(asks)


def test_community_uses_a_wide_variety_of_offers_and_asks(community):
    offer_titles = {o["title"] for m in community for o in m["offers"]}
    ask_titles = {a["title"] for m in community for a in m["asks"]}
    assert len(offer_titles) >= 60 and len(ask_titles) >= 60
    descriptions = [o["description"] for m in community for o in m["offers"] + m["asks"]]
    assert len(set(descriptions)) >= 0.6 * len(descriptions)


def test_core_network_weaving_themes_show_up(community):
    interests = {_tag_key(t) for m in community for t in m["interests"]}
    for theme in ("network mapping", "kumu", "evaluating networks", "psychological safety",
                  "liberating structures", "troika consulting", "wise crowds", "peer assist",
                  "co production", "digital inclusion", "open space", "book clubs",
                  "social prescribing", "loneliness and isolation", "compassionate leadership",
                  "quality improvement", "health inequalities", "community development"):
        assert theme in interests, theme


def test_bios_are_one_to_three_sentences_of_markdown_with_occasional_bold_or_list(community):
    bold = lists = 0
    for m in community:
        bio = m["bio"]
        if "\n- " in bio:
            lists += 1
            prose = bio.split("\n\n")[0]
        else:
            prose = bio
        bold += "**" in bio
        sentences = [s for s in re.split(r"(?<=[.!?])\*{0,2}\s+", prose.strip()) if s]
        assert 1 <= len(sentences) <= 3, bio
    assert 0.05 * len(community) <= bold <= 0.5 * len(community)
    assert 0.05 * len(community) <= lists <= 0.4 * len(community)


# ---------------------------------------------------------------------------
# Nothing real copied from the users' meeting notes
# ---------------------------------------------------------------------------
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL_RE = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|uk|io|scot|net)\S*")
_HANDLE_RE = re.compile(r"(?<![\w.@])@([A-Za-z][A-Za-z0-9_]*)")
_WORD_RE = re.compile(r"[^\W\d_]+")
_CAMEL_RE = re.compile(r"[A-Z]?[a-z\u00df-\u00ff]+|[A-Z]+(?![a-z])")

# Words capitalised in the notes that the demo data deliberately reuses: tools,
# methods, places, acronyms and title-cased ordinary words.  Never people.
_SHARED_VOCABULARY = {
    "kumu", "zoom", "teams", "miro", "liberating", "structures", "troika", "wise", "crowds",
    "nhs", "qi", "scotland", "scottish", "england", "wales", "ireland", "northern", "uk",
    "lived", "maturity", "project", "coaching", "communities", "funds", "south",
}


def _camel_parts(word: str) -> list[str]:
    return _CAMEL_RE.findall(word) or [word]


def _mid_sentence_capitalised(text: str) -> set[str]:
    """Lower-cased capitalised words that follow a lower-case word or comma on the same line."""
    found = set()
    for match in re.finditer(r"(?<=[a-z,;)] )[A-Z][^\W\d_]+", text):
        found.update(p.lower() for p in _camel_parts(match.group(0)) if p[:1].isupper() and len(p) >= 2)
    return found


@pytest.fixture(scope="module")
def seed_notes() -> dict:
    files = sorted((SHARED_DIR / "seeds").glob("*.txt")) if SHARED_DIR.is_dir() else []
    if not files:
        pytest.skip(f"seed notes not available under {SHARED_DIR}")
    text = "\n".join(f.read_text(encoding="utf-8", errors="replace") for f in files)
    emails = {e.lower().rstrip(".") for e in _EMAIL_RE.findall(text)}
    handles = {h.lower() for h in _HANDLE_RE.findall(text)}
    plain = _URL_RE.sub(" ", _EMAIL_RE.sub(" ", text))

    # Every capitalised word (camelCase split), plus every piece of every handle:
    # a deliberately wide net for the names of real people.
    capitalised: set[str] = set()
    for word in _WORD_RE.findall(plain):
        for part in _camel_parts(word):
            if part[:1].isupper() and len(part) >= 2:
                capitalised.add(part.lower())
    handle_parts: set[str] = set()
    for handle in _HANDLE_RE.findall(text):
        for piece in re.split(r"[_\d]+", handle):
            handle_parts.update(p.lower() for p in _camel_parts(piece) if len(p) >= 2)

    # Proper nouns: capitalised mid-sentence in the notes and never written in lower case there.
    lower_words = {w for w in _WORD_RE.findall(plain) if w.islower()}
    proper = {w for w in _mid_sentence_capitalised(plain) if w not in lower_words}

    # Multi-word capitalised phrases ("Somebody Surname", "Some Fund", "Matter of Focus")
    # and every part of them that starts and ends on a capitalised word, for organisations.
    phrases: set[str] = set()
    run_re = r"[A-Z][^\W\d_]*(?:[ \t]+(?:(?:of|and|for|the|&)[ \t]+)?[A-Z][^\W\d_]*)+"
    for run in re.findall(run_re, plain):
        words = run.split()
        for i in range(len(words)):
            for j in range(i + 2, len(words) + 1):
                if words[i][:1].isupper() and words[j - 1][:1].isupper():
                    phrases.add(" ".join(words[i:j]).lower())
    acronyms = {w.lower() for w in re.findall(r"\b[A-Z]{3,}\b", plain)} - {"nhs"}
    domains = {urlsplit(u if "//" in u else "//" + u).hostname or "" for u in _URL_RE.findall(text)}
    domains |= {e.split("@", 1)[1] for e in emails}
    return {
        "emails": emails, "handles": handles, "capitalised": capitalised,
        "handle_parts": handle_parts, "proper": proper, "phrases": phrases,
        "acronyms": acronyms, "domains": {d.lower().removeprefix("www.") for d in domains if d},
    }


def test_seed_note_extraction_finds_names_handles_and_emails(seed_notes):
    # Guards the guard: if extraction silently found nothing, the tests below would be vacuous.
    assert len(seed_notes["emails"]) >= 1
    assert len(seed_notes["handles"]) >= 10
    assert len(seed_notes["capitalised"]) >= 50


def test_no_invented_name_shares_a_word_with_a_capitalised_word_or_handle_in_seed_notes(community, seed_notes):
    forbidden = seed_notes["capitalised"] | seed_notes["handle_parts"]
    for m in generate_community(1000, 11) + community:
        tokens = [t.lower() for t in _WORD_RE.findall(m["name"]) if len(t) >= 2]
        assert not set(tokens) & forbidden, (m["name"], set(tokens) & forbidden)
        squashed = "".join(tokens)
        for handle in seed_notes["handles"]:
            assert squashed not in handle
            for t in tokens:  # lower-case handles such as "firstnamesurname12"
                assert not (len(t) >= 4 and handle.startswith(t)), (m["name"], handle)
                assert not (len(t) >= 5 and t in handle), (m["name"], handle)


def test_no_email_handle_or_domain_from_seed_notes_appears_anywhere(community, seed_notes):
    dump = json.dumps(community, ensure_ascii=False).lower()
    for email in seed_notes["emails"]:
        assert email not in dump, email
    for domain in seed_notes["domains"]:
        assert domain not in dump, domain
    for handle in seed_notes["handles"]:
        assert not re.search(rf"@{re.escape(handle)}(?![a-z0-9_])", dump), handle
        if len(handle) >= 4:
            assert not re.search(rf"(?<![a-z0-9_]){re.escape(handle)}(?![a-z0-9_])", dump), handle


def test_organisations_are_invented_not_taken_from_seed_notes(community, seed_notes):
    for m in community:
        org = m["organisation"].lower()
        words = set(_WORD_RE.findall(org))
        caps = {w.lower() for w in _WORD_RE.findall(m["organisation"]) if w.isupper() and len(w) >= 3}
        assert not caps & seed_notes["acronyms"], (org, caps & seed_notes["acronyms"])
        assert not {w for w in words if len(w) >= 3} & seed_notes["handle_parts"], org
        for phrase in seed_notes["phrases"]:
            assert not re.search(rf"\b{re.escape(phrase)}\b", org), (org, phrase)


def test_free_text_reuses_only_tool_method_and_place_names_from_seed_notes(community, seed_notes):
    reused: set[str] = set()
    for m in community:
        for text in _texts(m):
            reused |= _mid_sentence_capitalised(_URL_RE.sub(" ", text)) & seed_notes["proper"]
    assert reused <= _SHARED_VOCABULARY, reused - _SHARED_VOCABULARY
