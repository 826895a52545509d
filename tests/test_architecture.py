"""The import rules of DESIGN.md, checked by import-linter rather than by review."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_rules_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and "0 broken" in result.stdout


# --- Time: rules compare only times that come from the clock the hub was given -------------------
# A rule that compares a wall-clock value with the injected `now` passes only while the real date is
# near the tests' fixed clock, and fails once the calendar moves on (main's CI went red that way).

import ast  # noqa: E402

from hub.db import utcnow  # noqa: E402
from hub.models import Base  # noqa: E402

import events.models  # noqa: E402,F401  (its tables join Base.metadata)

SOURCES = [p for package in ("hub", "events", "matching") for p in (ROOT / package).rglob("*.py")
           if "migrations" not in p.parts]

#: Where the wall clock may be read, and why: entry points choose the real clock for a process;
#: everything else is handed a clock or a `now`.
WALL_CLOCK_READERS = {
    "hub/db.py": "defines utcnow",
    "hub/models.py": "stamps the export-only record columns (checked below)",
    "hub/cli.py": "the command line runs on the real clock",
    "hub/app.py": "create_app's default clock",
    "hub/oidc.py": "ID tokens carry the provider's real times, so they are checked against the real clock",
    "hub/tags.py": "how long the popular-tags cache is kept; no rule reads it",
}


def _wall_clock_columns() -> set[tuple[str, str]]:
    def from_clock(default) -> bool:  # noqa: ANN001
        # SQLAlchemy wraps a callable default and keeps the original as __wrapped__.
        return default is not None and getattr(default.arg, "__wrapped__", None) is utcnow

    return {(table.name, column.key) for table in Base.metadata.tables.values() for column in table.columns
            if from_clock(column.default) or from_clock(column.onupdate)}


def _mapped_class_names_by_table() -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for mapper in Base.registry.mappers:
        for table in mapper.tables:
            names.setdefault(table.name, set()).add(mapper.class_.__name__)
    return names


def test_only_entry_points_read_the_wall_clock():
    readers = set()
    for path in SOURCES:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            named_utcnow = isinstance(node, ast.Name) and node.id == "utcnow" \
                or isinstance(node, ast.Attribute) and node.attr == "utcnow"
            calls_now = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("now", "today", "utcnow") and not node.args and not node.keywords
            if named_utcnow or calls_now:
                readers.add(path.relative_to(ROOT).as_posix())
    readers.discard("hub/db.py")
    assert readers <= set(WALL_CLOCK_READERS), sorted(readers - set(WALL_CLOCK_READERS))


def test_no_rule_compares_a_column_stamped_by_the_wall_clock():
    stamped = _wall_clock_columns()
    assert stamped == {("member", "updated_at"), ("post", "created_at"), ("post", "updated_at")}
    classes = _mapped_class_names_by_table()
    forbidden = {(cls, column) for table, column in stamped for cls in classes[table]}
    found = []
    for path in SOURCES:
        if path.name == "models.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and (node.value.id, node.attr) in forbidden:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value.id}.{node.attr}")
    assert found == [], found


# --- Media types: Litestar appends "; charset=<encoding>" to every text/* media type it is given, so a
# media type that names its charset goes out with two ("text/csv; charset=utf-8; charset=utf-8").


def test_no_text_media_type_in_the_code_names_its_own_charset():
    found = [f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}" for path in SOURCES
             for node in ast.walk(ast.parse(path.read_text()))
             if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and node.value.startswith("text/") and "charset" in node.value]
    assert found == [], found
