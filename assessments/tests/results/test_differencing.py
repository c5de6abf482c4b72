"""The attacks of SPEC §5.1, each through the site's own pages: an observer
records every output after every event and subtracts. Each failed on the
code before releases (the figures were counted afresh on every request)."""

import csv
import io
import json
from datetime import UTC, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assessments.models import Round, RoundStatus
from assessments.rating.services import rating_save, response_submit
from assessments.rounds.services import round_close
from assessments.tests.history_data import closed_round
from assessments.tests.results_helpers import CAE, cae_round, invite_to, key_action, text_of, url
from convening.models import StakeholderGroup
from convening.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _rate_and_submit(round_, invitation, level_position, *, evidence=""):
    """Rates every key action at `level_position` (evidence on the first) and submits."""
    rubric = round_.rubrics.get()
    level = rubric.levels.get(position=level_position)
    for position, ka in enumerate(rubric.key_actions.order_by("position"), start=1):
        rating_save(
            invitation=invitation,
            key_action_id=ka.pk,
            level_id=level.pk,
            not_sure=False,
            evidence=evidence if position == 1 else "",
        )
    response_submit(invitation=invitation)


def _online(round_, count, *, group="Family"):
    return [invite_to(round_, UserFactory(), group) for _ in range(count)]


def _json(client, round_):
    response = client.get(url("results_json", round_))
    assert response.status_code == 200
    return json.loads(response.content)


def _first(data):
    return data["rubrics"][0]["key_actions"][0]


def _counts(data):
    first = _first(data)
    return None if first.get("suppressed") else first["counts"]


def _refresh(round_):
    round_.refresh_from_db()
    return round_


# One submission at a time --------------------------------------------------------


def test_watching_each_single_submission_of_a_revealed_open_round(client, facilitator, org):
    round_ = cae_round(org, status=RoundStatus.OPEN, results_revealed=True, threshold=3)
    invitations = _online(round_, 7)
    client.force_login(facilitator)
    snapshots = []
    for number, invitation in enumerate(invitations, start=1):
        _rate_and_submit(round_, invitation, 1 + number % 4, evidence=f"comment {number}")
        snapshots.append(_json(client, round_))
    # Below k nothing is shown, not even n; the page says how many more are needed.
    for data in snapshots[:2]:
        assert data["release"] is None and _first(data) == {
            "position": 1,
            "title": key_action(round_).title,
            "suppressed": True,
        }
    html = client.get(url("results", round_)).content.decode()
    assert "results-table" in html  # seven have submitted: figures
    # The figures move only when at least k = 3 people are new to them: 3, then 6.
    respondents = [data["release"] and data["release"]["respondents"] for data in snapshots]
    assert respondents == [None, None, 3, 3, 3, 6, 6]
    assert [data["release"] and data["release"]["waiting"] for data in snapshots] == [None, None, 0, 1, 2, 0, 1]
    assert [data["round"]["submitted"] for data in snapshots] == [1, 2, 3, 4, 5, 6, 7]
    for before, after in zip(snapshots, snapshots[1:], strict=False):
        moved = _counts(before) is not None and _counts(after) != _counts(before)
        if moved:
            assert sum(_counts(after)) - sum(_counts(before)) >= 3
    # Open: no group breakdown and no comments, whatever was revealed.
    assert all(_first(data).get("groups", []) == [] for data in snapshots)
    assert client.get(url("results_evidence", round_, key_action(round_).pk)).status_code == 200
    evidence = text_of(client.get(url("results_evidence", round_, key_action(round_).pk)).content.decode())
    assert not [number for number in range(1, 8) if f"comment {number}" in evidence]


def test_the_fourth_submitters_comment_waits_for_k_others(client, facilitator, org):
    round_ = cae_round(org, status=RoundStatus.OPEN, results_revealed=True, threshold=3)
    invitations = _online(round_, 4)
    client.force_login(facilitator)
    for number, invitation in enumerate(invitations[:3], start=1):
        _rate_and_submit(round_, invitation, 2, evidence=f"comment {number}")
    _json(client, round_)  # the meeting sees the first three
    _rate_and_submit(round_, invitations[3], 4, evidence="the fourth person's words")
    round_close(round=_refresh(round_))
    page = client.get(url("results_evidence", round_, key_action(round_).pk)).content.decode()
    assert "comment 1" in page and "the fourth person" not in page
    data = _json(client, round_)
    assert data["round"]["submitted"] == 4 and data["release"] == {**data["release"], "respondents": 3, "waiting": 1}
    assert "1 newer response will appear once 3 have come in." in client.get(url("results", round_)).content.decode()


