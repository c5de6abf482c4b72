"""The backups of docker-compose.yml, for real against PostgreSQL on 127.0.0.1:5432 (user postgres): backup.sh
dumps a migrated Convening database with each table's rows counted in the dump's snapshot and deletes expired
backups; restore_backup.sh restores one into a new scratch database and checks every table's rows against that
record, and refuses what it cannot check. Without the server (or its client programs) the tests are skipped on
a developer's machine and fail under CI, which has both."""

import os
import shutil
import stat
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.django_process import ROOT, run_django

SCRIPTS = ROOT / "scripts" / "backup"
SERVER = {"PGHOST": "127.0.0.1", "PGPORT": "5432", "PGUSER": "postgres"}
PROGRAMS = ("psql", "pg_dump", "pg_restore", "createdb", "dropdb")


def connect(database: str = "postgres") -> psycopg.Connection:
    return psycopg.connect(
        host=SERVER["PGHOST"], port=SERVER["PGPORT"], user=SERVER["PGUSER"], dbname=database, connect_timeout=3
    )


def unavailable() -> str | None:
    missing = [program for program in PROGRAMS if shutil.which(program) is None]
    if missing:
        return f"needs PostgreSQL's client programs ({', '.join(missing)} missing)"
    try:
        connect().close()
    except psycopg.OperationalError as error:
        return f"needs PostgreSQL on {SERVER['PGHOST']}:{SERVER['PGPORT']} (user postgres): {error}"
    return None


@pytest.fixture(scope="module")
def databases() -> Iterator[Callable[[str], str]]:
    """Names a database of this run (unique, so runs side by side never meet) and drops every one at the end."""
    if problem := unavailable():
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(f"{problem}; CI must run the backup tests")
        pytest.skip(problem)
    run = uuid.uuid4().hex[:12]
    names: list[str] = []

    def name(role: str) -> str:
        names.append(f"backup_test_{run}_{role}")
        return names[-1]

    yield name
    with connect() as connection:
        connection.autocommit = True
        for database in names:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))


def row_counts(database: str) -> dict[str, int]:
    with connect(database) as connection:
        tables = [
            table
            for (table,) in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        counts = {}
        for table in tables:
            query = sql.SQL("SELECT count(*) FROM public.{}").format(sql.Identifier(table))
            row = connection.execute(query).fetchone()
            assert row is not None
            counts[table] = row[0]
        return counts


def exists(database: str) -> bool:
    with connect() as connection:
        return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone() is not None


def script(name: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(SCRIPTS / name), *args],
        env={**os.environ, **SERVER, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def source(databases) -> str:
    """Convening's real schema, and the rows its migrations write (content types, permissions, the rubrics)."""
    database = databases("source")
    with connect() as connection:
        connection.autocommit = True
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    url = f"postgres://{SERVER['PGUSER']}@{SERVER['PGHOST']}:{SERVER['PGPORT']}/{database}"
    result = run_django(
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('migrate', verbosity=0)",
        DEBUG="true",
        DATABASE_URL=url,
    )
    assert result.returncode == 0, result.stderr
    return database


@pytest.fixture(scope="module")
def backup(source, tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("backups")
    result = script("backup.sh", PGDATABASE=source, BACKUP_DIR=str(directory))
    assert result.returncode == 0, result.stderr
    (dump,) = directory.glob("convening-*.dump")
    return dump


def copy_of(backup: Path, directory: Path) -> Path:
    for suffix in (".dump", ".counts"):
        shutil.copy(backup.with_suffix(suffix), directory / backup.with_suffix(suffix).name)
    return directory / backup.name


def test_a_backup_records_every_table_s_rows_and_is_private(source, backup):
    counts = row_counts(source)
    assert sum(counts.values()) > 0
    recorded = dict(line.rsplit("|", 1) for line in backup.with_suffix(".counts").read_text().splitlines())
    assert {table: int(rows) for table, rows in recorded.items()} == counts
    for path in (backup, backup.with_suffix(".counts")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_restore_into_a_scratch_database_has_every_row_of_the_backup(databases, source, backup):
    target = databases("restored")
    result = script("restore_backup.sh", str(backup), target)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"restore verified: {target} has the {len(row_counts(source))} tables")
    assert row_counts(target) == row_counts(source)


def test_a_restore_whose_counts_differ_fails_naming_the_table(databases, backup, tmp_path):
    tampered = copy_of(backup, tmp_path)
    counts = tampered.with_suffix(".counts")
    counts.write_text(counts.read_text().replace("django_migrations|", "django_migrations|1"))
    target = databases("tampered")
    result = script("restore_backup.sh", str(tampered), target)
    assert result.returncode == 1
    assert "< django_migrations|1" in result.stderr
    assert "row counts differ" in result.stderr
    assert "restore verified" not in result.stdout
    assert exists(target), "kept for inspection"


def test_a_restore_refuses_a_database_that_exists_and_changes_nothing(databases, backup):
    target = databases("taken")
    with connect() as connection:
        connection.autocommit = True
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target)))
    with connect(target) as connection:
        connection.execute("CREATE TABLE kept (id int)")
        connection.execute("INSERT INTO kept VALUES (1)")
    result = script("restore_backup.sh", str(backup), target)
    assert result.returncode == 1
    assert "nothing was changed" in result.stderr
    assert row_counts(target) == {"kept": 1}


