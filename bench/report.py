"""Writes docs/performance.md from what bench/run measured (bench/results/).

    python bench/report.py bench/results docs/performance.md

The analysis section is kept from the existing report (between its markers),
so regenerating the figures does not lose what was learned from them."""

from __future__ import annotations

import csv
import json
import os
import platform
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.peer.report import TITLE as PEER_TITLE  # noqa: E402
from bench.peer.report import peer_section  # noqa: E402

RELEASE_MADE_MS = 1000
CSV_SECONDS, CSV_ADDED_MB, CSV_LARGE_SECONDS = 1, 50, 5
ANALYSIS_START = "<!-- analysis: kept by bench/report.py -->"
ANALYSIS_END = "<!-- /analysis -->"
AUTOSAVE_P95_MS = 150
MEETING_P95_MS = 300  # issue 12: a room of 60 phones and a projector on the usual workers


def _load(directory: Path, name: str) -> dict | None:
    path = directory / name
    return json.loads(path.read_text()) if path.exists() else None


def _version(command: list[str]) -> str:
    try:
        # Fixed commands of this script, for the versions of the tools measured.
        run = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
        return run.stdout.strip().splitlines()[0]
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def _machine(directory: Path) -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        "unknown",
    )
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    python = Path(sys.executable).parent
    loads = (directory / "load.txt").read_text().split("\n") if (directory / "load.txt").exists() else []
    lines = [
        f"- Machine: {cpu}, {os.cpu_count()} cores, {memory_kb / 1024 / 1024:.0f} GB RAM; {platform.platform()}",
        f"- Python {platform.python_version()}; {_version([str(python / 'python'), '-m', 'django', '--version'])} "
        f"(Django); {_version(['psql', '--version'])}; {_version(['redis-server', '--version'])}",
        f"- {_version([str(python / 'gunicorn'), '--version'])}; "
        f"celery {_version([str(python / 'celery'), '--version'])}; "
        f"{_version(['bench/.venv/bin/locust', '--version'])}",
        "- 1-minute load average just before each measurement (other work on the machine inflates every figure): "
        + ", ".join(f"{name} {load}" for name, load in (line.split() for line in loads if line.strip())),
    ]
    for size in ("state", "national"):
        seconds = directory / f"generate-{size}.seconds"
        if seconds.exists():
            lines.append(f"- `generate_load_data --profile {size}`: {float(seconds.read_text()):.0f} s")
    count = directory / "ratings.count"
    if count.exists():
        lines.append(f"- Ratings in the database at the end: {int(count.read_text()):,}")
    return lines


