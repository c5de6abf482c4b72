"""A stakeholder group that rounds used cannot be deleted; it can be merged
into another group of its organization (issue 13): its responses,
invitations and team members move in one transaction, the rounds whose
responses moved are told, and the released figures then count them there."""

from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from assessments.groups import services
from assessments.models import Invitation, Response, Round
from assessments.results.computation import round_results
from assessments.tests.factories import RoundFactory, invite
from assessments.tests.history_data import CAE, closed_round, respond
from convening.models import StakeholderGroup, TeamMember
from convening.tests.factories import StakeholderGroupFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _group(org, name):
    return StakeholderGroup.objects.get(organization=org, name=name)


def _url(group):
    return reverse("assessments:stakeholder_group_merge", args=[group.pk])


def _state(org):
    """Which group every response, invitation and team member of `org` is in."""
    return (
        sorted(Response.objects.filter(round__team__organization=org).values_list("pk", "stakeholder_group__name")),
        sorted(Invitation.objects.filter(round__team__organization=org).values_list("pk", "stakeholder_group__name")),
        sorted(TeamMember.objects.filter(team__organization=org).values_list("pk", "stakeholder_group__name")),
        sorted(StakeholderGroup.objects.filter(organization=org).values_list("name", flat=True)),
    )


@pytest.fixture
def used(org):
    """Advocate: two paper responses of a closed round, and three invitations
    (with their team members) of an open one."""
    team = TeamFactory(organization=org)
    closed = closed_round(team, closed_at=datetime(2027, 3, 1, tzinfo=UTC))
    respond(closed, "Advocate", [{1: 2}], times=2, slug=CAE)
    opened = RoundFactory(team=team)
    invite(opened, UserFactory(), UserFactory(), UserFactory(), group=_group(org, "Advocate"))
    return closed, opened


def test_the_groups_page_offers_a_merge_not_a_delete_for_a_group_rounds_used(client, facilitator, org, used):
    client.force_login(facilitator)

    page = client.get(reverse("convening:stakeholder_groups")).content.decode()

    advocate_row = page.split(">Advocate</th>")[1].split("</tr>")[0]
    assert "rounds used it" in advocate_row
    assert _url(_group(org, "Advocate")) in advocate_row
    assert "/delete/" not in advocate_row
    other_row = page.split(">Other</th>")[1].split("</tr>")[0]
    assert reverse("convening:stakeholder_group_delete", args=[_group(org, "Other").pk]) in other_row


def test_the_confirmation_page_says_what_moves_and_changes_nothing(client, facilitator, org, used):
    client.force_login(facilitator)
    before = _state(org)
    advocate, educator = _group(org, "Advocate"), _group(org, "Educator")

    response = client.get(_url(advocate), {"into": educator.pk})

    assert response.status_code == 200
    consequences = response.content.decode().split('id="merge-consequences">')[1].split("</ul>")[0]
    assert "2 responses" in consequences
    assert "in 1 round" in consequences
    assert "3 invitations" in consequences
    assert "3 team members" in consequences
    assert "Merge “Advocate” into “Educator”?" in response.content.decode()
    assert _state(org) == before


def test_merging_moves_everything_and_deletes_the_group(client, facilitator, org, used):
    client.force_login(facilitator)
    advocate, educator = _group(org, "Advocate"), _group(org, "Educator")

    response = client.post(_url(advocate), {"into": educator.pk}, follow=True)

    assert "“Advocate” was merged into “Educator”." in response.content.decode()
    responses, invitations, members, groups = _state(org)
    assert {name for _pk, name in responses + invitations + members} == {"Educator"}
    assert (len(responses), len(invitations), len(members)) == (2, 3, 3)
    assert "Advocate" not in groups


def test_every_round_whose_responses_moved_is_told(facilitator, org, used, monkeypatch):
    closed, opened = used
    calls = []
    monkeypatch.setattr(services, "results_changed", lambda **kwargs: calls.append(kwargs))
    moved = sorted(Response.objects.filter(stakeholder_group__name="Advocate").values_list("pk", flat=True))

    usage = services.stakeholder_group_merge(group=_group(org, "Advocate"), into=_group(org, "Family"), by=facilitator)

    assert calls == [{"round_id": closed.pk, "response_ids": moved}]
    assert (usage.responses, usage.invitations, usage.team_members, usage.rounds) == (2, 3, 3, 1)


