"""Consequential buttons lead to a page that says what will happen, in numbers, before it happens
(issue 14, item 4); the page itself changes nothing."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Invitation, RoundStatus, SentMessage
from assessments.rating.services import rating_save, response_submit
from assessments.tests.factories import answer_all, invite
from convening.models import StakeholderGroup
from rubrics.models import KeyAction

pytestmark = pytest.mark.django_db


def start(invitation):
    key_action = KeyAction.objects.filter(rubric__round_rubrics__round=invitation.round).first()
    rating_save(invitation=invitation, key_action_id=key_action.pk, level_id=None, not_sure=True, evidence="")


def consequences(response) -> str:
    assert response.status_code == 200
    return " ".join(response.context["consequences"])


def test_opening_says_how_many_invitations_it_sends_and_sends_none_yet(client, facilitator, draft):
    invite(draft)
    invite(draft)
    invite(draft)
    client.force_login(facilitator)
    page = client.get(reverse("assessments:round_open", args=[draft.pk]))
    assert "Sends 3 invitations by e-mail now" in consequences(page)
    draft.refresh_from_db()
    assert draft.status == RoundStatus.DRAFT and not SentMessage.objects.exists()
    assert page.context["action"] == reverse("assessments:round_open", args=[draft.pk])


def test_opening_a_round_nobody_is_invited_to_says_so(client, facilitator, draft):
    client.force_login(facilitator)
    page = client.get(reverse("assessments:round_open", args=[draft.pk]))
    assert "Nobody is invited yet" in consequences(page)


def test_closing_early_says_who_will_not_count(client, facilitator, open_round):
    done, part_way, also_part_way, _not_started = [invite(open_round)[0] for _ in range(4)]
    answer_all(done)
    response_submit(invitation=done)
    start(part_way)
    start(also_part_way)
    client.force_login(facilitator)
    page = client.get(reverse("assessments:round_close", args=[open_round.pk]))
    text = consequences(page)
    assert "It closes early" in text
    assert re.search(r"stay open until .+ [A-Z]{3,4}\.", text) and ".." not in text  # its zone, one full stop
    assert "2 people are part-way and will not count" in text
    assert "1 person invited has not started" in text
    assert "1 response counts in the results." in text
    open_round.refresh_from_db()
    assert open_round.status == RoundStatus.OPEN


def test_confirming_a_change_the_round_no_longer_allows_answers_409(client, facilitator, open_round, draft):
    client.force_login(facilitator)
    assert client.get(reverse("assessments:round_open", args=[open_round.pk])).status_code == 409
    assert client.get(reverse("assessments:round_close", args=[draft.pk])).status_code == 409


def test_revoking_says_a_submitted_response_is_withdrawn(client, facilitator, open_round):
    submitted, part_way, fresh = [invite(open_round)[0] for _ in range(3)]
    answer_all(submitted)
    response_submit(invitation=submitted)
    start(part_way)
    client.force_login(facilitator)

    def page_for(invitation):
        return consequences(client.get(reverse("assessments:invitation_revoke", args=[open_round.pk, invitation.pk])))

    assert "Their submitted response is withdrawn" in page_for(submitted)
    assert "not submitted, will not count" in page_for(part_way)
    fresh_text = page_for(fresh)
    assert "Their personal link stops working" in fresh_text and "withdrawn" not in fresh_text
    assert not Invitation.objects.filter(revoked_at__isnull=False).exists()


def test_a_revoked_invitation_cannot_be_confirmed_again(client, facilitator, open_round):
    from assessments.invitations.services import invitation_revoke

    (invitation,) = invite(open_round)
    invitation_revoke(invitation=invitation)
    client.force_login(facilitator)
    assert client.get(reverse("assessments:invitation_revoke", args=[open_round.pk, invitation.pk])).status_code == 409


def test_deleting_a_group_is_confirmed_then_done_by_the_groups_page(client, facilitator, org):
    group = StakeholderGroup.objects.create(organization=org, name="Unused")
    client.force_login(facilitator)
    page = client.get(reverse("convening:stakeholder_group_delete", args=[group.pk]))
    assert "No team member and no round uses it" in consequences(page)
    assert page.context["action"] == reverse("convening:stakeholder_groups")
    assert page.context["hidden"] == {"action": "delete", "group": group.pk}
    assert StakeholderGroup.objects.filter(pk=group.pk).exists()
    client.post(page.context["action"], page.context["hidden"])
    assert not StakeholderGroup.objects.filter(pk=group.pk).exists()


def test_the_confirmation_pages_leave_the_round_closing_time_alone(client, facilitator, open_round):
    closes = open_round.closes_at
    client.force_login(facilitator)
    client.get(reverse("assessments:round_close", args=[open_round.pk]))
    open_round.refresh_from_db()
    assert open_round.closes_at == closes and closes > timezone.now() + timedelta(days=1)