@pytest.mark.parametrize(
    ("damage", "message"),
    [("counts", "no row counts beside the backup"), ("dump", "pg_restore refused")],
)
def test_a_backup_that_cannot_be_checked_is_refused_leaving_no_database(databases, backup, tmp_path, damage, message):
    broken = copy_of(backup, tmp_path)
    if damage == "counts":
        broken.with_suffix(".counts").unlink()
    else:
        broken.write_bytes(broken.read_bytes()[: broken.stat().st_size // 2])
    target = databases(f"broken_{damage}")
    result = script("restore_backup.sh", str(broken), target)
    assert result.returncode == 1
    assert message in result.stderr
    assert not exists(target)


def test_a_bad_database_name_is_refused(backup):
    result = script("restore_backup.sh", str(backup), "x; DROP DATABASE postgres")
    assert result.returncode == 1
    assert "may hold only a-z, 0-9 and _" in result.stderr


def test_backups_older_than_the_kept_days_are_deleted(source, tmp_path):
    day = 24 * 60 * 60
    ages = {"convening-old.dump": 15 * day, "convening-old.counts": 15 * day, "convening-recent.dump": 13 * day}
    for name, age in ages.items():
        (tmp_path / name).write_text("")
        os.utime(tmp_path / name, (time.time() - age, time.time() - age))
    (tmp_path / "not-a-backup.txt").write_text("")
    os.utime(tmp_path / "not-a-backup.txt", (time.time() - 30 * day, time.time() - 30 * day))
    result = script("backup.sh", PGDATABASE=source, BACKUP_DIR=str(tmp_path), BACKUP_KEEP_DAYS="14")
    assert result.returncode == 0, result.stderr
    remaining = {path.name for path in tmp_path.iterdir()}
    (new,) = {name for name in remaining if name.startswith("convening-2") and name.endswith(".dump")}
    assert remaining == {new, new.replace(".dump", ".counts"), "convening-recent.dump", "not-a-backup.txt"}
    assert "backup deleted (older than 14 days)" in result.stdout


def test_a_bad_number_of_days_is_refused_before_anything_is_written(source, tmp_path):
    result = script("backup.sh", PGDATABASE=source, BACKUP_DIR=str(tmp_path), BACKUP_KEEP_DAYS="two weeks")
    assert result.returncode == 2
    assert "BACKUP_KEEP_DAYS must be a whole number" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_backup_of_an_unreachable_database_leaves_no_file(databases, tmp_path):
    result = script("backup.sh", PGDATABASE=databases("never_created"), BACKUP_DIR=str(tmp_path))
    assert result.returncode != 0
    assert list(tmp_path.iterdir()) == []


def test_a_dump_that_fails_half_way_leaves_no_file(source, tmp_path):
    """pg_dump dying after it began writing (a full disk, a lost connection)."""
    programs = tmp_path / "bin"
    programs.mkdir()
    (programs / "pg_dump").write_text(
        '#!/bin/sh\nfor arg; do case $arg in --file=*) echo half > "${arg#--file=}" ;; esac; done\nexit 1\n'
    )
    (programs / "pg_dump").chmod(0o755)
    backups = tmp_path / "backups"
    result = script(
        "backup.sh", PGDATABASE=source, BACKUP_DIR=str(backups), PATH=f"{programs}{os.pathsep}{os.environ['PATH']}"
    )
    assert result.returncode == 1
    assert "pg_dump did not finish" in result.stderr
    assert list(backups.iterdir()) == []
