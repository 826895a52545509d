"""The boundary: JSON in, dataclasses out (and back). Shape is checked against the shipped
JSON Schema (matching/input.schema.json); rules the schema cannot say (unique ids, known
members in the history, finite numbers) are checked here too. Every failure is a named
error whose message points at the member or field."""
from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

from .errors import (DuplicateIdError, InputFileError, NotFiniteError, SchemaError,
                     UnknownMemberError)
from .model import (Ask, Candidate, Community, Group, HistoryEntry, Offer, Pair, Participant,
                    Suggestion)

SCHEMA_FILE = "input.schema.json"


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(resources.files("matching").joinpath(SCHEMA_FILE).read_text("utf-8"))


def load_path(path: str | Path) -> Community:
    """Read, validate and convert an input file. Raises InputError subclasses only."""
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(f"input file {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read input file {str(path)!r}: {exc}") from None
    return loads(raw, source=str(path))


def loads(raw: str, source: str = "input") -> Community:
    try:
        data = json.loads(raw, parse_constant=_nonfinite)
    except json.JSONDecodeError as exc:
        raise InputFileError(f"{source} is not valid JSON: {exc.msg} at line {exc.lineno} "
                             f"column {exc.colno}") from None
    except RecursionError:
        raise InputFileError(f"{source} is nested too deeply") from None
    return from_dict(data)


def _nonfinite(name: str) -> float:
    return float("nan") if name == "NaN" else float(name.replace("Infinity", "inf"))


def from_dict(data: Any) -> Community:
    """Validate a parsed JSON document (a dict) and build a Community."""
    _check_finite(data, "input", data)
    validate_shape(data)
    members = []
    for m in data["members"]:
        attrs = m.get("attributes") or {}
        members.append(Participant(
            id=m["id"],
            interests=tuple(m.get("interests", ())),
            offers=tuple(Offer(o["id"], o["text"], tuple(o.get("tags", ()))) for o in m.get("offers", ())),
            asks=tuple(Ask(a["id"], a["text"], tuple(a.get("tags", ()))) for a in m.get("asks", ())),
            capacity=int(m.get("capacity", 1)),
            hours_given=float(m.get("hours_given", 0.0)),
            hours_received=float(m.get("hours_received", 0.0)),
            organisation=attrs.get("organisation"),
            sector=attrs.get("sector"),
            nation=attrs.get("nation"),
        ))
    history = tuple(HistoryEntry(h["a"], h["b"], h["outcome"]) for h in data.get("history", ()))
    community = Community(tuple(members), history)
    check_community(community)
    return community


def _where(data: Any, path: Iterable[Any]) -> str:
    """members[3] (id 'g04').offers[0].text"""
    out = ""
    node = data
    path = list(path)
    for i, p in enumerate(path):
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
        try:
            node = node[p]
        except (KeyError, IndexError, TypeError):
            node = None
        if i == 1 and path[0] == "members" and isinstance(node, Mapping) and isinstance(node.get("id"), str):
            out += f" (id {node['id']!r})"
    return out or "input"


def _check_finite(node: Any, where: str, root: Any, path: tuple = ()) -> None:
    if isinstance(node, float) and not math.isfinite(node):
        raise NotFiniteError(f"{_where(root, path)} is {node!r}: numbers must be finite")
    if isinstance(node, dict):
        for k, v in node.items():
            _check_finite(v, where, root, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _check_finite(v, where, root, path + (i,))


_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
               int: "an integer", float: "a number", type(None): "null"}


JSONSCHEMA_ALWAYS_UP_TO = 2000  # members; larger documents take the compiled fast path first


def _is_str_list(v: Any, max_len: int = 200) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) and len(x) <= max_len for x in v)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _fast_valid(data: Any) -> bool:
    """A plain-Python restatement of input.schema.json (the python jsonschema validator needs
    about a millisecond per member, a minute and a half at 100,000 members). True means the
    document satisfies the schema; False sends it to jsonschema for the exact message.
    tests/matching checks that the two agree."""
    if not isinstance(data, dict) or not isinstance(data.get("members"), list):
        return False
    hist = data.get("history", [])
    if not isinstance(hist, list):
        return False
    for h in hist:
        if not (isinstance(h, dict) and isinstance(h.get("a"), str) and isinstance(h.get("b"), str)
                and 0 < len(h["a"]) <= 200 and 0 < len(h["b"]) <= 200
                and h.get("outcome") in ("introduced", "declined") and type(h.get("outcome")) is str):
            return False
    for m in data["members"]:
        if not isinstance(m, dict):
            return False
        mid = m.get("id")
        if not isinstance(mid, str) or not 0 < len(mid) <= 200:
            return False
        if "interests" in m and not _is_str_list(m["interests"]):
            return False
        for kind in ("offers", "asks"):
            if kind in m:
                items = m[kind]
                if not isinstance(items, list):
                    return False
                for it in items:
                    if not (isinstance(it, dict) and isinstance(it.get("id"), str) and 0 < len(it["id"]) <= 200
                            and isinstance(it.get("text"), str) and len(it["text"]) <= 10000
                            and ("tags" not in it or _is_str_list(it["tags"]))):
                        return False
        if "capacity" in m:
            c = m["capacity"]
            if not (_is_num(c) and c == int(c) and c >= 0):
                return False
        for k in ("hours_given", "hours_received"):
            if k in m and not (_is_num(m[k]) and m[k] >= 0):
                return False
        if "attributes" in m:
            a = m["attributes"]
            if not isinstance(a, dict):
                return False
            for k in ("organisation", "sector", "nation"):
                if k in a and not (a[k] is None or isinstance(a[k], str)):
                    return False
    return True


