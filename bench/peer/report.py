"""The section of docs/performance.md on bench/peer/run's comparison, from
the JSON it writes (bench/peer/combine.py). bench/report.py calls peer_section."""

from __future__ import annotations

TITLE = "## Beside django-survey-and-report (optional: `bash bench/peer/run`)"
# (key, what it is, unit): each size's rows, in the table's order.
ROWS = (
    ("floor_ms", "floor: one raw grouped-count query", "ms"),
    ("aggregation_ms", "aggregation, in-process", "ms"),
    ("aggregation_statements", "aggregation, in-process", "statements"),
    ("results_json_ms", "results.json, the reading that makes the release", "ms"),
)


def cell(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"


def row(name: str, size: str, figure: dict) -> str:
    ratio = figure.get("ratio")
    return (
        f"| {name} | {size} | {cell(figure.get('ours'))} | {cell(figure.get('peer'))} | "
        f"{'—' if ratio is None else f'{ratio:g}×'} |"
    )


def turn_by_turn(figure: dict) -> str:
    turns = figure["turns"]
    return "; ".join(f"{cell(o)} vs {cell(p)}" for o, p in zip(turns["ours"], turns["peer"], strict=True))


def peer_section(data: dict) -> list[str]:
    peer = data["peer"]
    sizes = data["sizes"]
    lines = [
        TITLE,
        "",
        f"{peer['package']} {peer['version']} (Django {peer['django']}; ours: Django {data['ours_django']}), "
        "installed by `bash bench/peer/run` into a throw-away virtualenv outside the repository (nothing of it "
        "is committed), on the same PostgreSQL with its stock settings and its own database, seeded with the "
        "same submitted ratings as the closed rounds of "
        + " and ".join(f"{int(size):,}" for size in sizes)
        + " respondents: a round is a survey, a key action a radio question (the rubric's levels and "
        "“Not sure”), a rating an answer. "
        f"{data['turns']} alternating turns (who goes first: {', '.join(data['first'])}); each figure is the "
        "median over the turns of each turn's median of repeated runs, after a warm-up.",
        "",
        "- *floor*: the grouped counts of one round by one raw SQL query through psycopg (ours: by key action, "
        "stakeholder group and level; the peer's: by question and answer).",
        "- *aggregation*: the product's own code, with no request around it. Ours makes the round's release "
        "(`release_to_show`, its releases deleted before each run); the peer's counts each question's answers "
        "(`Question.sorted_answers_cardinality`, what its PDF report counts with).",
        "- *results.json*: ours through the test client, making the release; the peer serves no aggregates "
        "over HTTP (its results download is a CSV of raw answers).",
        "- *saving*: ours, the autosave of one rating through the test client; the peer's, its survey form "
        "posted through the test client by a respondent changing one answer (its form saves every answer of "
        "the page).",
        "",
        "| measurement | size | ours | peer | peer ÷ ours |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for key, name, unit in ROWS:
        lines.extend(row(f"{name} ({unit})", f"{int(size):,}", figures[key]) for size, figures in sizes.items())
    save = data["save"]
    lines += [
        row("saving one rating (ms)", "—", save["ms"]),
        row("saving one rating (statements)", "—", save["statements"]),
        "",
        "Aggregation turn by turn, ours vs the peer's (ms): "
        + "; ".join(f"{int(size):,}: {turn_by_turn(figures['aggregation_ms'])}" for size, figures in sizes.items())
        + ".",
        "",
    ]
    return lines