# Reopen for one more -------------------------------------------------------------


def test_reopening_a_closed_round_for_one_more_person_moves_nothing(client, facilitator, org):
    round_ = cae_round(org, status=RoundStatus.OPEN, threshold=3)
    for invitation in _online(round_, 4):
        _rate_and_submit(round_, invitation, 2)
    round_close(round=_refresh(round_))
    client.force_login(facilitator)
    before = _json(client, round_)
    late = invite_to(round_, UserFactory())
    closes_at = (timezone.now() + timedelta(days=3)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    assert client.post(url("round_reopen", round_), {"closes_at": closes_at}).status_code == 302
    _rate_and_submit(_refresh(round_), late, 4)
    assert client.post(url("round_close", round_)).status_code == 302
    after = _json(client, round_)
    assert _counts(after) == _counts(before) == [0, 4, 0, 0]
    assert after["round"]["submitted"] == 5 and after["release"]["waiting"] == 1


# Team figures below k ------------------------------------------------------------


def test_a_shared_round_with_one_respondent_shows_no_figure(client, org):
    round_ = cae_round(org, status=RoundStatus.OPEN, share_results=True)
    person, other = UserFactory(), UserFactory()
    mine, _theirs = invite_to(round_, person), invite_to(round_, other)
    _rate_and_submit(round_, mine, 3)
    round_close(round=_refresh(round_))
    client.force_login(other)
    html = client.get(url("results", round_)).content.decode()
    assert "Figures appear once 5 people have submitted: 4 more responses are needed." in html
    assert "results-table" not in html and "(100%)" not in html


def test_team_history_and_overview_show_no_n_or_median_of_a_round_below_k(client, lead, org, team):
    small = closed_round(team, closed_at=timezone.now() - timedelta(days=30))
    invitation = invite_to(small, UserFactory())
    Round.objects.filter(pk=small.pk).update(status=RoundStatus.OPEN)
    _rate_and_submit(_refresh(small), invitation, 4)
    Round.objects.filter(pk=small.pk).update(status=RoundStatus.CLOSED)
    client.force_login(lead)
    history = client.get(reverse("assessments:team_history", args=[team.pk])).content.decode()
    assert "Not shown: fewer than 5 responses" in history
    assert "figures not shown" in history  # the chart's words too
    overview = client.get(reverse("assessments:overview")).content.decode()
    assert "Not shown yet" in overview and "■■■■" not in overview


# Paper padding -------------------------------------------------------------------


def _paper_csv(group, count, level):
    lines = ["respondent,group,rubric,key_action,level,evidence"]
    for number in range(1, count + 1):
        lines += [f"P-{group}-{number},{group},{CAE},{position},{level}," for position in range(1, 6)]
    return SimpleUploadedFile("paper.csv", "\n".join(lines).encode(), "text/csv")


def test_paper_forms_do_not_uncover_a_one_person_group(client, facilitator, org):
    round_ = cae_round(org, status=RoundStatus.OPEN)
    for invitation in _online(round_, 6, group="Family"):
        _rate_and_submit(round_, invitation, 2)
    (advocate,) = _online(round_, 1, group="Advocate")
    _rate_and_submit(round_, advocate, 4)
    round_close(round=_refresh(round_))
    client.force_login(facilitator)
    before = _json(client, round_)
    page = client.get(reverse("assessments:paper_upload", args=[round_.pk])).content.decode()
    assert "Advocate: fewer than 5 answered privately (online), so paper forms in this group keep it hidden." in page
    response = client.post(
        reverse("assessments:paper_upload", args=[round_.pk]), {"file": _paper_csv("Advocate", 4, 1)}
    )
    assert response.status_code == 302
    after = _json(client, round_)
    groups = {group["name"]: group for group in _first(after)["groups"]}
    assert groups["Advocate"] == {"name": "Advocate", "suppressed": True}
    # Four paper forms differ from the release: fewer than k, so the figures stay as they were.
    assert _counts(after) == _counts(before) and after["release"]["waiting"] == 4
    assert "Advocate: fewer than 5 responses." in client.get(url("results", round_)).content.decode()
    # One more form makes five changes: a new release, with the padded group still hidden, and why.
    response = client.post(reverse("assessments:paper_upload", args=[round_.pk]), {"file": _paper_csv("Family", 1, 3)})
    assert response.status_code == 302
    padded = _json(client, round_)
    assert padded["release"]["respondents"] == 12
    groups = {group["name"]: group for group in _first(padded)["groups"]}
    assert groups["Advocate"] == {"name": "Advocate", "suppressed": True}
    html = client.get(url("results", round_)).content.decode()
    assert "Advocate: fewer than 5 answered privately (online)." in html
    ratings = list(
        csv.reader(io.StringIO(client.get(url("export_ratings_csv", round_)).getvalue().decode("utf-8-sig")))
    )
    # Every respondent of the release, and no group label once a release has replaced another.
    assert len(ratings) - 1 == 12 * 5 and {row[1] for row in ratings[1:]} == {""}


def test_paper_forms_do_not_lift_the_comment_threshold(client, facilitator, org):
    round_ = cae_round(org, status=RoundStatus.OPEN, threshold=3)
    (invitation,) = _online(round_, 1)
    _rate_and_submit(round_, invitation, 2, evidence="the only comment")
    round_close(round=_refresh(round_))
    client.force_login(facilitator)
    lines = ["respondent,group,rubric,key_action,level,evidence"]
    lines += [f"P-{n},Family,{CAE},{position},not sure," for n in (1, 2) for position in range(1, 6)]
    upload = SimpleUploadedFile("paper.csv", "\n".join(lines).encode(), "text/csv")
    assert client.post(reverse("assessments:paper_upload", args=[round_.pk]), {"file": upload}).status_code == 302
    page = client.get(url("results_evidence", round_, key_action(round_).pk)).content.decode()
    assert "the only comment" not in page
    html = client.get(url("results", round_)).content.decode()
    assert "fewer than 3 of the respondents answered privately" in html and "results-table" not in html


# Revoking withdraws -------------------------------------------------------------


def test_revoking_someone_who_submitted_withdraws_their_response_and_the_counts_agree(client, facilitator, org):
    round_ = cae_round(org, status=RoundStatus.OPEN, threshold=3)
    invitations = _online(round_, 4)
    for invitation in invitations:
        _rate_and_submit(round_, invitation, 2)
    round_close(round=_refresh(round_))
    client.force_login(facilitator)
    assert _json(client, round_)["release"]["respondents"] == 4
    revoke = reverse("assessments:invitation_revoke", args=[round_.pk, invitations[0].pk])
    assert client.post(revoke).status_code == 302
    data = _json(client, round_)
    assert (data["round"]["invited"], data["round"]["submitted"]) == (3, 3)
    # One withdrawal alone is fewer than k changes: the release stands, and says one change waits.
    assert data["release"]["respondents"] == 4 and data["release"]["waiting"] == 1
    html = client.get(url("results", round_)).content.decode()
    assert "3 of the 3 people invited have submitted ratings." in html


def test_a_group_of_one_hidden_by_subtracting_two_releases(client, facilitator, org):
    """Subtracting the shown groups of two releases from their team figures:
    a group that changed by fewer than k between them stays hidden."""
    round_ = cae_round(org, status=RoundStatus.OPEN)
    for invitation in _online(round_, 5, group="Family") + _online(round_, 5, group="Educator"):
        _rate_and_submit(round_, invitation, 2)
    round_close(round=_refresh(round_))
    client.force_login(facilitator)
    first = _json(client, round_)
    assert {g["name"]: g.get("suppressed", False) for g in _first(first)["groups"]} == {
        "Family": False,
        "Educator": False,
    }
    # Reopened: four more families and one more educator answer.
    closes_at = (timezone.now() + timedelta(days=3)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    assert client.post(url("round_reopen", round_), {"closes_at": closes_at}).status_code == 302
    for invitation in _online(round_, 4, group="Family") + _online(round_, 1, group="Educator"):
        _rate_and_submit(_refresh(round_), invitation, 4)
    assert client.post(url("round_close", round_)).status_code == 302
    second = _json(client, round_)
    assert second["release"]["respondents"] == 15
    groups = {g["name"]: g for g in _first(second)["groups"]}
    # Educator changed by one person: hidden, and so is Family, else team − Family would give Educator away.
    assert groups["Educator"] == {"name": "Educator", "suppressed": True}
    assert groups["Family"] == {"name": "Family", "suppressed": True}
    assert StakeholderGroup.objects.filter(organization=org, name="Educator").exists()
