"""The meeting's screens in their readers' languages (issue 12, item 10):
each phone in its person's language, the projector in the facilitator's;
the rubric's texts translated where it has a translation, marked when not
in the page's language."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from assessments.models import Meeting, RoundStatus
from assessments.tests.results_helpers import cae_round, key_action, url
from convening.models import StakeholderGroup

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(client, facilitator, org):
    round_ = cae_round(org, status=RoundStatus.OPEN, threshold=3)
    client.force_login(facilitator)
    client.post(url("meeting_start", round_))
    return Meeting.objects.get(round=round_, ended_at__isnull=True)


def walk_in_phone(meeting, **headers) -> Client:
    phone = Client(**headers)
    group = StakeholderGroup.objects.get(organization=meeting.round.organization, name="Family")
    assert phone.post(reverse("assessments:meeting_join", args=[meeting.code]), {"group": group.pk}).status_code == 302
    return phone


def phone_page(phone, meeting) -> str:
    response = phone.get(reverse("assessments:meeting_phone", args=[meeting.code]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_spanish_phone_shows_the_key_action_and_its_levels_in_spanish(meeting, spanish):
    # As organization_create names the default groups in every language.
    StakeholderGroup.objects.filter(organization=meeting.round.organization, name="Family").update(
        names={"es": "Familia"}
    )
    html = phone_page(walk_in_phone(meeting, HTTP_ACCEPT_LANGUAGE="es"), meeting)
    first = spanish["key_actions"][0]

    assert f"1. {first['title']}" in html
    assert first["descriptors"][0] in html
    assert spanish["levels"][0]["name"] in html
    assert "Guardar mi respuesta" in html
    assert "Familia" in html  # the group they joined, in their language
    assert escape(key_action(meeting.round).title) not in html


def test_an_english_phone_beside_it_stays_in_english(meeting, spanish):
    walk_in_phone(meeting, HTTP_ACCEPT_LANGUAGE="es")
    html = phone_page(walk_in_phone(meeting, HTTP_ACCEPT_LANGUAGE="en"), meeting)

    assert f"1. {escape(key_action(meeting.round).title)}" in html
    assert spanish["key_actions"][0]["title"] not in html
    assert ' lang="' not in html.split("<main", 1)[1]


def test_the_projector_is_in_the_facilitators_language(client, meeting, spanish):
    english = client.get(url("meeting_projector", meeting.round)).content.decode()
    assert escape(key_action(meeting.round).title) in english

    client.post(reverse("language_set"), {"language": "es"})
    html = client.get(url("meeting_projector", meeting.round)).content.decode()
    assert spanish["key_actions"][0]["title"] in html
    assert spanish["levels"][0]["name"] in html


def test_the_agreed_level_is_named_in_the_screens_language(client, facilitator, meeting, spanish):
    round_ = meeting.round
    phones = [walk_in_phone(meeting) for _ in range(3)]
    level_one = round_.rubrics.get().levels.get(position=1)
    for phone in phones:
        page = phone_page(phone, meeting)
        version = page.split('name="version" value="', 1)[1].split('"', 1)[0]
        phone.post(
            reverse("assessments:meeting_answer", args=[meeting.code]),
            {"key_action": key_action(round_).pk, "level": level_one.pk, "version": version},
        )
    client.post(url("meeting_control", round_), {"action": "reveal"})
    client.post(url("meeting_consensus", round_), {"level": level_one.pk, "rationale": "Todos"})

    client.post(reverse("language_set"), {"language": "es"})
    html = client.get(url("meeting_projector", round_)).content.decode()
    assert f"El equipo acordó: {spanish['levels'][0]['name']}" in html