def _inprocess(state: dict, national: dict | None) -> list[str]:
    lines = [
        "| view | state: median ms | queries | national: median ms | queries | national ÷ state |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    names = ["history", "overview", "rating page", "autosave"]
    for name in names:
        figure = state["figures"][name]
        other = national["figures"].get(name) if national else None
        ratio = f"{other['ms'] / figure['ms']:.2f}" if other else "—"
        lines.append(
            f"| {name} | {figure['ms']} | {figure['queries']} | {other['ms'] if other else '—'} | "
            f"{other['queries'] if other else '—'} | {ratio} |"
        )
    lines += [
        "",
        "A closed round's outputs read its release (SPEC §5.1): *release* is every reading once it is made, "
        "*made* the reading that makes it (the round's releases deleted before each run); *making alone* is "
        "the release service by itself, with no request around it.",
        "",
        "| round | floor ms (one raw query) | results.json ms: release | ratio | queries "
        "| made | ratio | queries | results page ms: release | ratio | queries | made | ratio | queries "
        "| making alone ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, data in (("state", state), ("national", national)):
        if not data:
            continue
        for size in (200, 2000, 20000):
            figure = data["figures"][f"results {size}"]
            cells = [f"{size:,} respondents ({label})", figure["floor_ms"]]
            for view in ("json", "page"):
                for kind in ("", "_computed"):
                    timing = figure[view + kind]
                    cells += [timing["ms"], figure[f"{view}{kind}_ratio"], timing["queries"]]
            cells.append(figure.get("release_made_ms", "—"))
            lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    return lines


def _locust(directory: Path, name: str) -> dict[str, dict]:
    path = directory / f"load-{name}_stats.csv"
    if not path.exists():
        return {}
    with path.open() as file:
        return {row["Name"]: row for row in csv.DictReader(file)}


def _load_table(directory: Path) -> tuple[list[str], dict]:
    lines = [
        "| run | request | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    summary = {}
    turns = [f"{kind}-{turn}" for turn in (1, 2, 3) for kind in ("hello", "autosave-max")]
    for run in (*turns, "50", "200", "meeting"):
        rows = _locust(directory, run)
        for name, row in rows.items():
            if not name:
                continue
            lines.append(
                f"| {run} | {name} | {row['Request Count']} | {row['Failure Count']} | "
                f"{float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} | {row['99%']} |"
            )
        summary[run] = rows
    return lines, summary


def _compare(compare: dict | None) -> list[str]:
    if not compare:
        return []
    lines = [
        "",
        f"History and overview measured in turns ({compare['turns']} turns, each a block of runs on a copy of the "
        "state data then on the national data; `bench/compare.py`), so that the machine's other work weighs on "
        "both alike. These set the targets' verdicts; the table above measures each size once, minutes apart.",
        "",
        "| view | state: median ms | national: median ms | national ÷ state | runs each |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for view, figure in compare["figures"].items():
        lines.append(
            f"| {view} | {figure['state_ms']} | {figure['national_ms']} | {figure['ratio']} | {figure['runs']} |"
        )
    return lines


def _targets(
    state: dict,
    national: dict | None,
    load: dict,
    memory: dict | None,
    compare: dict | None = None,
    plans: dict | None = None,
    exports: dict | None = None,
) -> list[str]:
    lines = ["| target | figure | verdict |", "| --- | --- | --- |"]
    data = national or state
    label = "national" if national else "state"
    # (view, name, size, limit from its release, limit for the reading that makes it): issues 11 and 16
    checks = (
        ("json", "results.json", 2000, 1.0, None),
        ("json", "results.json", 20000, 1.0, None),
        ("page", "results page", 2000, 1.5, 3),
    )
    for view, name, size, limit, computed_limit in checks:
        figure = data["figures"][f"results {size}"]
        ratio, computed = figure[f"{view}_ratio"], figure[f"{view}_computed_ratio"]
        lines.append(
            f"| {name} from its release ≤ {limit}× floor at {size:,} ({label}) | {ratio}× "
            f"({computed}× for the reading that makes the release) | {_verdict(ratio <= limit)} |"
        )
        if computed_limit is not None:
            lines.append(
                f"| {name}, the reading that makes the release, ≤ {computed_limit}× floor at {size:,} ({label}) "
                f"| {computed}× | {_verdict(computed <= computed_limit)} |"
            )
    made = data["figures"]["results 20000"].get("release_made_ms")
    if made is not None:
        lines.append(
            f"| making the release of the 20,000 round < {RELEASE_MADE_MS:,} ms ({label}) | {made} ms "
            f"| {_verdict(made < RELEASE_MADE_MS)} |"
        )
    if compare:
        for name, figure in compare["figures"].items():
            ratio = figure["ratio"]
            lines.append(f"| {name}: national ≤ 1.2× state (in turns) | {ratio:.2f}× | {_verdict(ratio <= 1.2)} |")
    elif national:
        for name in ("history", "overview"):
            ratio = national["figures"][name]["ms"] / state["figures"][name]["ms"]
            lines.append(f"| {name}: national ≤ 1.2× state | {ratio:.2f}× | {_verdict(ratio <= 1.2)} |")
    else:
        lines.append("| history, overview: national ≤ 1.2× state | not run (`bench/run state`) | — |")
    autosave = load.get("200", {}).get("autosave")
    if autosave:
        p95, failures = float(autosave["95%"]), int(load["200"]["Aggregated"]["Failure Count"])
        lines.append(
            f"| autosave p95 < {AUTOSAVE_P95_MS} ms at 200 | {p95:.0f} ms | {_verdict(p95 < AUTOSAVE_P95_MS)} |"
        )
        lines.append(f"| no errors at 200 | {failures} failures | {_verdict(failures == 0)} |")
    meeting = load.get("meeting", {}).get("Aggregated")
    if meeting:
        p95, failures = float(meeting["95%"]), int(meeting["Failure Count"])
        lines.append(
            f"| meeting: 60 phones and a projector, p95 < {MEETING_P95_MS} ms | {p95:.0f} ms, {failures} failures "
            f"| {_verdict(p95 < MEETING_P95_MS and failures == 0)} |"
        )
    turns = [
        (
            float(load[f"hello-{turn}"]["hello"]["Requests/s"]),
            float(load[f"autosave-max-{turn}"]["autosave"]["Requests/s"]),
        )
        for turn in (1, 2, 3)
        if load.get(f"hello-{turn}") and load.get(f"autosave-max-{turn}")
    ]
    if turns:
        # Each turn pairs the two under the same conditions: the verdict is the median of the turns' ratios.
        ratios = [autosave / hello for hello, autosave in turns]
        ratio = statistics.median(ratios)
        each = "; ".join(f"{autosave:.0f} ÷ {hello:.0f} = {autosave / hello:.2f}" for hello, autosave in turns)
        lines.append(
            f"| autosave throughput ≥ ½ the bare view's (both flat out, same client; median of {len(turns)} "
            f"alternating turns) | {ratio:.2f} (req/s turn by turn: {each}) | {_verdict(ratio >= 0.5)} |"
        )
    if memory:
        pdf = memory["pdf"]["peak_mb"]
        xlsx = memory["web"]["results.xlsx"]["peak_mb"]
        lines.append(f"| PDF of the 20,000 round: worker peak RSS < 400 MB | {pdf} MB | {_verdict(pdf < 400)} |")
        lines.append(
            f"| XLSX of the 20,000 round: peak RSS < 400 MB (web worker) | {xlsx} MB | {_verdict(xlsx < 400)} |"
        )
    lines += _export_targets(exports)
    if plans:
        sequential = [
            f"{int(size):,} {name}"
            for size, data in plans["rounds"].items()
            for name, query in data["queries"].items()
            if not query["stock"]["no_seq_scan"]
        ]
        total = sum(len(data["queries"]) for data in plans["rounds"].values())
        figure = f"sequential scan of ratings or responses in {len(sequential)} of {total} statements"
        lines.append(
            f"| one round's figures by index scan, stock settings | {figure}"
            + (f" ({', '.join(sequential)})" if sequential else "")
            + f" | {_verdict(plans['met'])} |"
        )
    return lines


def _export_targets(exports: dict | None) -> list[str]:
    """Issue 16: the anonymized ratings CSV under 1 s and 50 MB added at 20,000 respondents; at 100,000 no
    more than 5 s, with the memory added flat (within 10% and 1 MB of the 20,000 figure)."""
    if not exports:
        return ["| ratings CSV at 20,000 and 100,000 respondents | not run | — |"]
    small, large = exports["ratings_csv 20000"], exports["ratings_csv 100000"]
    flat = large["added_mb"] <= small["added_mb"] * 1.1 + 1
    return [
        f"| ratings CSV, 20,000 respondents: < {CSV_SECONDS} s to the last byte | {small['seconds']} s "
        f"| {_verdict(small['seconds'] < CSV_SECONDS)} |",
        f"| ratings CSV, 20,000 respondents: < {CSV_ADDED_MB} MB peak memory added | {small['added_mb']} MB "
        f"| {_verdict(small['added_mb'] < CSV_ADDED_MB)} |",
        f"| ratings CSV, 100,000 respondents: ≤ {CSV_LARGE_SECONDS} s | {large['seconds']} s "
        f"| {_verdict(large['seconds'] <= CSV_LARGE_SECONDS)} |",
        f"| ratings CSV, 100,000 respondents: memory added flat from 20,000 | {small['added_mb']} → "
        f"{large['added_mb']} MB | {_verdict(flat)} |",
    ]


def _exports(exports: dict | None) -> list[str]:
    if not exports:
        return ["Not run."]
    lines = [
        "Each file through Django's full request handling, read piece by piece to its last byte as a server "
        "sends it, each run in a process of its own after a small warm-up request (`bench/exports.py`). "
        "*Added*: the process's peak memory (VmHWM) less what it held just before. Median of the runs "
        "(`bench/results/exports.json`).",
        "",
        "| file | respondents | seconds | memory added MB | bytes | runs (s) |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    names = {"ratings_csv": "anonymized ratings CSV", "results_xlsx": "workbook (write-only)"}
    for key, figure in exports.items():
        kind, size = key.split()
        runs = ", ".join(str(run["seconds"]) for run in figure["runs"])
        lines.append(
            f"| {names.get(kind, kind)} | {int(size):,} | {figure['seconds']} | {figure['added_mb']} "
            f"| {figure['bytes']:,} | {runs} |"
        )
    return lines


def _stock_and_tuned(plans: dict | None) -> list[str]:
    """bench/plans.py: which scans reach one round's ratings and responses, without tuning and with."""
    if not plans:
        return ["Not run."]
    settings = {
        name: ", ".join(f"{key} = {value}" for key, value in values.items())
        for name, values in plans["settings"].items()
    }
    lines = [
        "The floor, the slowest statements of making the release (the round's releases deleted first) and "
        "of results.json from it, each under EXPLAIN (ANALYZE, BUFFERS) in one session (`bench/plans.py`; "
        "writes rolled back): under the server's own settings (*stock*: "
        f"{settings['stock']}) and *tuned* ({settings['tuned']}). Median execution ms of 3, in turns after a "
        "warm run. Scans of the ratings and responses, sequential ones in bold; every plan is in "
        "`bench/results/plans/{stock,tuned}-<round>-<query>.txt`.",
        "",
        "| round | query | stock: scans | ms | tuned: scans | ms |",
        "| --- | --- | --- | ---: | --- | ---: |",
    ]
    for size, data in plans["rounds"].items():
        label = f"{int(size):,} respondents ({data['ratings_share']:.0%} of the ratings)"
        for name, query in data["queries"].items():
            cells = [label, name]
            for setting in ("stock", "tuned"):
                scans = [
                    (f"**{scan['node']}**" if scan["node"].endswith("Seq Scan") else scan["node"])
                    + f" on {scan['relation'].removeprefix('assessments_')}"
                    + (f" ({scan['index']})" if scan["index"] else "")
                    for scan in query[setting]["scans"]
                ]
                cells += ["; ".join(scans) or "—", str(query[setting]["ms"])]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def _memory(memory: dict | None) -> list[str]:
    if not memory:
        return ["Not measured."]
    web, pdf = memory["web"], memory["pdf"]
    lines = [
        "| process | what | peak RSS (VmHWM) MB | seconds | bytes |",
        "| --- | --- | ---: | ---: | ---: |",
        f"| Celery worker child (--concurrency=1) | idle, before | {pdf['before_mb']} | | |",
        f"| Celery worker child | PDF report, 20,000 respondents | {pdf['peak_mb']} | {pdf['seconds']} | "
        f"{pdf['bytes']:,} |",
        f"| gunicorn worker (WEB_CONCURRENCY=1) | idle, after sign-in | {web['idle_mb']} | | |",
    ]
    for name in ("results.json", "results page", "results.xlsx"):
        figure = web[name]
        lines.append(
            f"| gunicorn worker | {name}, 20,000 respondents (cumulative peak) | {figure['peak_mb']} | "
            f"{figure['seconds']} | {figure['bytes']:,} |"
        )
    return lines


def _plans(data: dict | None, label: str) -> list[str]:
    if not data:
        return []
    lines = [f"### {label}", ""]
    for view, plans in data["plans"].items():
        if view not in ("history", "overview") and not view.startswith("results"):
            continue
        for plan in plans:
            lines += [f"<details><summary>{view}</summary>", "", "```", plan, "```", "", "</details>", ""]
    return lines


def main() -> None:
    directory, target = Path(sys.argv[1]), Path(sys.argv[2])
    state = _load(directory, "state.json")
    if state is None:
        raise SystemExit(f"{directory}/state.json is missing: run bench/measure.py first")
    national = _load(directory, "national.json")
    memory = _load(directory, "memory.json")
    compare = _load(directory, "compare.json")
    plans = _load(directory, "plans.json")
    exports = _load(directory, "exports.json")
    peer = _load(directory, "peer.json")
    load_lines, load = _load_table(directory)
    analysis = f"{ANALYSIS_START}\n(No analysis yet.)\n{ANALYSIS_END}"
    if target.exists() and ANALYSIS_START in target.read_text():
        old = target.read_text()
        analysis = old[old.index(ANALYSIS_START) : old.index(ANALYSIS_END) + len(ANALYSIS_END)]
    profile = (directory / "profile.txt").read_text() if (directory / "profile.txt").exists() else "Not run."
    out = [
        "# Performance at state and national scale",
        "",
        f"Generated by `bash bench/run` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        "edit only the analysis section by hand (bench/report.py keeps it).",
        "",
        "## Machine and versions",
        "",
        *_machine(directory),
        "",
        "## Targets",
        "",
        *_targets(state, national, load, memory, compare, plans, exports),
        "",
        "## In-process timings (PostgreSQL)",
        "",
        "Median of repeated runs of each view through Django's whole request handling (test client, "
        "production settings), with its number of queries. The floor is the same grouped counts fetched "
        "by one raw SQL query through psycopg on the same connection. History: one team's 8 closed rounds; "
        "overview: one organization's 20 teams; `national` holds 49 more such organizations.",
        "",
        *_inprocess(state, national),
        *_compare(compare),
        "",
        "## Load test (gunicorn, PostgreSQL, Redis, a Celery worker; loopback)",
        "",
        "locust (headless, same machine: the client takes CPU from the server). `hello`: a view that does "
        "no work, through the whole middleware stack, flat out: the ceiling. `autosave-max`: stakeholders "
        "autosaving flat out. Those two run in three alternating turns of half the usual length (`hello-1`, "
        "`autosave-max-1`, …). `50`/`200`: stakeholders opening their link (rating page), autosaving every "
        "2–5 s and now and then reloading, plus leads (1 in 21 users) opening results pages. `meeting`: 60 "
        "phones join a meeting as walk-ins, 2 a second (a room scanning the code), poll every 3 s and answer "
        "each key action 4–15 s after it appears (read, then tap); the projector polls every 2 s and the "
        "facilitator reveals 20 s after showing a key action and moves on 10 s later, for two minutes.",
        "",
        *load_lines,
        "",
        "## Memory",
        "",
        *_memory(memory),
        "",
        "## Files made on request",
        "",
        *_exports(exports),
        "",
        *(peer_section(peer) if peer else [PEER_TITLE, "", "Not run (`BENCH_PEER=1 bash bench/run`).", ""]),
        "## Analysis",
        "",
        analysis,
        "",
        "## Profile of the slowest path",
        "",
        "```",
        profile.strip(),
        "```",
        "",
        "## One round's statements under stock and tuned settings",
        "",
        *_stock_and_tuned(plans),
        "",
        "## Query plans (EXPLAIN (ANALYZE, BUFFERS)): the slowest queries of each view",
        "",
        *_plans(state, "state"),
        *_plans(national, "national"),
    ]
    target.write_text("\n".join(out).rstrip() + "\n")


if __name__ == "__main__":
    main()
