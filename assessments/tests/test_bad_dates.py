"""Dates far outside any round's life are refused with a message instead
of a 500 (issue 13)."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.db import DataError, connection
from django.urls import reverse
from django.utils import timezone

from assessments.models import Round, RoundStatus
from assessments.tests.factories import RoundFactory
from assessments.tests.rounds.test_views import form_data
from convening.models import Organization
from convening.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field", ["closed_from", "closed_to"])
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_the_overview_refuses_a_date_out_of_range(client, facilitator, field, value):
    client.force_login(facilitator)
    response = client.get(reverse("assessments:overview"), {field: value})
    assert response.status_code == 400
    assert "Ensure this value is" in response.content.decode()


# Rounds -------------------------------------------------------------------------


@pytest.fixture
def team(org):
    Organization.objects.filter(pk=org.pk).update(time_zone="America/New_York")  # behind UTC
    return TeamFactory(organization=Organization.objects.get(pk=org.pk))


def _create(client, team, **changes):
    return client.post(reverse("assessments:round_create", args=[team.pk]), form_data(**changes))


@pytest.mark.parametrize("closes_at", ["9999-12-31T23:59", "2100-01-01T00:00"])
def test_a_round_closing_in_year_9999_is_refused(client, facilitator, team, closes_at):
    client.force_login(facilitator)
    response = _create(client, team, closes_at=closes_at)
    assert response.status_code == 400
    assert "Choose a date from" in response.content.decode()
    assert not Round.objects.exists()


def test_a_round_opening_in_year_1_is_refused(client, facilitator, team):
    client.force_login(facilitator)
    response = _create(client, team, opens_at="0001-01-01T00:00")
    assert response.status_code == 400
    assert "Choose a date from" in response.content.decode()
    assert not Round.objects.exists()


def test_every_error_of_the_form_is_shown_at_once(client, facilitator, team):
    client.force_login(facilitator)
    response = _create(client, team, threshold="1", opens_at="2030-01-02T09:00", closes_at="2030-01-01T09:00")
    page = response.content.decode()
    assert response.status_code == 400
    assert "cannot be below" in page
    assert "must be after the opening" in page
    assert not Round.objects.exists()


def test_a_round_whose_closing_time_has_passed_is_not_created(client, facilitator, team):
    client.force_login(facilitator)
    yesterday = timezone.localtime(timezone.now() - timedelta(days=1), timezone=None)
    response = _create(
        client,
        team,
        opens_at=(yesterday - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        closes_at=yesterday.strftime("%Y-%m-%dT%H:%M"),
    )
    assert response.status_code == 400
    assert "The closing date has passed" in response.content.decode()
    assert not Round.objects.exists()


def test_a_draft_whose_closing_time_has_passed_is_not_opened(client, facilitator, team):
    now = timezone.now()
    draft = RoundFactory(team=team, opens_at=now + timedelta(days=1))
    Round.objects.filter(pk=draft.pk).update(opens_at=now - timedelta(days=2), closes_at=now - timedelta(days=1))
    client.force_login(facilitator)
    response = client.post(reverse("assessments:round_open", args=[draft.pk]))
    assert response.status_code == 409
    assert "closing date has passed" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == RoundStatus.DRAFT


@pytest.mark.skipif(connection.vendor != "postgresql", reason="only PostgreSQL stored such dates (SQLite refused them)")
def test_a_round_stored_in_year_10000_before_the_fix_is_brought_back_and_shows_again(client, facilitator, team):
    round_ = RoundFactory(team=team)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE assessments_round SET closes_at = '9999-12-31 23:59:00-05'::timestamptz WHERE id = %s", [round_.pk]
        )
    client.force_login(facilitator)
    with pytest.raises(DataError):  # as every page showing it did: Python has no year 10000
        client.get(reverse("assessments:round_detail", args=[round_.pk]))

    migration = importlib.import_module("assessments.migrations.0011_round_dates_in_range")
    migration.dates_in_range(django_apps, connection.schema_editor())

    assert client.get(reverse("assessments:round_detail", args=[round_.pk])).status_code == 200
    assert client.get(reverse("assessments:round_list", args=[team.pk])).status_code == 200
    round_.refresh_from_db()
    assert round_.closes_at.year == 2099 and round_.closes_at > round_.opens_at
