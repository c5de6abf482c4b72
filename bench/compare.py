"""History and overview at `state` size against `national` size, measured in
turns in one process, so that whatever else the machine does in those
minutes weighs on both alike: one block of runs on the state database (a copy
made before the national data was added), one on the national database,
and again, `--turns` times. The figure per size is the median of all its runs.

    python bench/compare.py --state-db convening_bench_state --out bench/results/compare.json

Run by bench/run, with DJANGO_SETTINGS_MODULE=bench.settings and DATABASE_URL
naming the national database. Both databases hold the state organization
with the same ids (one is a copy of the other's first part), and sessions live
in the cache, so one signed-in client serves both."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bench import loaddata  # noqa: E402
from convening.models import Organization, Team, User  # noqa: E402


def use_database(name: str) -> None:
    connection.close()
    connection.settings_dict["NAME"] = name


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--state-db", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--runs", type=int, default=7, help="runs per view in each turn")
    args = parser.parse_args()

    national_db = connection.settings_dict["NAME"]
    organization = Organization.objects.get(name=loaddata.organization_name(1))
    team = Team.objects.get(organization=organization, name="Team 01")
    lead = Client()
    lead.force_login(User.objects.get(email=loaddata.lead_email(1)))
    urls = {"history": f"/teams/{team.pk}/history/", "overview": "/overview/"}
    samples: dict[str, dict[str, list[float]]] = {view: {"state": [], "national": []} for view in urls}
    for _ in range(args.turns):
        for label, database in (("state", args.state_db), ("national", national_db)):
            use_database(database)
            for view, url in urls.items():
                assert lead.get(url).status_code == 200, (label, view)  # warm: connection, plans
                for _ in range(args.runs):
                    started = time.perf_counter()
                    response = lead.get(url)
                    samples[view][label].append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, (label, view, response.status_code)
    figures = {
        view: {
            "state_ms": round(statistics.median(by_size["state"]), 2),
            "national_ms": round(statistics.median(by_size["national"]), 2),
            "runs": len(by_size["state"]),
        }
        for view, by_size in samples.items()
    }
    for figure in figures.values():
        figure["ratio"] = round(figure["national_ms"] / figure["state_ms"], 2)
    args.out.write_text(json.dumps({"turns": args.turns, "figures": figures}, indent=1))
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
