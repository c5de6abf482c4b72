"""Two requests at the same moment (two tabs, a double click, two uploads)
end in one consistent state. These need real concurrent transactions, so they
run on PostgreSQL only: SQLite serializes every write on one lock, and proves
nothing here."""

import threading
from collections.abc import Callable

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from assessments.exceptions import StateConflict
from assessments.models import Rating, Response
from assessments.paper.checks import PaperAnswer
from assessments.paper.services import paper_response_create
from assessments.rating.autosave import AnswerChange, Participant, Saved, rating_autosave
from assessments.rating.services import rating_save, response_submit
from assessments.rounds.services import round_close, round_open
from assessments.tests.factories import RoundFactory, invite
from convening.tests.factories import TeamFactory
from rubrics.models import KeyAction

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs concurrent transactions: run with DATABASE_URL=postgres://… (CI does)",
    ),
    # Each thread commits on its own connection, so the test cannot run inside
    # one rolled-back transaction; the serialized rollback brings back the LbC
    # rubrics that the flush after a transactional test removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def at_once(*calls: Callable[[], object]) -> list[object]:
    """Runs the calls in threads released together; returns each one's result
    or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # noqa: BLE001 — handed back to the test
            results[index] = error
        finally:
            close_old_connections()
            connection.close()  # each thread has its own connection; leave none open

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.fixture
def invitation(org):
    round_ = RoundFactory(team=TeamFactory(organization=org))
    round_open(round=round_)
    return invite(round_)[0]


def key_actions(round_):
    return list(KeyAction.objects.filter(rubric__round_rubrics__round=round_).order_by("rubric__slug", "position"))


def save(invitation, key_action, position: int) -> Callable[[], Saved]:
    level_id = key_action.rubric.levels.get(position=position).pk
    return lambda: rating_save(
        invitation=invitation, key_action_id=key_action.pk, level_id=level_id, not_sure=False, evidence=""
    )


def test_two_saves_of_one_key_action_end_with_one_rating(invitation):
    first = key_actions(invitation.round)[0]
    results = at_once(save(invitation, first, 1), save(invitation, first, 3))
    # Both saves (which overwrite whatever is stored) returned their progress; neither raised.
    assert [(saved.rated, saved.total) for saved in results] == [(1, 9), (1, 9)], results
    assert Response.objects.count() == 1
    rating = Rating.objects.get()  # one row, holding one of the two answers
    assert rating.level.position in (1, 3)


def test_two_first_saves_create_one_response(invitation):
    first, second = key_actions(invitation.round)[:2]
    results = at_once(save(invitation, first, 2), save(invitation, second, 2))
    # Both saves returned their progress (neither raised); each counts itself,
    # and the other only if it committed first.
    assert sorted((saved.rated, saved.total) for saved in results) in ([(1, 9), (1, 9)], [(1, 9), (2, 9)]), results
    assert Response.objects.count() == 1
    assert Rating.objects.count() == 2
    assert set(Rating.objects.values_list("response_id", flat=True)) == {Response.objects.get().pk}


def test_two_submissions_at_once_submit_once(invitation):
    for i, key_action in enumerate(key_actions(invitation.round)):
        save(invitation, key_action, 1 + i % 4)()

    results = at_once(
        lambda: response_submit(invitation=invitation),
        lambda: response_submit(invitation=invitation),
    )

    winners = [result for result in results if isinstance(result, Response)]
    losers = [result for result in results if isinstance(result, StateConflict)]
    assert (len(winners), len(losers)) == (1, 1), results
    assert Response.objects.get().submitted_at == winners[0].submitted_at


def test_two_uploads_of_the_same_respondent_save_one(invitation):
    round_ = invitation.round
    group = invitation.stakeholder_group
    round_close(round=round_)
    answers = [
        PaperAnswer(key_action_id=key_action.pk, level_id=None, not_sure=True, evidence="")
        for key_action in key_actions(round_)
    ]

    def enter():
        return paper_response_create(
            round=round_, respondent_code="P-001", stakeholder_group=group, answers=answers, entered_by=None
        )

    results = at_once(enter, enter)

    saved = [result for result in results if isinstance(result, Response)]
    refused = [result for result in results if not isinstance(result, Response)]
    assert len(saved) == len(refused) == 1, results
    assert "P-001" in " ".join(refused[0].messages)
    assert Response.objects.filter(respondent_code="P-001").count() == 1
    assert Rating.objects.count() == len(answers)
    assert Response.objects.get(respondent_code="P-001").submitted_at <= timezone.now()


def test_out_of_order_saves_arriving_together_write_exactly_one_over_the_version_they_saw(invitation):
    """The keyboard race on the server: three presses sent on the same base
    version (a page whose earlier answers were lost in flight) arrive at once;
    one is written, the others are refused as stale, and the version moves by
    exactly one, whatever the order the database takes them in."""
    first = key_actions(invitation.round)[0]
    rating_save(invitation=invitation, key_action_id=first.pk, level_id=None, not_sure=True, evidence="")
    participant = Participant(invitation_id=invitation.pk, token_hash=invitation.token_hash)
    levels = list(first.rubric.levels.order_by("position").values_list("pk", flat=True))

    def press(level_id: int) -> Callable[[], Saved | None]:
        change = AnswerChange(key_action_id=first.pk, level_id=level_id, writes_evidence=False, level_base=1)
        return lambda: rating_autosave(participant=participant, round_id=invitation.round_id, change=change)

    results = at_once(*(press(level_id) for level_id in levels[1:]))

    written = [result for result in results if isinstance(result, Saved)]
    assert len(written) == 1 and results.count(None) == 2, results
    rating = Rating.objects.get()
    assert rating.level_version == 2 and written[0].level_version == 2
    assert rating.level_id in levels[1:]
