"""The plans of the queries that read one round's rows, under PostgreSQL's
stock settings and tuned ones (issue 16): whether one round's figures are
reached by index scans without tuning the server.

    python bench/plans.py --out bench/results/plans.json

For the 2,000 and 20,000 respondent rounds of the state data: the floor
(bench/measure.py's one raw query), the slowest statements of making the
round's release, and the slowest of reading results.json from it. Each is
run under EXPLAIN (ANALYZE, BUFFERS) in one session under both settings,
warmed first, then in turns. Writes the plans as text beside the JSON
summary (plans/{stock,tuned}-<round>-<query>.txt).

Run by bench/run, with DJANGO_SETTINGS_MODULE=bench.settings and DATABASE_URL set."""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.backends.postgresql.operations import DatabaseOperations  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from assessments.models import Rating, Round  # noqa: E402
from assessments.results.releases import release_to_show  # noqa: E402
from bench import loaddata  # noqa: E402
from bench.measure import FLOOR_SQL, forget_release  # noqa: E402
from convening.models import User  # noqa: E402

STOCK, TUNED = "stock", "tuned"
SHOWN = ("random_page_cost", "effective_cache_size", "work_mem")
WATCHED = ("assessments_rating", "assessments_response")
SIZES = (2000, 20000)
SLOWEST = 4  # statements kept per reading
RUNS = 3
STATEMENTS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")  # what EXPLAIN takes; not SAVEPOINT and the like


@dataclass
class Query:
    name: str
    reading: str  # floor, make (the release), json (results.json from the release)
    sql: str
    # Whether it ran with the round's releases just deleted: it is replayed so, in a transaction rolled back.
    fresh: bool = False


class Scan(TypedDict):
    node: str  # Seq Scan, Parallel Seq Scan, Index Scan, Index Only Scan, Bitmap Heap Scan, …
    relation: str
    index: str | None


def tuned_settings() -> dict[str, str]:
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {"random_page_cost": "1.1", "effective_cache_size": f"{memory_kb * 3 // 4 // 1024}MB", "work_mem": "64MB"}


def use(setting: str) -> dict[str, str]:
    """Sets the session to `setting` and says what it holds."""
    with connection.cursor() as cursor:
        # The server's own configuration: nothing this session set.
        cursor.execute("RESET ALL")
        if setting == TUNED:
            for name, value in tuned_settings().items():
                cursor.execute("SELECT set_config(%s, %s, false)", [name, value])
        shown = {}
        for name in SHOWN:
            cursor.execute("SELECT current_setting(%s)", [name])
            shown[name] = cursor.fetchone()[0]
    connection.ensure_timezone()  # RESET ALL reset the time zone Django set too
    return shown


def _label(sql: str) -> str:
    """A statement's verb and first table, for a file name: select-rating, insert-releasemember."""
    verb = sql.lstrip().split(None, 1)[0].lower()
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(?:assessments_|convening_|rubrics_)?(\w+)"?', sql, re.IGNORECASE)
    return f"{verb}-{table.group(1)}" if table else verb


def _slowest(queries: list[dict[str, str]], reading: str, fresh: bool = False) -> list[Query]:
    statements = [query for query in queries if query["sql"].lstrip().upper().startswith(STATEMENTS)]
    slowest = sorted(range(len(statements)), key=lambda at: float(statements[at]["time"]), reverse=True)[:SLOWEST]
    # Numbered in the order they ran, which does not change from run to run as their times may.
    kept = [statements[at]["sql"] for at in sorted(slowest)]
    return [Query(f"{reading}-{rank}-{_label(sql)}", reading, sql, fresh) for rank, sql in enumerate(kept, 1)]


def captured(round_: Round, client: Client) -> list[Query]:
    """The round's statements that matter: the floor, making its release, results.json from it."""
    assert isinstance(connection.ops, DatabaseOperations), "plans are PostgreSQL's"
    queries = [Query("floor", "floor", connection.ops.compose_sql(FLOOR_SQL, [round_.pk]))]
    forget_release(round_)()
    with CaptureQueriesContext(connection) as making:
        assert release_to_show(round=Round.objects.get(pk=round_.pk)) is not None
    queries += _slowest(list(making.captured_queries), "make", fresh=True)
    url = f"/rounds/{round_.pk}/results.json"
    assert client.get(url).status_code == 200  # steady state: whatever the first reading records
    with CaptureQueriesContext(connection) as reading:
        assert client.get(url).status_code == 200
    return queries + _slowest(list(reading.captured_queries), "json")


def explain(query: Query, round_: Round, form: str) -> Any:
    """EXPLAIN (ANALYZE, BUFFERS) of `query`, rolled back: a statement that
    writes leaves nothing, and one of making the release runs over the
    round's releases deleted, as it did when captured."""
    with transaction.atomic():
        if query.fresh:
            forget_release(round_)()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT {form}) {query.sql}")
            rows = cursor.fetchall()
        transaction.set_rollback(True)
    if form == "TEXT":
        return "\n".join(row[0] for row in rows)
    plan = rows[0][0]
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]


