"""The turns of bench/peer/run put together: each figure's median over the
turns, the peer's ÷ ours, and every turn's figures as measured.

    python bench/peer/combine.py OUT.json PEER_VERSIONS.json turn-N-P-SIDE.json…

Each turn-N-P-SIDE.json is what our_side.py or peer_side.py printed in turn N,
where that side went P-th (1 or 2)."""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

import django

SIDES = ("ours", "peer")
# Each size's figures; results_json_ms is ours alone (the peer serves no aggregates over HTTP).
KEYS = ("floor_ms", "aggregation_ms", "aggregation_statements", "results_json_ms")


def figure(turns: list[dict], pick) -> dict:
    """One figure of both sides: turn by turn, the median over the turns, and
    the ratio of the medians (where both sides have the figure)."""
    out: dict = {"turns": {}}
    for side in SIDES:
        values = [pick(turn[side]) for turn in turns]
        if None in values:
            continue
        out[side] = round(statistics.median(values), 2)
        out["turns"][side] = values
    if "ours" in out and "peer" in out and out["ours"]:
        out["ratio"] = round(out["peer"] / out["ours"], 2)
    return out


def combine(turns: list[dict], versions: dict) -> dict:
    """turns: [{"first": "ours"|"peer", "ours": …, "peer": …}, …] in turn order."""
    sizes = sorted(turns[0]["ours"]["sizes"], key=int)

    def at(size: str, key: str):
        return lambda side: side["sizes"][size].get(key)

    return {
        **versions,
        "turns": len(turns),
        "first": [turn["first"] for turn in turns],
        "sizes": {size: {key: figure(turns, at(size, key)) for key in KEYS} for size in sizes},
        "save": {key: figure(turns, lambda side, key=key: side["save"][key]) for key in ("ms", "statements")},
    }


def read_turns(paths: list[Path]) -> list[dict]:
    turns: dict[int, dict] = {}
    for path in paths:
        _, number, position, side = path.stem.split("-")
        turn = turns.setdefault(int(number), {})
        turn[side] = json.loads(path.read_text())
        if position == "1":
            turn["first"] = side
    return [turns[number] for number in sorted(turns)]


def main() -> None:
    out, versions, *paths = (Path(arg) for arg in sys.argv[1:])
    data = combine(
        read_turns(paths),
        {
            "peer": {"package": "django-survey-and-report", **json.loads(versions.read_text())},
            "ours_django": django.get_version(),
        },
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    main()