def validate_shape(data: Any) -> None:
    """Check a parsed document against input.schema.json; raise SchemaError naming the field."""
    members = data.get("members") if isinstance(data, dict) else None
    if isinstance(members, list) and len(members) > JSONSCHEMA_ALWAYS_UP_TO and _fast_valid(data):
        return
    import jsonschema  # imported lazily: only the boundary needs it

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data),
                    key=lambda e: ([str(p) for p in e.absolute_path], e.validator))
    if not errors:
        return
    err = errors[0]
    where = _where(data, err.absolute_path)
    value = err.instance
    got = _JSON_TYPES.get(type(value), type(value).__name__)
    if err.validator == "type":
        want = err.validator_value
        want = " or ".join(want) if isinstance(want, list) else want
        msg = f"{where} must be {want}, got {got} {json.dumps(value)[:60]}"
    elif err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        msg = f"{where} is missing the required field {missing!r}"
    elif err.validator == "minimum":
        msg = f"{where} must be at least {err.validator_value}, got {value!r}"
    elif err.validator == "enum":
        msg = f"{where} must be one of {', '.join(map(repr, err.validator_value))}, got {value!r}"
    elif err.validator == "minLength":
        msg = f"{where} must not be empty"
    elif err.validator == "maxLength":
        msg = f"{where} is longer than {err.validator_value} characters"
    else:
        msg = f"{where}: {err.message}"
    raise SchemaError(msg)


def check_community(c: Community) -> None:
    """Rules beyond shape, for JSON and for dataclasses built in code alike."""
    if not isinstance(c, Community):
        raise SchemaError(f"expected a Community, got {type(c).__name__}")
    seen: dict[str, int] = {}
    asks: dict[str, str] = {}
    offers: dict[str, str] = {}
    for i, m in enumerate(c.members):
        if not isinstance(m, Participant):
            raise SchemaError(f"members[{i}] must be a Participant, got {type(m).__name__}")
        if not isinstance(m.id, str) or not m.id:
            raise SchemaError(f"members[{i}].id must be a non-empty string, got {m.id!r}")
        if m.id in seen:
            raise DuplicateIdError(f"member id {m.id!r} appears twice (members[{seen[m.id]}] and members[{i}])")
        seen[m.id] = i
        if isinstance(m.capacity, bool) or not isinstance(m.capacity, int) or m.capacity < 0:
            raise SchemaError(f"members[{i}] (id {m.id!r}).capacity must be a whole number >= 0, got {m.capacity!r}")
        for name in ("hours_given", "hours_received"):
            v = getattr(m, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise SchemaError(f"members[{i}] (id {m.id!r}).{name} must be a number, got {v!r}")
            if not math.isfinite(v):
                raise NotFiniteError(f"members[{i}] (id {m.id!r}).{name} is {v!r}: numbers must be finite")
            if v < 0:
                raise SchemaError(f"members[{i}] (id {m.id!r}).{name} must be at least 0, got {v!r}")
        for kind, items, registry in (("asks", m.asks, asks), ("offers", m.offers, offers)):
            for j, it in enumerate(items):
                if not isinstance(it.id, str) or not it.id:
                    raise SchemaError(f"members[{i}] (id {m.id!r}).{kind}[{j}].id must be a non-empty string")
                if not isinstance(it.text, str):
                    raise SchemaError(f"members[{i}] (id {m.id!r}).{kind}[{j}].text must be a string")
                if it.id in registry:
                    raise DuplicateIdError(f"{kind[:-1]} id {it.id!r} appears twice (members "
                                           f"{registry[it.id]!r} and {m.id!r})")
                registry[it.id] = m.id
    for i, h in enumerate(c.history):
        for side in ("a", "b"):
            mid = getattr(h, side)
            if mid not in seen:
                raise UnknownMemberError(f"history[{i}].{side} names member {mid!r}, who is not in members")
        if h.outcome not in ("introduced", "declined"):
            raise SchemaError(f"history[{i}].outcome must be 'introduced' or 'declined', got {h.outcome!r}")


def coerce(community: Community | Mapping) -> Community:
    """Accept a Community or a plain dict in the input format; validate either way."""
    if isinstance(community, Community):
        check_community(community)
        return community
    return from_dict(community)


# --- output ------------------------------------------------------------------------------

def _r(x: float) -> float:
    return round(float(x), 6)


def suggestions_json(items: Iterable[Suggestion]) -> dict:
    return {"suggestions": [
        {"ask_id": s.ask_id, "asker_id": s.asker_id, "candidates": [
            {"member_id": c.member_id, "offer_id": c.offer_id, "score": _r(c.score),
             "reasons": list(c.reasons)} for c in s.candidates]}
        for s in items]}


def pairs_json(pairs: Iterable[Pair]) -> dict:
    return {"pairs": [{"a": p.a, "b": p.b, "ask_id": p.ask_id, "offer_id": p.offer_id,
                       "score": _r(p.score), "reasons": list(p.reasons)} for p in pairs]}


def groups_json(groups: Iterable[Group]) -> dict:
    return {"groups": [{"members": list(g.members), "presenter": g.presenter, "reasons": list(g.reasons),
                        "why": [{"member": r.member, "text": r.text} for r in g.why]} for g in groups]}