def test_the_released_figures_count_the_moved_responses_in_the_other_group(facilitator, org):
    round_ = closed_round(TeamFactory(organization=org), closed_at=datetime(2027, 3, 1, tzinfo=UTC))
    respond(round_, "Advocate", [{1: 2}], times=5, slug=CAE)
    respond(round_, "Family", [{1: 3}], times=5, slug=CAE)
    revision = Round.objects.get(pk=round_.pk).results_revision

    services.stakeholder_group_merge(group=_group(org, "Advocate"), into=_group(org, "Family"), by=facilitator)

    round_.refresh_from_db()
    assert round_.results_revision > revision
    results = round_results(round=round_)
    assert results.group_respondents == {"Family": 10}


def test_a_group_is_not_merged_into_itself_or_into_another_organizations(client, facilitator, org, other_org, used):
    client.force_login(facilitator)
    advocate = _group(org, "Advocate")
    theirs = StakeholderGroupFactory(organization=other_org, name="Theirs")
    before = _state(org)

    for into in (advocate, theirs):
        response = client.post(_url(advocate), {"into": into.pk})
        assert response.status_code == 400
        assert "Choose one of the organization’s other groups." in response.content.decode()
    assert _state(org) == before
    with pytest.raises(ValidationError, match="another group"):
        services.stakeholder_group_merge(group=advocate, into=advocate, by=facilitator)
    with pytest.raises(ValidationError, match="another organization"):
        services.stakeholder_group_merge(group=advocate, into=theirs, by=facilitator)
    assert _state(org) == before


def test_another_organization_gets_404_and_changes_nothing(client, outsider, org, used):
    client.force_login(outsider)
    advocate, educator = _group(org, "Advocate"), _group(org, "Educator")
    before = _state(org)

    assert client.get(_url(advocate)).status_code == 404
    assert client.get(_url(advocate), {"into": educator.pk}).status_code == 404
    assert client.post(_url(advocate), {"into": educator.pk}).status_code == 404
    assert _state(org) == before


def test_without_team_manage_403_and_nothing_changes(client, lead, org, used):
    client.force_login(lead)
    advocate, educator = _group(org, "Advocate"), _group(org, "Educator")
    before = _state(org)

    assert client.get(_url(advocate)).status_code == 403
    assert client.post(_url(advocate), {"into": educator.pk}).status_code == 403
    assert _state(org) == before
    with pytest.raises(PermissionDenied):  # the service checks too
        services.stakeholder_group_merge(group=advocate, into=educator, by=lead)
    assert _state(org) == before


def _queries(client, url, data):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, data).status_code == 200
    return len(queries)


def test_the_merge_pages_queries_stay_flat_as_usage_grows(client, facilitator, org):
    client.force_login(facilitator)
    round_ = closed_round(TeamFactory(organization=org), closed_at=datetime(2027, 3, 1, tzinfo=UTC))
    advocate, educator = _group(org, "Advocate"), _group(org, "Educator")
    respond(round_, "Advocate", [{1: 2}], slug=CAE)
    few = (_queries(client, _url(advocate), {}), _queries(client, _url(advocate), {"into": educator.pk}))

    respond(round_, "Advocate", [{1: 2}], times=30, slug=CAE)
    respond(closed_round(round_.team, closed_at=datetime(2027, 6, 1, tzinfo=UTC)), "Advocate", [{1: 1}], slug=CAE)
    many = (_queries(client, _url(advocate), {}), _queries(client, _url(advocate), {"into": educator.pk}))

    assert many == few


@pytest.fixture
def english_after():
    """A request leaves its language active; the next test speaks English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_the_confirmation_page_in_spanish(client, facilitator, org, used, english_after):
    facilitator.language = "es"
    facilitator.save()
    client.force_login(facilitator)
    advocate, educator = _group(org, "Advocate"), _group(org, "Educator")

    page = client.get(_url(advocate), {"into": educator.pk}, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    consequences = page.split('id="merge-consequences">')[1].split("</ul>")[0]
    for words in ("2 respuestas", "en 1 ronda", "3 invitaciones", "3 miembros de equipos"):
        assert words in consequences
    assert "¿Fusionar «Advocate» con «Educator»?" in page
