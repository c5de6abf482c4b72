"""Every output in the reader's language (issue 15, item 5): the results
page, results.json with `?lang=`, the CSV, the workbook and the PDF show the
rubrics' words in the reader's language where a translation exists, and the
same figures in every language."""

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from assessments.models import ActionPlan, ReportKind
from assessments.reports import pdf, registry
from assessments.rounds.services import round_open
from assessments.tests.factories import RoundFactory, invite
from assessments.tests.history_data import CAE, agree, closed_round, lbc, respond
from convening import services as convening_services
from convening.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

SPANISH = json.loads((Path(settings.BASE_DIR) / "rubrics" / "data" / "es" / f"{CAE}.json").read_text(encoding="utf-8"))
MARK = "Traducción de Convening; el original está en inglés"


@pytest.fixture
def round_(org):
    round_ = closed_round(TeamFactory(organization=org), closed_at=datetime(2027, 5, 1, tzinfo=UTC), rubrics=[lbc(CAE)])
    answers = [{1: 1 + n % 4, 2: 2, 3: 1 + n % 3, 4: 4, 5: None if n % 3 == 0 else 2} for n in range(12)]
    respond(round_, "Family", answers[:6])
    respond(round_, "Educator", answers[6:])
    agree(round_, 1, 3)
    ActionPlan.objects.create(
        round=round_, key_action=lbc(CAE).key_actions.get(position=1), target_level=lbc(CAE).levels.get(position=4)
    )
    return round_


@pytest.fixture
def reader(client, facilitator):
    def as_(language):
        facilitator.language = language
        facilitator.save()
        client.force_login(facilitator)
        return client

    return as_


def get(client, name, round_, query=""):
    response = client.get(reverse(f"assessments:{name}", args=[round_.pk]) + query)
    assert response.status_code == 200
    return response


def without_words(data):
    """results.json's figures alone: every title and note taken out."""
    if isinstance(data, dict):
        return {
            key: without_words(value)
            for key, value in data.items()
            if key not in {"title", "translation_note", "language"}
        }
    if isinstance(data, list):
        return [without_words(item) for item in data]
    return data


def test_results_json_is_in_the_original_unless_a_language_is_asked_for(reader, round_):
    client = reader("es")  # the reader's language does not change the exchange format
    original = get(client, "results_json", round_).json()
    spanish = get(client, "results_json", round_, "?lang=es").json()

    assert original["rubrics"][0]["title"] == "Creating Active Engagement"
    assert set(original["rubrics"][0]) == {"slug", "title", "key_actions"}
    assert spanish["rubrics"][0]["title"] == SPANISH["title"]
    assert spanish["rubrics"][0]["key_actions"][0]["title"] == SPANISH["key_actions"][0]["title"]
    assert (spanish["rubrics"][0]["language"], spanish["rubrics"][0]["translation_note"]) == ("es", MARK)
    assert get(client, "results_json", round_, "?lang=en").json() == original
    assert without_words(spanish) == without_words(original)  # the same figures


def test_results_json_refuses_a_language_the_site_lacks(reader, round_):
    response = reader("en").get(reverse("assessments:results_json", args=[round_.pk]) + "?lang=fr")
    assert response.status_code == 400
    assert "fr" in response.json()["error"]


def test_the_results_page_is_in_the_readers_language(reader, round_):
    spanish = get(reader("es"), "results", round_).content.decode()
    assert SPANISH["title"] in spanish
    assert SPANISH["key_actions"][0]["title"] in spanish
    assert SPANISH["levels"][2]["name"] in spanish  # the consensus, "Colaborar"
    assert "Creating Active Engagement" not in spanish
    assert MARK in spanish  # whose translation it is

    english = get(reader("en"), "results", round_).content.decode()
    assert "Creating Active Engagement" in english
    assert SPANISH["title"] not in english


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


def test_the_results_csv_has_spanish_words_and_the_same_figures(reader, round_):
    english = csv_rows(get(reader("en"), "export_results_csv", round_))
    spanish = csv_rows(get(reader("es"), "export_results_csv", round_))

    assert len(spanish) == len(english)
    assert spanish[0] != english[0]  # the headers are Spanish
    assert any(SPANISH["key_actions"][0]["title"] in row for row in spanish)
    assert not any("Coalesce the stakeholders around the issue" in row for row in spanish)

    def figures(rows):
        return [[cell for cell in row if re.fullmatch(r"[\d.,]*", cell)] for row in rows[1:]]

    assert figures(spanish) == figures(english)


def test_the_ratings_csv_is_a_data_format_the_same_in_every_language(reader, round_):
    # Its header and cells are SPEC's (slugs, positions, level numbers): nothing to translate. Respondent
    # codes are drawn anew for each file, so the rows are compared without them.
    def ratings(rows):
        return rows[0], sorted(row[1:] for row in rows[1:])

    spanish = csv_rows(get(reader("es"), "export_ratings_csv", round_))
    assert ratings(spanish) == ratings(csv_rows(get(reader("en"), "export_ratings_csv", round_)))


def sheet_rows(response):
    workbook = load_workbook(io.BytesIO(response.content))
    return workbook, {
        name: [list(row) for row in workbook[name].iter_rows(values_only=True)] for name in workbook.sheetnames
    }


