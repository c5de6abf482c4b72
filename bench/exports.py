"""The files made on request, at 20,000 and 100,000 respondents (issue 16): the anonymized ratings CSV and
the workbook, each through Django's full request handling, read to its last byte. Each measurement runs in
a process of its own, so its peak memory (VmHWM) is its own: "added" is that peak less the memory the
process held just before the request.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=... python bench/exports.py OUT.json

on data from `manage.py generate_load_data --profile exports` (run by `bash bench/run exports`)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

SIZES = (20000, 100000)
FILES = {"ratings_csv": "ratings.csv", "results_xlsx": "results.xlsx"}
RUNS = 3


def _status(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


def measure_once(size: int, kind: str) -> dict:
    """One reading in this process, timed to the file's last byte."""
    import django

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    django.setup()
    from django.test import Client

    from assessments.models import Round
    from bench import loaddata
    from convening.models import User

    client = Client()
    client.force_login(User.objects.get(email=loaddata.SURVEY_LEAD_EMAIL))
    round_ = Round.objects.get(name=f"Survey round {size}")
    url = f"/rounds/{round_.pk}/export/{FILES[kind]}"
    # Warmed by a small file of the same round (the results CSV): the measurement is the file's own cost,
    # not the first request's imports and templates, and the warm-up's peak stays below the file's.
    assert client.get(f"/rounds/{round_.pk}/export/results.csv").status_code == 200
    before_mb = _status("VmRSS")
    started = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    # Piece by piece, as a server sends it: joining the pieces would count the whole file's memory.
    pieces: Iterable[bytes] = response.streaming_content if response.streaming else [response.content]  # type: ignore[attr-defined]
    size_bytes = sum(len(piece) for piece in pieces)
    seconds = time.perf_counter() - started
    peak_mb = _status("VmHWM")
    return {"seconds": round(seconds, 2), "added_mb": round(peak_mb - before_mb, 1), "bytes": size_bytes}


def _one(size: int, kind: str) -> dict:
    command = [sys.executable, __file__, "--one", str(size), kind]  # this file, with our own arguments
    done = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        print(json.dumps(measure_once(int(sys.argv[2]), sys.argv[3])))
        return
    out = Path(sys.argv[1])
    figures: dict[str, dict] = {}
    for size in SIZES:
        for kind in FILES:
            # Untimed: the first reading makes the round's release, which every later reading reads.
            _one(size, kind)
            runs = [_one(size, kind) for _ in range(RUNS)]
            best = sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]
            figures[f"{kind} {size}"] = {**best, "runs": runs}
            print(kind, size, best, flush=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
