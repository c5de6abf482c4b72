"""The rating page in the participant's language (issue 15, items 1 and 2):
a rubric with a complete translation into it is shown translated, marked as
whose translation it is, with the original one tap away (without JavaScript
too); a rubric without one is shown in its original, saying so."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from assessments.invitations.selectors import invitation_link_path
from assessments.models import Rating
from assessments.rounds.services import round_open
from assessments.tests.factories import RoundFactory, invite, lbc_rubrics
from convening.tests.factories import TeamFactory
from rubrics import services as rubric_services
from rubrics.models import KeyAction
from rubrics.tests.factories import exchange_data, translation_data

pytestmark = pytest.mark.django_db

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es"}
MARK = "Traducción de Convening; el original está en inglés"


def participant_of(round_, **headers):
    (invitation,) = invite(round_)
    client = Client(**headers)
    assert client.get(invitation_link_path(invitation)).status_code == 302
    return client


@pytest.fixture
def lbc_round(org):
    round_ = RoundFactory(team=TeamFactory(organization=org))
    round_open(round=round_)
    return round_


def page(client, round_, query=""):
    response = client.get(reverse("assessments:rate", args=[round_.pk]) + query)
    assert response.status_code == 200
    return response.content.decode()


def outside_originals(html: str) -> str:
    """The page without the originals kept one tap away."""
    return re.sub(r'<details class="original-text">.*?</details>', "", html, flags=re.S)


def test_a_spanish_participant_rates_the_lbc_rubrics_in_spanish(lbc_round, spanish):
    html = page(participant_of(lbc_round, **SPANISH), lbc_round)
    first = spanish["key_actions"][0]

    assert spanish["title"] in html
    assert f"1. {first['title']}" in html
    assert first["descriptors"][0] in html
    assert spanish["levels"][0]["summary"] in html
    assert MARK in html
    shown = outside_originals(html)
    english = KeyAction.objects.get(rubric__slug="creating-active-engagement", position=1)
    assert escape(english.title) not in shown
    assert escape(english.descriptors.first().text) not in shown


def test_each_descriptors_english_original_is_one_tap_away(lbc_round):
    html = page(participant_of(lbc_round, **SPANISH), lbc_round)
    english = KeyAction.objects.get(rubric__slug="creating-active-engagement", position=1).descriptors.first()
    originals = re.findall(r'<details class="original-text">.*?</details>', html, flags=re.S)

    assert len(originals) == sum(rubric.key_actions.count() * rubric.levels.count() for rubric in lbc_rubrics())
    (original,) = [details for details in originals if escape(english.text) in details]
    assert "<summary>Original en inglés" in original
    assert f'lang="en"><span class="fw-bold">{english.level.name}</span>' in original


def test_the_whole_english_original_is_a_link_away(lbc_round, spanish):
    client = participant_of(lbc_round, **SPANISH)
    assert "?original=1" in page(client, lbc_round)

    html = page(client, lbc_round, "?original=1")
    english = KeyAction.objects.get(rubric__slug="creating-active-engagement", position=1)
    assert f'lang="en">1. {escape(english.title)}</legend>' in html
    assert spanish["title"] not in html
    assert "Mostrarla en su idioma" in html  # back to the translation
    assert "Guardar mis respuestas" in html  # the interface stays Spanish


def test_an_english_participant_sees_the_originals_without_marks(lbc_round, spanish):
    html = page(participant_of(lbc_round), lbc_round)
    assert spanish["title"] not in html
    assert MARK not in html
    assert "original-text" not in html
    assert ' lang="' not in html.split("<main", 1)[1]


def test_a_rubric_without_a_spanish_translation_is_shown_in_its_original_saying_so(org):
    rubric = rubric_services.rubric_import(data=exchange_data(slug="ours", title="Our Rubric"), organization=org)
    round_ = RoundFactory(team=TeamFactory(organization=org), rubrics=[rubric])
    round_open(round=round_)
    html = page(participant_of(round_, **SPANISH), round_)

    assert "no tiene traducción a su idioma" in html
    assert f'<h2 id="rubric-heading-{rubric.pk}" class="h3" lang="en">Our Rubric</h2>' in html
    assert "original-text" not in html


def test_an_organizations_own_translation_is_shown_with_its_note(org):
    data = exchange_data(slug="ours", title="Our Rubric")
    data["translations"] = {"es": translation_data(data, note="Traducción de la agencia")}
    rubric = rubric_services.rubric_import(data=data, organization=org)
    round_ = RoundFactory(team=TeamFactory(organization=org), rubrics=[rubric])
    round_open(round=round_)
    html = page(participant_of(round_, **SPANISH), round_)

    assert "ES Our Rubric" in html
    assert "ES Key action 1 at level 1." in html
    assert "Traducción de la agencia" in html


def test_answers_given_on_the_spanish_page_are_the_same_answers(lbc_round):
    """The translation changes words only: the form's fields and values are
    the original's, so autosave and the no-JavaScript form are unchanged."""
    client = participant_of(lbc_round, **SPANISH)
    spanish_form = re.findall(r'name="(ka-\d+-level)" id="[^"]+" value="(\d+)"', page(client, lbc_round))
    english_form = re.findall(r'name="(ka-\d+-level)" id="[^"]+" value="(\d+)"', page(client, lbc_round, "?original=1"))
    assert spanish_form == english_form

    key_action = KeyAction.objects.filter(rubric__slug="creating-active-engagement").order_by("position").first()
    level = key_action.rubric.levels.get(position=2)
    response = client.post(
        reverse("assessments:rate_one", args=[lbc_round.pk, key_action.pk]),
        {f"ka-{key_action.pk}-level": level.pk, f"ka-{key_action.pk}-level-version": 0},
    )
    assert response.json()["saved"] is True
    assert Rating.objects.get(key_action=key_action).level == level


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len([q for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))])


def test_the_spanish_page_takes_the_queries_of_the_english_one(lbc_round):
    # The translation comes in the rubrics' own query: seven, as in test_views.
    url = reverse("assessments:rate", args=[lbc_round.pk])
    english = count_queries(participant_of(lbc_round), url)
    spanish = count_queries(participant_of(lbc_round, **SPANISH), url)
    original = count_queries(participant_of(lbc_round, **SPANISH), url + "?original=1")
    assert english == spanish == original == 7


def test_saving_without_javascript_from_the_english_original_comes_back_to_it(lbc_round):
    client = participant_of(lbc_round, **SPANISH)
    html = page(client, lbc_round, "?original=1")
    assert 'name="original" value="1"' in html
    key_action = KeyAction.objects.filter(rubric__slug="creating-active-engagement").order_by("position").first()
    level = key_action.rubric.levels.get(position=3)
    invitation = re.search(r'name="invitation" value="(\d+)"', html).group(1)
    response = client.post(
        reverse("assessments:rate", args=[lbc_round.pk]),
        {
            "invitation": invitation,
            "original": "1",
            f"ka-{key_action.pk}-level": level.pk,
            f"ka-{key_action.pk}-level-version": 0,
            f"ka-{key_action.pk}-level-initial": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?original=1")
    assert Rating.objects.get(key_action=key_action).level == level
    assert 'name="original"' not in page(client, lbc_round)  # the translated page posts without it
