"""django-survey-and-report's side of the comparison, run with the peer's
throw-away virtualenv (bench/peer/run) and PEER_DATABASE_URL set:

    python bench/peer/peer_side.py seed ROUNDS.json     the rounds our_side.py exported, in the peer's schema
    python bench/peer/peer_side.py measure [--runs N]   one turn's figures, as JSON on stdout

A round is a Survey, a key action a radio Question (the rubric's levels and
"Not sure"), a respondent a Response, a rating an Answer whose body is the
choice's slug, as the peer's form stores it. Every path measured is the
peer's own code: its aggregation is Question.sorted_answers_cardinality, what
its PDF report counts each question's answers with; its save is a POST of its
survey form through the test client."""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils.text import slugify  # noqa: E402
from survey.models import Answer, Question, Response, Survey  # noqa: E402
from timing import median_ms  # noqa: E402

# The equivalent of bench/measure.py's FLOOR_SQL on the peer's schema: each question's answers counted by
# value, for one survey (the peer has no stakeholder groups to group by as well).
FLOOR_SQL = """
SELECT a.question_id, a.body, COUNT(*)
FROM survey_answer a JOIN survey_response s ON s.id = a.response_id
WHERE s.survey_id = %s
GROUP BY 1, 2
"""
SAVING_SURVEY = "Saving"
SAVER = "peer-saver"


def survey_name(size: str) -> str:
    return f"Round {size}"


def make_survey(name: str, questions: list[dict]) -> tuple[Survey, list[Question]]:
    survey = Survey.objects.create(name=name, description=name, need_logged_user=False)
    made = [
        Question.objects.create(
            survey=survey, text=q["text"], order=i, required=False, type=Question.RADIO, choices=",".join(q["choices"])
        )
        for i, q in enumerate(questions)
    ]
    return survey, made


def answer(question: Question, response: Response, choice: str) -> Answer:
    # The body is set after construction: Answer() checks a body given to it against the choices' names,
    # while the form stores their slugs.
    made = Answer(question=question, response=response)
    made.body = slugify(choice, allow_unicode=True)
    return made


@transaction.atomic
def seed(path: Path) -> None:
    rounds = json.loads(path.read_text())
    for size, data in rounds.items():
        survey, questions = make_survey(survey_name(size), data["questions"])
        responses = Response.objects.bulk_create(
            [Response(survey=survey, interview_uuid=uuid.uuid4().hex) for _ in data["responses"]], batch_size=5000
        )
        Answer.objects.bulk_create(
            (
                answer(questions[index], response, choice)
                for response, ratings in zip(responses, data["responses"], strict=True)
                for index, choice in ratings
            ),
            batch_size=5000,
        )
    # One respondent who has answered every question, to save answers over (SurveyDetail.post).
    first = next(iter(rounds.values()))
    survey, questions = make_survey(SAVING_SURVEY, first["questions"])
    saver = User.objects.create_user(SAVER)
    response = Response.objects.create(survey=survey, user=saver, interview_uuid=uuid.uuid4().hex)
    Answer.objects.bulk_create(answer(q, response, q.get_clean_choices()[0]) for q in questions)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def statements(action) -> int:
    with CaptureQueriesContext(connection) as context:
        action()
    return len(context.captured_queries)


def floor(survey_id: int):
    raw = connection.connection

    def action():
        with raw.cursor() as cursor:
            cursor.execute(FLOOR_SQL, [survey_id])
            cursor.fetchall()

    return action


def aggregation(survey_id: int):
    def action():
        survey = Survey.objects.get(pk=survey_id)
        counts = {question.pk: question.sorted_answers_cardinality() for question in survey.questions.all()}
        assert counts

    return action


def save_action():
    """The saver changes one answer and submits the page, as its form does:
    every question's field is posted, and every answer saved."""
    survey = Survey.objects.get(name=SAVING_SURVEY)
    questions = list(survey.questions.all())
    client = Client()
    client.force_login(User.objects.get(username=SAVER))
    choices = [slug for slug, _ in questions[0].get_choices()]
    turn = [0]

    def action():
        turn[0] += 1
        data = {f"question_{q.pk}": q.get_choices()[0][0] for q in questions}
        data[f"question_{questions[0].pk}"] = choices[turn[0] % 2]
        response = client.post(f"/survey/{survey.pk}/", data)
        assert response.status_code == 302, response.status_code

    return action


def measure_turn(runs: int) -> dict:
    sizes = {}
    for survey in Survey.objects.exclude(name=SAVING_SURVEY):
        size = survey.name.removeprefix("Round ")
        size_runs = runs if int(size) < 20000 else max(3, runs // 2)
        aggregate = aggregation(survey.pk)
        sizes[size] = {
            "floor_ms": median_ms(floor(survey.pk), size_runs),
            "aggregation_ms": median_ms(aggregate, size_runs),
            "aggregation_statements": statements(aggregate),
        }
    save = save_action()
    save()
    return {"sizes": sizes, "save": {"statements": statements(save), "ms": median_ms(save, runs)}}


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("seed").add_argument("rounds", type=Path)
    commands.add_parser("measure").add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    if args.command == "seed":
        seed(args.rounds)
    else:
        print(json.dumps(measure_turn(args.runs)))


if __name__ == "__main__":
    main()
