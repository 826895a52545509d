"""Directory full-text search: a `member_fts` table on each database, kept in step by triggers.

It indexes two member columns the app keeps (hub.members.index_for_search): `search_text`, the
words of the profile and its open posts, and `search_tags`, the ids of the tags the member is
found by. Tags sit in the same index as words so that "a word and a tag" is answered by
intersecting posting lists inside one index, and only the intersection is ranked.

SQLite: an external-content FTS5 table over member's two columns (ranked with bm25, counting the
words column only), with prefix indexes for the word starts people type; words are matched in
`search_text` only, so a typed number never matches a tag id.
PostgreSQL: `member_fts(rowid, search_vector, name, status, visibility)` where the vector is
`to_tsvector('simple', search_text)` plus a "#<id>" lexeme per tag, with a GIN index
(ix_member_search_fts), ranked with ts_rank. The vector is stored, not an expression index on
member, because ranking needs the vector of every match: recomputing to_tsvector for each
matching row cost about 0.25 ms a row (1.7 s for 6,600 matches at 50,000 members,
bench/directory_search.py). It lives in its own table rather than a generated column on member so
that the models (and so SQLite) need not know about a PostgreSQL-only type.

Triggers fill both on every insert and on every change to the indexed columns, whoever writes
(ORM, bulk Core inserts, SQL); deleting a member deletes its row (SQLite trigger, PostgreSQL
ON DELETE CASCADE). Neither table is a model: they come from the migrations (0001 made version 1,
words only; 0005 version 2, with tags; 0006 version 3 on SQLite, with prefix indexes), and
hub.migrate.include_name leaves them out of the schema comparison.
"""

from __future__ import annotations

import re

FTS_TABLE = "member_fts"
#: No stemming on either database: people type the start of a word and expect it to match
#: ("evaluat" finds "evaluating"), which a stemmed index cannot do consistently.
TS_CONFIG = "simple"
#: PostgreSQL: a tag is the lexeme "#<tag id>" in the member's vector. A word typed in the search
#: box never starts with "#" (tsquery_text keeps only word characters), so it cannot match one.
TAG_LEXEME_PREFIX = "#"

