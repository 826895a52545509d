"""Suggestions, explanations, determinism, fairness and the layout rules."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from matching import (Community, GroupReason, Participant, RoundOptions, form_groups, load, pair_peers,
                      pairs_json, run_round, suggest, suggestions_json)
from matching.groups import plan_sizes
from matching.text import analyse, words_of

from .conftest import REPO, member, run_cli


def test_meaning_reaches_past_shared_words(small_community):
    top = {s.ask_id: s.candidates[0].member_id for s in suggest(small_community)}
    assert top["k1"] == "kumu"      # "who knows whom" -> Kumu mapping
    assert top["k2"] == "editor"    # "nobody reads our 40-page report" -> plain English
    assert top["k3"] == "coach"     # "exhausted" -> burnout prevention


def test_asker_is_never_their_own_candidate_and_lists_are_sorted(dev_data):
    for k in (1, 3, 5):
        for s in suggest(dev_data, top=k):
            ids = [c.member_id for c in s.candidates]
            assert s.asker_id not in ids and len(ids) <= k and len(ids) == len(set(ids))
            scores = [c.score for c in s.candidates]
            assert scores == sorted(scores, reverse=True)


def test_members_with_no_capacity_are_not_suggested(small_community):
    small_community["members"][1]["capacity"] = 0
    for s in suggest(small_community):
        assert "kumu" not in [c.member_id for c in s.candidates]


def _norm(s):
    return " ".join(s.casefold().split())


def _check_reason(reason, ask_text, offer_text, interests_text):
    m = re.match(r"(?:both mention|both interested in) '(.+?)'", reason)
    if m and reason.startswith("both mention"):
        term = m.group(1)
        assert _norm(term) in _norm(ask_text), reason
        assert words_of(term) & (words_of(offer_text) | words_of(interests_text)), reason
        return
    m = re.match(r"offers '(.+?)', which answers '(.+?)'", reason)
    if m:
        assert _norm(m.group(1)) in _norm(offer_text), reason
        assert _norm(m.group(2)) in _norm(ask_text), reason
        return
    m = re.match(r"interested in '(.+?)', which relates to '(.+?)'", reason)
    if m:
        assert _norm(m.group(1)) in _norm(interests_text), reason
        assert _norm(m.group(2)) in _norm(ask_text), reason


def test_explanations_name_terms_that_occur_on_both_sides(dev_data, small_community):
    for data in (dev_data, small_community):
        members = {m["id"]: m for m in data["members"]}
        asks = {a["id"]: a["text"] for m in data["members"] for a in m["asks"]}
        checked = 0
        for s in suggest(data, top=5):
            for c in s.candidates:
                m = members[c.member_id]
                offer_text = " | ".join(o["text"] + " " + " ".join(o["tags"]) for o in m["offers"])
                interests = " | ".join(m["interests"])
                assert c.reasons
                for r in c.reasons:
                    _check_reason(r, asks[s.ask_id], offer_text, interests)
                    checked += 1
        assert checked > 0


def test_plain_english_reason_quotes_both_sides(small_community):
    s = {x.ask_id: x for x in suggest(small_community)}["k2"]
    reason = s.candidates[0].reasons[0]
    assert "Plain English" in reason and "nobody reads" in reason.lower()


def test_shared_interest_is_named(small_community):
    s = {x.ask_id: x for x in suggest(small_community)}["k3"]
    coach = [c for c in s.candidates if c.member_id == "coach"][0]
    assert "both interested in psychological safety" in coach.reasons


def test_same_input_same_output(dev_data, small_community):
    for data in (dev_data, small_community):
        assert suggestions_json(suggest(data)) == suggestions_json(suggest(json.loads(json.dumps(data))))
        assert pairs_json(run_round(data, RoundOptions(peers=True))) == pairs_json(
            run_round(json.loads(json.dumps(data)), RoundOptions(peers=True)))
        assert [g.members for g in form_groups(data, 4, 5)] == [g.members for g in form_groups(data, 4, 5)]


def test_cli_output_is_deterministic_and_follows_the_contract(tmp_path, small_community):
    a = run_cli("round", input_data=small_community, tmp_path=tmp_path)
    b = run_cli("round", input_data=small_community, tmp_path=tmp_path)
    assert a.returncode == 0 and a.stdout == b.stdout
    pairs = json.loads(a.stdout)["pairs"]
    assert pairs and set(pairs[0]) == {"a", "b", "ask_id", "offer_id", "score", "reasons"}


def test_history_pairs_are_never_suggested_again(small_community):
    first = {(p.a, p.b) for p in run_round(small_community)}
    assert ("writer", "editor") in first
    small_community["history"] = [{"a": "editor", "b": "writer", "outcome": "declined"}]
    again = {(p.a, p.b) for p in run_round(small_community)}
    assert ("writer", "editor") not in again


def _two_askers(given_a, received_a, given_b, received_b):
    return {"members": [
        member("a", asks=[("ka", "help with plain English editing")], given=given_a, received=received_a),
        member("b", asks=[("kb", "help with plain English editing")], given=given_b, received=received_b),
        member("ed", offers=[("o", "Plain English editing")], capacity=1)]}


def test_fairness_generous_givers_come_first():
    pairs = run_round(_two_askers(30, 0, 0, 30))
    assert [(p.a, p.b) for p in pairs] == [("a", "ed")]
    pairs = run_round(_two_askers(0, 30, 30, 0))
    assert [(p.a, p.b) for p in pairs] == [("b", "ed")]
    assert any("comes first" in r for r in pairs[0].reasons)


def test_crossing_organisations_is_preferred_when_asked_for():
    data = {"members": [
        member("asker", asks=[("k", "plain English editing for our report")], org="Trust A"),
        member("same", offers=[("o1", "plain English editing for reports")], org="Trust A"),
        member("other", offers=[("o2", "plain English editing for reports")], org="Charity B")]}
    assert run_round(data, RoundOptions(cross_weight=0.3))[0].b == "other"
    assert any("organisation" in r for r in run_round(data, RoundOptions(cross_weight=0.3))[0].reasons)


def test_popular_helper_does_not_take_every_suggestion():
    members = [member("star", offers=[("o0", "data analysis, dashboards and statistics")], capacity=10)]
    members += [member(f"h{i}", offers=[(f"o{i}", "data analysis and dashboards")], capacity=1) for i in range(1, 4)]
    members += [member(f"a{i}", asks=[(f"k{i}", "help with data analysis dashboards")]) for i in range(4)]
    pairs = run_round({"members": members}, RoundOptions(load_penalty=0.2))
    helpers = [p.b for p in pairs]
    assert len(pairs) == 4 and helpers.count("star") < 4


def test_peers_share_interests(small_community):
    pairs = pair_peers(small_community)
    assert ("carer", "coach") in {(p.a, p.b) for p in pairs}
    assert all(p.ask_id is None for p in pairs)


@pytest.mark.parametrize("n,lo,hi,expected", [
    (10, 4, 5, [5, 5]), (7, 4, 5, [4, 3]), (9, 3, 3, [3, 3, 3]), (10, 3, 3, [4, 3, 3]),
    (13, 6, 8, [7, 6]), (2, 4, 5, [2]), (0, 4, 5, [])])
def test_group_sizes_stay_in_range_or_as_few_as_possible_go_one_outside(n, lo, hi, expected):
    assert plan_sizes(n, lo, hi) == expected


def test_groups_have_one_presenter_with_relevant_helpers_and_reasons():
    members = [member("p1", asks=[("k1", "nobody reads our long report")], org="A"),
               member("p2", asks=[("k2", "we want to map who knows whom in our network")], org="B"),
               member("ed", offers=[("o1", "plain English editing")], org="A"),
               member("ed2", offers=[("o2", "proofreading and clear writing")], org="C"),
               member("kumu", offers=[("o3", "Kumu network mapping")], org="B"),
               member("sna", offers=[("o4", "social network analysis")], org="D")]
    groups = form_groups({"members": members}, 3, 3)
    by_presenter = {g.presenter: set(g.members) for g in groups}
    assert by_presenter == {"p1": {"p1", "ed", "ed2"}, "p2": {"p2", "kumu", "sna"}}
    assert all(any("brings the challenge" in r for r in g.reasons) for g in groups)


def test_a_stop_word_alone_never_stands_for_a_concept():
    """"more" stems like "morale" (wellbeing), yet is a stop word: only the real word is the concept."""
    assert "wellbeing" not in analyse("How do we get more volunteers?").concepts
    assert "wellbeing" in analyse("Staff morale is low").concepts
    assert "mentoring" in analyse("Pairing new starters with someone more experienced").concepts


def test_group_reasons_name_the_person_apart_and_quote_only_real_overlap():
    members = [member("p1", asks=[("k1", "How do we get more people to come along to our groups?")], org="A"),
               member("h1", interests=["Wellbeing", "Staff morale"], org="B"),
               member("h2", offers=[("o1", "I run groups that people come back to: more fun, less lecture")], org="C")]
    (group,) = form_groups({"members": members}, 3, 3)
    challenge = "brings the challenge 'How do we get more people to come along to our groups?'"
    assert group.why[0] == GroupReason("p1", challenge) and group.reasons[0] == f"p1 {challenge}"
    about_helpers = [r for r in group.why if r.member in ("h1", "h2")]
    assert all("'more'" not in r.text and "wellbeing" not in r.text for r in about_helpers), about_helpers
    assert [r.member for r in group.why if r.member is None] == [None]  # "mixes 3 organisations"


def test_text_analysis_finds_concepts_without_shared_words():
    assert analyse("nobody reads our 40-page report").concepts & analyse("Plain English editing").concepts
    assert analyse("how do we see who knows whom").concepts & analyse("Kumu mapping clinics").concepts


def test_dataclass_input_is_validated_too():
    with pytest.raises(Exception) as exc:
        suggest(Community((Participant("a"), Participant("a"))))
    assert "DuplicateIdError" in str(exc.value)


FORBIDDEN = {"hub", "events", "litestar", "sqlalchemy", "alembic", "aiosmtplib", "jinja2", "httpx",
             "asyncpg", "aiosqlite", "smtplib", "requests", "flask", "django", "sqlite3", "urllib"}
ALLOWED_THIRD_PARTY = {"numpy", "scipy", "ortools", "rustworkx", "jsonschema"}


def test_matching_imports_only_the_standard_library_and_allowed_packages():
    import sys

    for path in (REPO / "matching").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top not in FORBIDDEN, f"{path.name} imports {name}"
                assert top in ALLOWED_THIRD_PARTY or top in sys.stdlib_module_names, f"{path.name} imports {name}"
