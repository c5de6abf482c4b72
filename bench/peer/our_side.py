"""Convening's side of the comparison with django-survey-and-report, run with
the project's own virtualenv and DJANGO_SETTINGS_MODULE=bench.settings:

    python bench/peer/our_side.py export ROUNDS.json   the closed rounds' submitted ratings, for the peer's seeding
    python bench/peer/our_side.py measure [--runs N]   one turn's figures, as JSON on stdout

The timings are bench/measure.py's own (its floor, its release service, its
test client), so that the figures beside the peer's are the report's."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from assessments.models import Rating, Response, Round  # noqa: E402
from bench import loaddata, measure  # noqa: E402
from convening.models import User  # noqa: E402
from rubrics.models import KeyAction, Level  # noqa: E402

SIZES = (2000, 20000)
NOT_SURE = "Not sure"


def closed_round(size: int) -> Round:
    return Round.objects.get(name=f"Survey round {size}")


def export_round(round_: Round) -> dict:
    """Each submitted response's ratings, as bench/measure.py's FLOOR_SQL
    counts them: a level, or "not sure"; a key action left unrated is no answer."""
    key_actions = list(
        KeyAction.objects.filter(rubric__round_rubrics__round=round_).order_by(
            "rubric__round_rubrics__position", "position"
        )
    )
    levels: dict[int, list[str]] = {}
    for level in Level.objects.filter(rubric__in={ka.rubric_id for ka in key_actions}).order_by("position"):
        levels.setdefault(level.rubric_id, []).append(level.name)
    index = {ka.pk: i for i, ka in enumerate(key_actions)}
    answers: dict[int, list[tuple[int, str]]] = {
        pk: [] for pk in Response.objects.filter(round=round_, submitted_at__isnull=False).values_list("pk", flat=True)
    }
    ratings = (
        Rating.objects.filter(response__round=round_, response__submitted_at__isnull=False)
        .filter(Q(level__isnull=False) | Q(not_sure=True))
        .values_list("response_id", "key_action_id", "level__name", "not_sure")
    )
    for response_id, key_action_id, level_name, not_sure in ratings:
        answers[response_id].append((index[key_action_id], NOT_SURE if not_sure else level_name))
    return {
        "questions": [{"text": ka.title, "choices": [*levels[ka.rubric_id], NOT_SURE]} for ka in key_actions],
        "responses": [answers[pk] for pk in sorted(answers)],
    }


def statements(action) -> int:
    with CaptureQueriesContext(connection) as context:
        action()
    return len(context.captured_queries)


def release_statements(round_: Round) -> int:
    """The statements of making the round's release afresh (measure.release_made_ms's action)."""
    measure.forget_release(round_)()
    return statements(lambda: measure.release_to_show(round=Round.objects.get(pk=round_.pk)))


def measure_turn(runs: int) -> dict:
    survey_lead = Client()
    survey_lead.force_login(User.objects.get(email=loaddata.SURVEY_LEAD_EMAIL))
    sizes = {}
    for size in SIZES:
        round_ = closed_round(size)
        size_runs = runs if size < 20000 else max(3, runs // 2)
        sizes[str(size)] = {
            "floor_ms": measure.median_ms(measure.floor(round_.pk), size_runs),
            "aggregation_ms": measure.release_made_ms(round_, size_runs),
            "aggregation_statements": release_statements(round_),
            "results_json_ms": measure.median_ms(
                measure.get(survey_lead, f"/rounds/{round_.pk}/results.json"),
                size_runs,
                before=measure.forget_release(round_),
            ),
        }
    autosave = measure.stakeholder_autosave()[2]
    autosave()  # the first save of a turn may create the rating: the steady state is an update
    return {"sizes": sizes, "save": {"statements": statements(autosave), "ms": measure.median_ms(autosave, runs)}}


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("export").add_argument("out", type=Path)
    commands.add_parser("measure").add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    if args.command == "export":
        args.out.write_text(json.dumps({str(size): export_round(closed_round(size)) for size in SIZES}))
    else:
        print(json.dumps(measure_turn(args.runs)))


if __name__ == "__main__":
    main()
