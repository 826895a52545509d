"""Directory full-text search: a `member_fts` table on each database, kept in step by triggers.

SQLite: an external-content FTS5 table over `member.search_text` (ranked with bm25).
PostgreSQL: `member_fts(rowid, search_vector)` holding `to_tsvector('simple', search_text)`
with a GIN index (ix_member_search_fts), ranked with ts_rank. The vector is stored, not an
expression index on member, because ranking needs the vector of every match: recomputing
to_tsvector for each matching row cost about 0.25 ms a row (1.7 s for 6,600 matches at 50,000
members, bench/directory_search.py). It lives in its own table rather than a generated column
on member so that the models (and so SQLite) need not know about a PostgreSQL-only type.

Triggers fill both on every insert and on every change to search_text, whoever writes (ORM,
bulk Core inserts, SQL); deleting a member deletes its row (SQLite trigger, PostgreSQL
ON DELETE CASCADE). Neither table is a model: they come from the migration, and
hub.migrate.include_name leaves them out of the schema comparison.
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

POSTGRESQL_CREATE = [
    f"""CREATE TABLE {FTS_TABLE} (
        rowid integer NOT NULL,
        search_vector tsvector NOT NULL,
        CONSTRAINT pk_{FTS_TABLE} PRIMARY KEY (rowid),
        CONSTRAINT fk_{FTS_TABLE}_rowid_member FOREIGN KEY (rowid) REFERENCES member (id) ON DELETE CASCADE)""",
    f"CREATE INDEX ix_member_search_fts ON {FTS_TABLE} USING gin (search_vector)",
    f"""CREATE FUNCTION member_fts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {FTS_TABLE} (rowid, search_vector) VALUES (NEW.id, to_tsvector('{TS_CONFIG}', NEW.search_text))
        ON CONFLICT (rowid) DO UPDATE SET search_vector = EXCLUDED.search_vector;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER member_fts_ai AFTER INSERT ON member FOR EACH ROW EXECUTE FUNCTION member_fts_sync()",
    """CREATE TRIGGER member_fts_au AFTER UPDATE OF search_text ON member FOR EACH ROW
        WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text) EXECUTE FUNCTION member_fts_sync()""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS member_fts_au ON member",
    "DROP TRIGGER IF EXISTS member_fts_ai ON member",
    "DROP FUNCTION IF EXISTS member_fts_sync()",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]
CREATE = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRESQL_CREATE}
DROP = {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}

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
