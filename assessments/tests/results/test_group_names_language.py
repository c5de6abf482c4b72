"""Results read the stakeholder groups' names in the reader's language
(issue 15, item 3): the page and the files in it, results.json in its
`?lang=` (the originals by default); the figures are the same in every one."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from assessments.models import RoundStatus
from assessments.rounds.services import round_close
from assessments.tests.factories import RoundFactory, invite
from assessments.tests.history_data import CAE, closed_round, lbc, respond
from assessments.tests.results.test_differencing import _online, _rate_and_submit, _refresh
from assessments.tests.results_helpers import cae_round
from convening.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_(org):
    org.stakeholder_groups.filter(name="Family").update(names={"es": "Familia"})
    org.stakeholder_groups.filter(name="Educator").update(names={"es": "Educador"})
    round_ = closed_round(TeamFactory(organization=org), closed_at=datetime(2027, 5, 1, tzinfo=UTC), rubrics=[lbc(CAE)])
    answers = [{1: 1 + n % 4, 2: 2, 3: 1 + n % 3} for n in range(12)]
    respond(round_, "Family", answers[:6])
    respond(round_, "Educator", answers[6:])
    return round_


def _as(client, facilitator, language):
    facilitator.language = language
    facilitator.save()
    client.force_login(facilitator)
    return client


def _get(client, name, round_, query=""):
    response = client.get(reverse(f"assessments:{name}", args=[round_.pk]) + query)
    assert response.status_code == 200
    return response.getvalue().decode("utf-8-sig")


def _groups(data):
    return [
        [(group["name"], {k: v for k, v in group.items() if k != "name"}) for group in key_action["groups"]]
        for rubric in data["rubrics"]
        for key_action in rubric["key_actions"]
    ]


def test_the_results_page_and_csv_name_the_groups_in_the_readers_language(client, facilitator, round_):
    spanish_page = _get(_as(client, facilitator, "es"), "results", round_)
    spanish_csv = list(csv.reader(io.StringIO(_get(client, "export_results_csv", round_))))
    english_page = _get(_as(client, facilitator, "en"), "results", round_)
    english_csv = list(csv.reader(io.StringIO(_get(client, "export_results_csv", round_))))

    assert "Familia" in spanish_page and "Educador" in spanish_page
    assert "Familia" not in english_page and "Family" in english_page
    spanish_groups = {row[3] for row in spanish_csv if "Familia" in row or "Educador" in row}
    assert spanish_groups
    assert not any("Familia" in row for row in english_csv)

    def numbers(rows):
        return [[cell for cell in row if cell.replace(".", "").replace(",", "").isdigit()] for row in rows[1:]]

    assert numbers(spanish_csv) == numbers(english_csv)


def test_results_json_names_the_groups_in_its_lang_and_the_figures_stay(client, facilitator, round_):
    reader = _as(client, facilitator, "es")

    original = json.loads(_get(reader, "results_json", round_))
    spanish = json.loads(_get(reader, "results_json", round_, "?lang=es"))

    original_groups, spanish_groups = _groups(original), _groups(spanish)
    assert {name for rows in original_groups for name, _figures in rows} == {"Family", "Educator"}
    assert {name for rows in spanish_groups for name, _figures in rows} == {"Familia", "Educador"}
    assert [[figures for _name, figures in rows] for rows in spanish_groups] == [
        [figures for _name, figures in rows] for rows in original_groups
    ]


def test_the_paper_pages_name_the_groups_they_keep_hidden_in_the_readers_language(client, facilitator, org):
    org.stakeholder_groups.filter(name="Advocate").update(names={"es": "Defensor"})
    round_ = cae_round(org, status=RoundStatus.OPEN)
    (advocate,) = _online(round_, 1, group="Advocate")
    _rate_and_submit(round_, advocate, 4)
    round_close(round=_refresh(round_))

    spanish = _get(_as(client, facilitator, "es"), "paper_upload", round_)
    english = _get(_as(client, facilitator, "en"), "paper_upload", round_)

    assert "<li>Defensor:" in spanish
    assert "<li>Advocate:" in english


def test_the_round_page_and_the_paper_upload_name_the_groups_in_the_readers_language(client, facilitator, org):
    family = org.stakeholder_groups.get(name="Family")
    family.names = {"es": "Familia"}
    family.save()
    round_ = RoundFactory(team=TeamFactory(organization=org))
    invite(round_, group=family)
    reader = _as(client, facilitator, "es")

    invitees = _get(reader, "round_detail", round_).split("<tbody>")[-1]
    upload = _get(reader, "paper_upload", round_)

    assert "<td>Familia</td>" in invitees
    assert "Familia, Educator" in upload