def watched_indexes() -> dict[str, str]:
    """Index name → table, for the ratings and responses: a bitmap index scan names only its index."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, tablename FROM pg_indexes WHERE tablename = ANY(%s)", [list(WATCHED)])
        return dict(cursor.fetchall())


def scans(node: dict[str, Any], indexes: dict[str, str]) -> list[Scan]:
    """The plan's scan nodes on the ratings and responses, each once, in plan order."""
    found: list[Scan] = []
    relation = node.get("Relation Name") or indexes.get(node.get("Index Name", ""))
    if node["Node Type"].endswith("Scan") and relation in WATCHED:
        kind = ("Parallel " if node.get("Parallel Aware") else "") + node["Node Type"]
        found.append(Scan(node=kind, relation=relation, index=node.get("Index Name")))
    for child in node.get("Plans", []):
        found += [scan for scan in scans(child, indexes) if scan not in found]
    return found


def measure(query: Query, round_: Round, indexes: dict[str, str]) -> tuple[dict[str, dict], dict[str, str]]:
    """Per setting: the median execution time of RUNS plans, its scans, and its text plan."""
    for setting in (STOCK, TUNED):  # warm both: the first run reads from disk, or plans afresh
        use(setting)
        explain(query, round_, "JSON")
    times: dict[str, list[float]] = {STOCK: [], TUNED: []}
    last: dict[str, dict[str, Any]] = {}
    for run in range(RUNS):
        # In turns, so that neither setting always runs on the caches the other warmed.
        for setting in (STOCK, TUNED) if run % 2 == 0 else (TUNED, STOCK):
            use(setting)
            last[setting] = explain(query, round_, "JSON")
            times[setting].append(last[setting]["Execution Time"])
    figures, texts = {}, {}
    for setting in (STOCK, TUNED):
        found = scans(last[setting]["Plan"], indexes)
        figures[setting] = {
            "ms": round(statistics.median(times[setting]), 2),
            "runs_ms": [round(ms, 2) for ms in times[setting]],
            "scans": found,
            "no_seq_scan": not any(scan["node"].endswith("Seq Scan") for scan in found),
        }
        use(setting)
        texts[setting] = explain(query, round_, "TEXT")
    return figures, texts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    plan_dir = args.out.parent / "plans"
    plan_dir.mkdir(parents=True, exist_ok=True)

    settings = {setting: use(setting) for setting in (STOCK, TUNED)}
    indexes = watched_indexes()
    client = Client()
    client.force_login(User.objects.get(email=loaddata.SURVEY_LEAD_EMAIL))
    rounds: dict[str, dict] = {}
    for size in SIZES:
        round_ = Round.objects.get(name=f"Survey round {size}")
        figures: dict[str, dict] = {}
        for query in captured(round_, client):
            figures[query.name], texts = measure(query, round_, indexes)
            figures[query.name]["reading"] = query.reading
            for setting, text in texts.items():
                header = ", ".join(f"{name} = {value}" for name, value in settings[setting].items())
                (plan_dir / f"{setting}-{size}-{query.name}.txt").write_text(
                    f"-- {setting}: {header}\n{query.sql}\n\n{text}\n"
                )
        # The share of the table a round holds decides whether a sequential scan is the cheaper plan.
        ratings = Rating.objects.filter(response__round=round_).count()
        rounds[str(size)] = {
            "round_id": round_.pk,
            "ratings": ratings,
            "ratings_share": round(ratings / Rating.objects.count(), 3),
            "queries": figures,
        }
    # What the statements wrote was rolled back: vacuumed, so that what runs next does not skip dead rows.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM assessments_release, assessments_releasemember, assessments_releasecomment")
    met = all(query[STOCK]["no_seq_scan"] for round_data in rounds.values() for query in round_data["queries"].values())
    summary = {"settings": settings, "rounds": rounds, "met": met}
    args.out.write_text(json.dumps(summary, indent=1) + "\n")
    for setting, shown in settings.items():
        print(f"{setting}: " + ", ".join(f"{name} = {value}" for name, value in shown.items()))
    for respondents, round_data in rounds.items():
        for name, statement in round_data["queries"].items():
            for setting in (STOCK, TUNED):
                found = "; ".join(
                    f"{scan['node']} on {scan['relation']}" + (f" ({scan['index']})" if scan["index"] else "")
                    for scan in statement[setting]["scans"]
                )
                print(f"{respondents} {name} {setting}: {statement[setting]['ms']} ms, {found or 'no scan of either'}")
    print(f"no sequential scan of ratings or responses under stock settings: {met}")


if __name__ == "__main__":
    main()