def test_the_workbook_is_in_spanish_with_the_same_figures(reader, round_):
    _english_book, english = sheet_rows(get(reader("en"), "export_results_xlsx", round_))
    spanish_book, spanish = sheet_rows(get(reader("es"), "export_results_xlsx", round_))

    assert spanish_book.sheetnames[1] == SPANISH["title"]  # after "About"
    spanish_text = json.dumps(spanish, default=str, ensure_ascii=False)
    assert SPANISH["key_actions"][0]["title"] in spanish_text
    assert SPANISH["levels"][3]["name"] in spanish_text  # the action plan's target, "Transformar"
    assert "Coalesce the stakeholders" not in spanish_text

    def numbers(sheets):
        return [[cell for cell in row if isinstance(cell, int | float)] for rows in sheets.values() for row in rows]

    assert numbers(spanish) == numbers(english)


def test_the_pdf_is_in_the_requesters_language(round_, monkeypatch):
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html: html.encode())
    build = registry.FORMATS[ReportKind.ROUND_PDF].build
    with translation.override("es"):
        spanish = build(round_, lambda _progress: None).decode()
    english = build(round_, lambda _progress: None).decode()

    assert SPANISH["title"] in spanish
    assert SPANISH["key_actions"][0]["title"] in spanish
    assert SPANISH["levels"][3]["name"] in spanish
    assert MARK in spanish
    assert "Creating Active Engagement" in english
    assert MARK not in english
    assert SPANISH["title"] not in english


def test_an_invitation_to_a_person_added_from_a_spanish_page_is_in_spanish(org, django_capture_on_commit_callbacks):
    round_ = RoundFactory(team=TeamFactory(organization=org))
    with translation.override("es"):
        person, created = convening_services.person_get_or_create(email="familia@example.org", name="Ana")
    assert created and person.language == "es"
    with django_capture_on_commit_callbacks(execute=True):
        invite(round_, person)
        round_open(round=round_)
    (message,) = [message for message in mail.outbox if message.to == ["familia@example.org"]]
    assert "Hola" in message.body


def test_the_evidence_page_names_the_key_action_in_the_readers_language(reader, round_):
    key_action = lbc(CAE).key_actions.get(position=1)
    address = reverse("assessments:results_evidence", args=[round_.pk, key_action.pk])
    spanish = reader("es").get(address).content.decode()
    assert SPANISH["key_actions"][0]["title"] in spanish
    assert SPANISH["title"] in spanish
    assert "Coalesce the stakeholders around the issue" not in spanish
    assert "Coalesce the stakeholders around the issue" in reader("en").get(address).content.decode()


def test_the_team_history_and_the_overview_are_in_the_readers_language(reader, round_):
    addresses = [
        reverse("assessments:team_history", args=[round_.team_id]),
        reverse("assessments:overview"),
    ]
    for address in addresses:
        spanish = reader("es").get(address)
        assert spanish.status_code == 200
        assert SPANISH["title"] in spanish.content.decode(), address
        assert SPANISH["key_actions"][0]["title"] in spanish.content.decode(), address
        english = reader("en").get(address).content.decode()
        assert "Creating Active Engagement" in english
        assert SPANISH["title"] not in english


def test_the_plan_page_names_the_target_and_its_goal_in_the_readers_language(reader, round_):
    address = reverse("assessments:plan", args=[round_.pk])
    spanish = reader("es").get(address).content.decode()
    goal = SPANISH["key_actions"][0]["descriptors"][3]  # the saved target of key action 1 is level 4
    assert SPANISH["key_actions"][0]["title"] in spanish
    assert f"4. {SPANISH['levels'][3]['name']}" in spanish
    assert goal in spanish
    english = reader("en").get(address).content.decode()
    assert goal not in english
    assert "4. Transforming" in english


def test_the_paper_entry_form_is_in_the_readers_language(reader, org):
    open_round = RoundFactory(team=TeamFactory(organization=org), rubrics=[lbc(CAE)])
    round_open(round=open_round)
    spanish = get(reader("es"), "paper_entry", open_round).content.decode()
    assert SPANISH["key_actions"][0]["descriptors"][0] in spanish
    assert "Coalesce the stakeholders around the issue" not in spanish


@pytest.mark.parametrize("name", ["results", "results_json", "export_results_csv", "team_history", "overview"])
def test_spanish_outputs_take_the_queries_of_english_ones(reader, round_, name):
    """The translation is read in the rubrics' own query: no query more."""
    args = [] if name == "overview" else [round_.team_id] if name == "team_history" else [round_.pk]
    address = reverse(f"assessments:{name}", args=args) + ("?lang=es" if name == "results_json" else "")
    counts = {}
    for language in ("en", "es"):
        client = reader(language)
        client.get(address)  # the release is made and recorded once; the page's cached parts are kept
        with CaptureQueriesContext(connection) as queries:
            assert client.get(address).status_code == 200
        counts[language] = len(queries)
    assert counts["es"] == counts["en"]


def test_the_round_page_names_its_rubrics_in_the_readers_language(reader, round_):
    assert SPANISH["title"] in get(reader("es"), "round_detail", round_).content.decode()
    assert "Creating Active Engagement" in get(reader("en"), "round_detail", round_).content.decode()
