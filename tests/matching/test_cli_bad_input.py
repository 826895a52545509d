"""Every kind of bad input exits with status 2 and a named error naming the member or field,
never a traceback."""
from __future__ import annotations

import json

import pytest

from .conftest import call_main, member, run_cli


def _base():
    return {"members": [member("a", asks=[("k1", "help with data")]),
                        member("b", offers=[("o1", "data analysis clinics")])],
            "history": []}


def _dup_member(d):
    d["members"].append(member("a"))


def _dup_ask(d):
    d["members"][1]["asks"] = [{"id": "k1", "text": "another", "tags": []}]


def _dup_offer(d):
    d["members"][0]["offers"] = [{"id": "o1", "text": "x", "tags": []}]


def _capacity_string(d):
    d["members"][0]["capacity"] = "3"


def _capacity_negative(d):
    d["members"][0]["capacity"] = -1


def _capacity_bool(d):
    d["members"][0]["capacity"] = True


def _text_number(d):
    d["members"][1]["offers"][0]["text"] = 42


def _interests_string(d):
    d["members"][0]["interests"] = "data"


def _id_integer(d):
    d["members"][0]["id"] = 7


def _missing_id(d):
    del d["members"][0]["id"]


def _unknown_history(d):
    d["history"] = [{"a": "a", "b": "ghost", "outcome": "introduced"}]


def _bad_outcome(d):
    d["history"] = [{"a": "a", "b": "b", "outcome": "maybe"}]


def _members_not_list(d):
    d["members"] = {"a": 1}


def _no_members(d):
    del d["members"]


CASES = [
    (_dup_member, "DuplicateIdError", "'a'"),
    (_dup_ask, "DuplicateIdError", "'k1'"),
    (_dup_offer, "DuplicateIdError", "'o1'"),
    (_capacity_string, "SchemaError", "capacity"),
    (_capacity_negative, "SchemaError", "capacity"),
    (_capacity_bool, "SchemaError", "capacity"),
    (_text_number, "SchemaError", "text"),
    (_interests_string, "SchemaError", "interests"),
    (_id_integer, "SchemaError", "id"),
    (_missing_id, "SchemaError", "'id'"),
    (_unknown_history, "UnknownMemberError", "'ghost'"),
    (_bad_outcome, "SchemaError", "outcome"),
    (_members_not_list, "SchemaError", "members"),
    (_no_members, "SchemaError", "'members'"),
]


def _assert_named_failure(proc, name, needle):
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert name in proc.stderr
    assert needle in proc.stderr
    assert proc.stdout == ""


# one subprocess per kind of error: the real `python -m matching`, exit status and all
SUBPROCESS = [CASES[0], CASES[3], CASES[10]]


@pytest.mark.parametrize("command,case", [("suggest", SUBPROCESS[0]), ("round", SUBPROCESS[1]),
                                          ("groups", SUBPROCESS[2])])
def test_bad_input_exits_2_in_a_real_subprocess(tmp_path, command, case):
    mutate, name, needle = case
    d = _base()
    mutate(d)
    _assert_named_failure(run_cli(command, input_data=d, tmp_path=tmp_path), name, needle)


@pytest.mark.parametrize("command", ["suggest", "round", "peers", "groups"])
@pytest.mark.parametrize("mutate,name,needle", CASES, ids=[c[0].__name__ for c in CASES])
def test_bad_input_names_the_error_and_field(tmp_path, command, mutate, name, needle):
    d = _base()
    mutate(d)
    _assert_named_failure(call_main(command, input_data=d, tmp_path=tmp_path), name, needle)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_rejected_with_the_member_named(tmp_path, literal):
    raw = json.dumps(_base()).replace('"hours_given": 0', f'"hours_given": {literal}', 1)
    proc = (run_cli if literal == "NaN" else call_main)("round", raw=raw, tmp_path=tmp_path)
    _assert_named_failure(proc, "NotFiniteError", "hours_given")
    assert "'a'" in proc.stderr


def test_invalid_json_is_a_named_error(tmp_path):
    _assert_named_failure(call_main("suggest", raw="{not json", tmp_path=tmp_path), "InputFileError", "JSON")


def test_missing_file_is_a_named_error(tmp_path):
    _assert_named_failure(call_main("suggest", str(tmp_path / "nope.json")), "InputFileError", "does not exist")


def test_top_must_be_positive(tmp_path):
    _assert_named_failure(call_main("suggest", "--top", "0", input_data=_base(), tmp_path=tmp_path),
                          "InputError", "--top")


def test_group_min_above_max_is_a_named_error(tmp_path):
    _assert_named_failure(call_main("groups", "--min", "6", "--max", "4", input_data=_base(), tmp_path=tmp_path),
                          "GroupSizeError", "min")


def test_unknown_option_exits_2_without_traceback(tmp_path):
    proc = run_cli("suggest", "--frobnicate", input_data=_base(), tmp_path=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "UsageError" in proc.stderr


def test_unknown_top_level_keys_are_ignored(tmp_path):
    d = _base()
    d["gold"] = {"k1": ["b"]}
    d["comment"] = "anything"
    proc = call_main("suggest", input_data=d, tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["suggestions"][0]["candidates"][0]["member_id"] == "b"
