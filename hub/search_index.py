"""Directory full-text search: PostgreSQL's GIN tsvector index, SQLite's FTS5 table.

PostgreSQL indexes `to_tsvector('simple', member.search_text)` (declared on the model).
SQLite has no such index, so an external-content FTS5 table mirrors `member.search_text`
and triggers keep it in step with every insert, update and delete.
"""

from __future__ import annotations

import re

FTS_TABLE = "member_fts"
#: No stemming on either database: people type the start of a word and expect it to match
#: ("evaluat" finds "evaluating"), which a stemmed index cannot do consistently.
TS_CONFIG = "simple"

SQLITE_CREATE = [
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
    "search_text, content='member', content_rowid='id', tokenize='unicode61')",
    f"""CREATE TRIGGER member_fts_ai AFTER INSERT ON member BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END""",
    f"""CREATE TRIGGER member_fts_ad AFTER DELETE ON member BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES('delete', old.id, old.search_text); END""",
    f"""CREATE TRIGGER member_fts_au AFTER UPDATE OF search_text ON member BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES('delete', old.id, old.search_text);
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS member_fts_au",
    "DROP TRIGGER IF EXISTS member_fts_ad",
    "DROP TRIGGER IF EXISTS member_fts_ai",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]

_WORD = re.compile(r"[\w']+", re.UNICODE)


def is_search_index_object(name: str) -> bool:
    return name == FTS_TABLE or name.startswith(FTS_TABLE + "_")


def words(query: str) -> list[str]:
    return [w.strip("'").lower() for w in _WORD.findall(query) if w.strip("'")][:12]


def fts5_query(query: str) -> str | None:
    """Every word must match, as a prefix; quoting each word makes FTS5 syntax inert."""
    terms = words(query)
    if not terms:
        return None
    return " AND ".join(f'"{t}"*' for t in terms)


def tsquery_text(query: str) -> str | None:
    """For to_tsquery: each word as a prefix, all required; no operator a member types survives."""
    terms = [re.sub(r"[^\w]", "", t) for t in words(query)]
    terms = [t for t in terms if t]
    if not terms:
        return None
    return " & ".join(f"{t}:*" for t in terms)