# Version 1 (migration 0001): words only. Kept as it was, since 0001 and 0005's downgrade build it.
V1_SQLITE_CREATE = [
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

V1_POSTGRESQL_CREATE = [
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
V1_CREATE = {"sqlite": V1_SQLITE_CREATE, "postgresql": V1_POSTGRESQL_CREATE}
#: After V1_CREATE on a table that already has members (0005's downgrade).
V1_FILL = {
    "sqlite": [f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES('rebuild')"],
    "postgresql": [
        f"INSERT INTO {FTS_TABLE} (rowid, search_vector) SELECT id, to_tsvector('{TS_CONFIG}', search_text) FROM member"
    ],
}

# Version 2 (migration 0005): words and tags in one index, so that a word-and-tag search is one
# index lookup that intersects posting lists, and only the intersection is ranked.
# Version 3 (migration 0006, SQLite only): the same FTS5 table with prefix indexes.
#: SQLite, version 3: FTS5 keeps, for every word start of these lengths, the merged list of the
#: members whose words start so. Every typed word is a prefix query, which without them merges
#: the lists of all the words that start alike ("network" is network, networks and networking)
#: on every search: 24 ms rather than 16 ms to rank "network" with a tag at 50,000 members
#: (bench/directory_search.py). Shorter starts are rarely typed; longer ones are shared by few
#: words. The price is a larger index: 67 MB rather than 17 MB at 50,000 members.
SQLITE_PREFIX_LENGTHS = "3 4 5 6 7 8 9 10 11 12"


def _sqlite_create(fts5_options: str = "") -> list[str]:
    return [
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
        f"search_text, search_tags, content='member', content_rowid='id', tokenize='unicode61'{fts5_options})",
        f"""CREATE TRIGGER member_fts_ai AFTER INSERT ON member BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_text, search_tags) VALUES (new.id, new.search_text, new.search_tags); END""",
        f"""CREATE TRIGGER member_fts_ad AFTER DELETE ON member BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text, search_tags)
        VALUES('delete', old.id, old.search_text, old.search_tags); END""",
        f"""CREATE TRIGGER member_fts_au AFTER UPDATE OF search_text, search_tags ON member BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text, search_tags)
        VALUES('delete', old.id, old.search_text, old.search_tags);
        INSERT INTO {FTS_TABLE}(rowid, search_text, search_tags) VALUES (new.id, new.search_text, new.search_tags); END""",
    ]


V2_SQLITE_CREATE = _sqlite_create()
SQLITE_CREATE = _sqlite_create(f", prefix='{SQLITE_PREFIX_LENGTHS}'")
#: After SQLITE_CREATE on a table that already has members: FTS5 reads the content table again.
SQLITE_FILL = V1_FILL["sqlite"]

def _pg_vector(row: str) -> str:
    """The member's words, then a "#<tag id>" lexeme for each of its tags."""
    return (
        f"to_tsvector('{TS_CONFIG}', {row}.search_text) || array_to_tsvector(ARRAY("
        f"SELECT '{TAG_LEXEME_PREFIX}' || t FROM unnest(string_to_array({row}.search_tags, ' ')) AS t WHERE t <> ''))"
    )


#: PostgreSQL keeps in member_fts what a word or tag search filters and orders by (status,
#: visibility, name), so that such a search never reads member: joining 8,000 matches back to
#: member cost more than finding and ranking them.
_PG_COLUMNS = ("search_text", "search_tags", "name", "status", "visibility")
POSTGRESQL_CREATE = [
    f"""CREATE TABLE {FTS_TABLE} (
        rowid integer NOT NULL,
        search_vector tsvector NOT NULL,
        name varchar(120) NOT NULL,
        status varchar(20) NOT NULL,
        visibility varchar(20) NOT NULL,
        CONSTRAINT pk_{FTS_TABLE} PRIMARY KEY (rowid),
        CONSTRAINT fk_{FTS_TABLE}_rowid_member FOREIGN KEY (rowid) REFERENCES member (id) ON DELETE CASCADE)""",
    f"CREATE INDEX ix_member_search_fts ON {FTS_TABLE} USING gin (search_vector)",
    f"""CREATE FUNCTION member_fts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {FTS_TABLE} (rowid, search_vector, name, status, visibility)
        VALUES (NEW.id, {_pg_vector('NEW')}, NEW.name, NEW.status, NEW.visibility)
        ON CONFLICT (rowid) DO UPDATE SET search_vector = EXCLUDED.search_vector, name = EXCLUDED.name,
            status = EXCLUDED.status, visibility = EXCLUDED.visibility;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER member_fts_ai AFTER INSERT ON member FOR EACH ROW EXECUTE FUNCTION member_fts_sync()",
    f"""CREATE TRIGGER member_fts_au AFTER UPDATE OF {', '.join(_PG_COLUMNS)} ON member FOR EACH ROW
        WHEN ({' OR '.join(f'OLD.{c} IS DISTINCT FROM NEW.{c}' for c in _PG_COLUMNS)})
        EXECUTE FUNCTION member_fts_sync()""",
]
#: After POSTGRESQL_CREATE on a table that already has members.
POSTGRESQL_FILL = [
    f"""INSERT INTO {FTS_TABLE} (rowid, search_vector, name, status, visibility)
    SELECT id, {_pg_vector('member')}, name, status, visibility FROM member"""
]
#: The current version on each database.
CREATE = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRESQL_CREATE}
#: Version 2, which 0005 builds and 0006's downgrade rebuilds (PostgreSQL's is the current one).
V2_CREATE = {"sqlite": V2_SQLITE_CREATE, "postgresql": POSTGRESQL_CREATE}
FILL = {"sqlite": SQLITE_FILL, "postgresql": POSTGRESQL_FILL}
DROP = {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}

#: After a bulk load (an import or the demo, hub.importer.add_records), on the current version.
#: - SQLite: FTS5 writes a large transaction as many segments, and ranking reads every segment
#:   for every match: 27 ms rather than 15 ms for a common word with a tag at 50,000 members
#:   (bench/directory_search.py). 'optimize' merges them into one (about 2 s at that size). Day to
#:   day edits need nothing: FTS5's automerge keeps their small segments in check (5,000 single
#:   edits later, the same search took 16 ms).
#: - PostgreSQL: new rows wait in the GIN index's pending list, which every search scans whole
#:   until autovacuum merges it; merging it now spares the first searches after an import.
TIDY_AFTER_BULK_LOAD = {
    "sqlite": [f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES('optimize')"],
    "postgresql": ["SELECT gin_clean_pending_list('ix_member_search_fts')"],
}

_WORD = re.compile(r"[\w']+", re.UNICODE)


def is_search_index_object(name: str) -> bool:
    return name == FTS_TABLE or name.startswith(FTS_TABLE + "_")


def words(query: str) -> list[str]:
    return [w.strip("'").lower() for w in _WORD.findall(query) if w.strip("'")][:12]


def fts5_query(query: str, tag_id: int | None = None) -> str | None:
    """Every word must match, as a prefix, in the words column; quoting each word makes FTS5
    syntax inert, and the column filter keeps a typed number from matching a tag id."""
    parts = []
    terms = words(query)
    if terms:
        parts.append("{search_text} : (" + " AND ".join(f'"{t}"*' for t in terms) + ")")
    if tag_id is not None:
        parts.append(f'{{search_tags}} : "{int(tag_id)}"')
    return " AND ".join(parts) or None


def tsquery_text(query: str) -> str | None:
    """For to_tsquery: each word as a prefix, all required; no operator a member types survives."""
    terms = [re.sub(r"[^\w]", "", t) for t in words(query)]
    terms = [t for t in terms if t]
    if not terms:
        return None
    return " & ".join(f"{t}:*" for t in terms)


def tag_tsquery_text(tag_id: int) -> str:
    """For a cast to tsquery (not to_tsquery, whose parser would drop the "#"): the tag's lexeme."""
    return f"'{TAG_LEXEME_PREFIX}{int(tag_id)}'"
