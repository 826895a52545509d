"""Shape checks for what members type, shared by the HTML forms and the JSON API.

Each parser takes a plain mapping (a form or a JSON body) and returns a typed input, or raises
InvalidInput whose `errors` name every field that is wrong, so a form can show them inline.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Mapping

from hub.errors import InvalidInput
from hub.models import MATCHING_CHOICES, NATIONS, PREFERENCES, SECTORS, VISIBILITIES, WEAVING_ROLES
from hub.tags import MAX_LABEL, split_tags

MAX_TAGS = 20
MAX_LINKS = 5
MAX_LINK_LABEL, MAX_LINK_URL = 80, 500  # member_link's columns
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Bidi embeddings, overrides, isolates and marks. A name is shown inside other text on nearly every
#: page and mail; pages isolate it, but a name has no use for them, so they go at the form.
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class _Fields:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}

    def raw(self, name: str) -> Any:
        return self.data.get(name)

    def text(
        self, name: str, label: str, max_len: int, required: bool = False, multiline: bool = False,
        is_name: bool = False,
    ) -> str:
        value = self.raw(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.errors[name] = f"{label} must be text."
            return ""
        value = _CONTROL.sub("", value.replace("\r\n", "\n"))
        if is_name:
            value = _BIDI_CONTROLS.sub("", value)
        value = value.strip() if multiline else " ".join(value.split())
        if required and not value:
            self.errors[name] = f"{label} is required."
        elif len(value) > max_len:
            self.errors[name] = f"{label} must be at most {max_len} characters (it has {len(value)})."
        return value

    def choice(self, name: str, label: str, choices: Mapping[str, str] | tuple, default: str | None) -> str | None:
        value = self.raw(name)
        if value in (None, ""):
            return default
        if not isinstance(value, str) or value not in choices:
            self.errors[name] = f"Choose a {label.lower()} from the list."
            return default
        return value

    def choices(self, name: str, label: str, choices: Mapping[str, str]) -> list[str]:
        value = self.raw(name)
        values = [] if value in (None, "") else ([value] if isinstance(value, str) else value)
        if not isinstance(values, list) or any(not isinstance(v, str) or v not in choices for v in values):
            self.errors[name] = f"Choose {label.lower()} from the list."
            return []
        return sorted(set(values))

    def integer(self, name: str, label: str, low: int, high: int, default: int) -> int:
        value = self.raw(name)
        if value in (None, ""):
            return default
        try:
            number = int(value) if not isinstance(value, bool) else None
            if number is None or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
        except (TypeError, ValueError):
            self.errors[name] = f"{label} must be a whole number."
            return default
        if not low <= number <= high:
            self.errors[name] = f"{label} must be between {low} and {high}."
            return default
        return number

    def date(self, name: str, label: str, today: dt.date, future: bool) -> dt.date | None:
        value = self.raw(name)
        if value in (None, ""):
            return None
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            self.errors[name] = f"{label} must be a date like {today.isoformat()}."
            return None
        if future and day < today:
            self.errors[name] = f"{label} cannot be in the past."
            return None
        return day

    def tags(self, name: str, label: str) -> list[str]:
        value = self.raw(name)
        if value is not None and not isinstance(value, (str, list)):
            self.errors[name] = f"{label} must be a list of words or phrases."
            return []
        labels = split_tags(value)
        if len(labels) > MAX_TAGS:
            self.errors[name] = f"Please keep to {MAX_TAGS} {label.lower()} at most."
        elif any(len(label_) > MAX_LABEL for label_ in labels):
            self.errors[name] = f"Each of the {label.lower()} must be at most {MAX_LABEL} characters."
        return labels

    def done(self, message: str) -> None:
        if self.errors:
            raise InvalidInput(message, self.errors)


@dataclass(frozen=True)
class LinkInput:
    label: str
    url: str


@dataclass(frozen=True)
class ProfileInput:
    name: str
    pronouns: str | None
    organisation: str
    sector: str | None
    nation: str | None
    region: str
    bio: str
    interests: list[str]
    weaving_roles: list[str]
    hours_per_month: int
    prefers: str
    links: list[LinkInput]
    visibility: str
    matching: str
    matching_paused_until: dt.date | None


def _links(fields: _Fields) -> list[LinkInput]:
    value = fields.raw("links")
    if value in (None, ""):
        return []
    if isinstance(value, str):
        lines = [line.strip() for line in value.splitlines() if line.strip()]
        pairs = [line.split(":", 1) if not line.lower().startswith("http") else ["Website", line] for line in lines]
    elif isinstance(value, list) and all(isinstance(v, dict) for v in value):
        pairs = [[str(v.get("label", "")), str(v.get("url", ""))] for v in value]
    else:
        fields.errors["links"] = "Links must be lines like 'Bluesky: @name' or 'Website: https://example.org'."
        return []
    links = []
    for pair in pairs:
        if len(pair) != 2 or not pair[0].strip() or not pair[1].strip():
            fields.errors["links"] = "Write each link as 'Label: address', for example 'Website: https://example.org'."
            return []
        label, url = " ".join(pair[0].split()), pair[1].strip()
        # Refused, not cut short: a shortened address leads somewhere else.
        for part, text, limit in (("address", url, MAX_LINK_URL), ("label", label, MAX_LINK_LABEL)):
            if len(text) > limit:
                fields.errors["links"] = f"A link's {part} must be at most {limit} characters (one has {len(text)})."
                return []
        if ":" in url.split("/")[0] and not url.lower().startswith(("http://", "https://")):
            fields.errors["links"] = "Web links must start with http:// or https://."
            return []
        links.append(LinkInput(label=label, url=url))
    if len(links) > MAX_LINKS:
        fields.errors["links"] = f"Please keep to {MAX_LINKS} links at most."
    return links


def parse_profile(data: Mapping[str, Any], today: dt.date) -> ProfileInput:
    f = _Fields(data)
    matching = f.choice("matching", "Matching choice", MATCHING_CHOICES, "active")
    paused_until = f.date("matching_paused_until", "Pause until", today, future=True)
    if matching == "paused" and paused_until is None and "matching_paused_until" not in f.errors:
        f.errors["matching_paused_until"] = "Say until when you would like to pause."
    profile = ProfileInput(
        name=f.text("name", "Name", 120, required=True, is_name=True),
        pronouns=f.text("pronouns", "Pronouns", 40) or None,
        organisation=f.text("organisation", "Organisation", 160),
        sector=f.choice("sector", "Sector", SECTORS, None),
        nation=f.choice("nation", "Nation", NATIONS, None),
        region=f.text("region", "Region", 120),
        bio=f.text("bio", "Bio", 4000, multiline=True),
        interests=f.tags("interests", "Interests"),
        weaving_roles=f.choices("weaving_roles", "Network-weaving roles", WEAVING_ROLES),
        hours_per_month=f.integer("hours_per_month", "Hours a month", 0, 200, 0),
        prefers=f.choice("prefers", "Preference", PREFERENCES, "either") or "either",
        links=_links(f),
        visibility=f.choice("visibility", "Visibility", VISIBILITIES, "members") or "members",
        matching=matching or "active",
        matching_paused_until=paused_until if matching == "paused" else None,
    )
    f.done("Please correct the highlighted fields.")
    return profile


@dataclass(frozen=True)
class PostInput:
    title: str
    description: str
    tags: list[str]
    expires_on: dt.date | None


def parse_post(data: Mapping[str, Any], today: dt.date) -> PostInput:
    f = _Fields(data)
    post = PostInput(
        title=f.text("title", "Title", 160, required=True),
        description=f.text("description", "Description", 4000, multiline=True),
        tags=f.tags("tags", "Tags"),
        expires_on=f.date("expires_on", "Expiry date", today, future=True),
    )
    if post.title and len(post.title) < 3 and "title" not in f.errors:
        f.errors["title"] = "Title must be at least 3 characters."
    f.done("Please correct the highlighted fields.")
    return post
