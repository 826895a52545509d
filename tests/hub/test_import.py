"""`hub import-members members.csv`: every bad row named, nothing half-imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from hub import directory
from hub.importer import ImportFailed, import_csv
from hub.models import Member, Post
from tests.support import START, make_member

HEADER = "email,name,organisation,sector,nation,interests,weaving_roles,hours_per_month,offers,asks\n"
GOOD = (
    HEADER
    + "ana@example.org,Ana Jones,Valley Trust,Third sector,Wales,Network mapping; Kumu,Connector,4,Kumu clinics,\n"
    + "ben@example.org,Ben Ode,City Council,local_authority,England,Co-production,,2,,How do we evaluate our network?\n"
)


async def count(db, model) -> int:  # noqa: ANN001
    await db.commit()
    return await db.scalar(select(func.count()).select_from(model))


async def test_a_spreadsheet_of_members_is_imported_with_interests_roles_offers_and_asks(db):
    assert await import_csv(db, GOOD, START) == 2
    ana = await db.scalar(select(Member).where(Member.email == "ana@example.org"))
    assert (ana.name, ana.sector, ana.nation, ana.hours_per_month) == ("Ana Jones", "third_sector", "wales", 4)
    assert await count(db, Post) == 2


async def test_imported_members_are_found_by_the_words_and_tags_of_their_offers_and_asks(db):
    await import_csv(db, GOOD, START)
    await db.commit()
    viewer = await make_member(db, name="Viewer", interests=[])
    found = await directory.search(db, viewer, directory.DirectoryQuery(q="clinics", tag="Kumu"))
    assert [m.name for m in found.members] == ["Ana Jones"]
    found = await directory.search(db, viewer, directory.DirectoryQuery(q="evaluate"))
    assert [m.name for m in found.members] == ["Ben Ode"]


async def merge_work_left(db) -> int:  # noqa: ANN001
    """What the directory's index still had to merge: on SQLite, rows an FTS5 'merge' wrote (below
    2 means it found a single segment); on PostgreSQL, pages in the GIN index's pending list."""
    if db.bind.dialect.name == "sqlite":
        before = await db.scalar(text("SELECT total_changes()"))
        await db.execute(text("INSERT INTO member_fts(member_fts, rank) VALUES('merge', -1)"))
        return max(0, await db.scalar(text("SELECT total_changes()")) - before - 1)
    return await db.scalar(text("SELECT gin_clean_pending_list('ix_member_search_fts')"))


async def test_an_import_leaves_the_directory_index_merged(db):
    """A bulk load leaves FTS5 in many segments (ranking a common word with a tag took 27 ms rather
    than 15 ms at 50,000 members) and PostgreSQL's GIN index with a pending list to scan."""
    for _ in range(3):
        await make_member(db)  # each in its own transaction, and so its own segment
    await import_csv(db, GOOD, START)
    assert await merge_work_left(db) == 0


async def test_every_bad_row_is_named_and_nothing_is_imported(db):
    await make_member(db, email="taken@example.org")
    bad = (
        GOOD
        + "not-an-email,Cat,,,,,,,,\n"
        + "dan@example.org,,,Astrology,Mars,,Wizard,lots,,\n"
        + "ana@example.org,Ana Again,,,,,,,,\n"
        + "taken@example.org,Taken,,,,,,,,\n"
    )
    with pytest.raises(ImportFailed) as failure:
        await import_csv(db, bad, START)
    problems = "\n".join(failure.value.problems)
    assert "Row 4 (not-an-email)" in problems
    for fragment in ("Row 5 (dan@example.org): Name is required", "Row 5 (dan@example.org): Choose a sector",
                     "Row 5 (dan@example.org): Choose a nation", "Row 5 (dan@example.org): Hours a month",
                     "Row 5 (dan@example.org): Choose network-weaving roles",
                     "Row 6 (ana@example.org): the same email is already on row 2",
                     "Row 7 (taken@example.org): already a member"):
        assert fragment in problems
    assert await count(db, Member) == 1 and await count(db, Post) == 0


async def test_a_file_without_the_required_columns_is_refused_with_the_known_columns(db):
    with pytest.raises(ImportFailed) as failure:
        await import_csv(db, "mail,fullname\nx@example.org,X\n", START)
    assert "missing: email, name" in failure.value.problems[0]


def test_the_command_line_reports_bad_rows_and_exits_2(tmp_path, sqlite_template):
    import shutil

    database = tmp_path / "hub.sqlite3"
    shutil.copy(sqlite_template, database)
    csv_file = tmp_path / "members.csv"
    csv_file.write_text(HEADER + "bad,,,,,,,,,\n")
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{database}", "SECRET_KEY": "x"}
    result = subprocess.run([sys.executable, "-m", "hub.cli", "import-members", str(csv_file)],
                            capture_output=True, text=True, env=env, cwd=Path(__file__).parents[2])
    assert result.returncode == 2
    assert "Nothing was imported" in result.stderr and "Row 2 (bad)" in result.stderr
    assert "Traceback" not in result.stderr
    csv_file.write_text(GOOD)
    result = subprocess.run([sys.executable, "-m", "hub.cli", "import-members", str(csv_file)],
                            capture_output=True, text=True, env=env, cwd=Path(__file__).parents[2])
    assert result.returncode == 0 and "Imported 2 members" in result.stdout


async def test_a_cell_longer_than_any_column_holds_is_a_row_error_and_nothing_is_imported(db):
    huge = "x" * 131_073  # one more than the csv module's limit for a cell
    with pytest.raises(ImportFailed) as failure:
        await import_csv(db, GOOD + f"cai@example.org,Cai,{huge},,,,,,,\n", START)
    assert failure.value.problems == [
        "Row 4 (line 4): a cell is longer than 131,072 characters, far more than any column holds."
        " The rows after it were not checked."
    ]
    assert await count(db, Member) == 0


UNBALANCED = {
    "a quote closed by one on the next row": '"Ana Jones,Valley Trust\nben@example.org,Ben Ode,"City Council"\n',
    "a quote never closed": '"Ana Jones,Valley Trust\nben@example.org,Ben Ode,City Council\n',
    "a quote closed just before a comma on the next row": '"Ana Jones,Valley Trust\nben@example.org,Ben Ode",City\n',
}


@pytest.mark.parametrize("rest", UNBALANCED.values(), ids=UNBALANCED.keys())
async def test_an_unbalanced_quote_is_a_row_error_not_a_garbled_name_and_a_lost_member(db, rest):
    with pytest.raises(ImportFailed) as failure:
        await import_csv(db, "email,name,organisation\nana@example.org," + rest, START)
    (problem,) = failure.value.problems
    assert problem.startswith("Row 2 (") and "lines 2-3" in problem and 'a quote (")' in problem
    assert await count(db, Member) == 0


async def test_a_row_with_fewer_cells_than_columns_is_named_and_nothing_is_imported(db):
    with pytest.raises(ImportFailed) as failure:
        await import_csv(db, GOOD + "cai@example.org,Cai Hughes,Valley Trust\n", START)
    assert failure.value.problems == [
        "Row 4 (cai@example.org): has 3 cells, but the first row names 10 columns; every row needs a cell for each,"
        " even an empty one."
    ]
    assert await count(db, Member) == 0
