"""Meetings through HTTP: starting, the projector, joining by code (walk-ins
and invitees), paced answers, reveals as releases of one key action (SPEC
§5.1), consensus in the room, and what the round's release makes of reveals."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from assessments.meeting.services import meeting_reveal, meeting_start
from assessments.models import (
    MEETING_IDLE_HOURS,
    ActionStep,
    Consensus,
    Invitation,
    Meeting,
    MeetingReveal,
    MeetingSignIn,
    Rating,
    RoundStatus,
)
from assessments.rating.services import rating_save, response_submit
from assessments.results.computation import round_results
from assessments.rounds.services import round_close
from assessments.tests.results_helpers import cae_round, invite_to, key_action, level, url
from convening.models import AuditEvent, AuditKind, PersonName, StakeholderGroup
from convening.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting_round(org):
    return cae_round(org, status=RoundStatus.OPEN, threshold=3)


def start(client, facilitator, round_) -> Meeting:
    client.force_login(facilitator)
    response = client.post(url("meeting_start", round_))
    assert response.status_code == 302 and response["Location"] == url("meeting_projector", round_)
    return Meeting.objects.get(round=round_, ended_at__isnull=True)


def walk_in(meeting, group_name="Family") -> Client:
    phone = Client()
    group = StakeholderGroup.objects.get(organization=meeting.round.organization, name=group_name)
    response = phone.post(reverse("assessments:meeting_join", args=[meeting.code]), {"group": group.pk})
    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == reverse("assessments:meeting_phone", args=[meeting.code])
    return phone


def answer(phone, meeting, position_level: int | None, key_action_position=1) -> None:
    page = phone.get(reverse("assessments:meeting_phone", args=[meeting.code])).content.decode()
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found is not None
    version = found.group(1)
    ka = key_action(meeting.round, key_action_position)
    value = "not_sure" if position_level is None else str(level(meeting.round, position_level).pk)
    response = phone.post(
        reverse("assessments:meeting_answer", args=[meeting.code]),
        {"key_action": ka.pk, "level": value, "version": version},
    )
    assert response.status_code == 302


def control(client, round_, action):
    return client.post(url("meeting_control", round_), {"action": action})


def test_the_projector_shows_the_code_its_qr_code_and_the_key_action_never_figures_before_the_reveal(
    client, facilitator, meeting_round
):
    meeting = start(client, facilitator, meeting_round)
    page = client.get(url("meeting_projector", meeting_round)).content.decode()
    assert f"{meeting.code[:4]}-{meeting.code[4:]}" in page
    assert reverse("assessments:meeting_join", args=[meeting.code]) in page
    assert "<svg" in page and "room-qr" in page
    assert key_action(meeting_round).title in page
    for descriptor in key_action(meeting_round).descriptors.all():
        assert descriptor.text[:40] in page
    assert "0 of 0 have rated this one" in page
    assert "room-chart" not in page


def test_starting_twice_keeps_one_live_meeting(client, facilitator, meeting_round):
    first = start(client, facilitator, meeting_round)
    second = start(client, facilitator, meeting_round)
    assert first.pk == second.pk and Meeting.objects.filter(round=meeting_round).count() == 1


def test_a_meeting_needs_an_open_round(client, facilitator, org):
    closed = cae_round(org, status=RoundStatus.CLOSED)
    client.force_login(facilitator)
    assert client.post(url("meeting_start", closed)).status_code == 409
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("name", ["meeting_projector", "meeting_projector_state"])
def test_the_projector_is_the_facilitators(client, facilitator, lead, outsider, meeting_round, name):
    start(client, facilitator, meeting_round)
    client.force_login(lead)
    assert client.get(url(name, meeting_round)).status_code == 403
    client.force_login(outsider)
    assert client.get(url(name, meeting_round)).status_code == 404


@pytest.mark.parametrize("name", ["meeting_start", "meeting_control", "meeting_consensus"])
def test_the_controls_are_the_facilitators(client, facilitator, lead, outsider, meeting_round, name):
    meeting = start(client, facilitator, meeting_round)
    for person, status in ((lead, 403), (outsider, 404)):
        client.force_login(person)
        assert client.post(url(name, meeting_round), {"action": "next"}).status_code == status
    meeting.refresh_from_db()
    assert meeting.position == 0 and meeting.revision == 0


def test_a_walk_in_joins_in_the_group_they_chose_and_answers_the_key_action_on_screen(
    client, facilitator, meeting_round
):
    meeting = start(client, facilitator, meeting_round)
    phone = walk_in(meeting, "Educator")
    invitation = Invitation.objects.get(walk_in_meeting=meeting)
    assert invitation.user is None and invitation.stakeholder_group.name == "Educator"
    page = phone.get(reverse("assessments:meeting_phone", args=[meeting.code])).content.decode()
    assert key_action(meeting_round).title in page and "walk-in" in page
    answer(phone, meeting, 3)
    rating = Rating.objects.get(response__invitation=invitation)
    assert rating.key_action == key_action(meeting_round) and rating.level == level(meeting_round, 3)
    projector = client.get(url("meeting_projector", meeting_round)).content.decode()
    assert "1 of 1 has rated this one" in projector and "1 joined without an invitation" in projector


def test_the_phone_follows_the_facilitator(client, facilitator, meeting_round):
    meeting = start(client, facilitator, meeting_round)
    phone = walk_in(meeting)
    state = reverse("assessments:meeting_phone_state", args=[meeting.code])
    meeting.refresh_from_db()
    assert phone.get(state, {"r": meeting.revision}).status_code == 204  # nothing moved: nothing to redraw
    control(client, meeting_round, "next")
    meeting.refresh_from_db()
    assert meeting.position == 1
    page = phone.get(state, {"r": meeting.revision - 1}).content.decode()
    assert key_action(meeting_round, 2).title in page and key_action(meeting_round, 1).title not in page


def test_an_invitee_continues_as_themselves_with_the_answer_given_before(client, facilitator, meeting_round):
    person = UserFactory()
    invitation = invite_to(meeting_round, person)
    rating_save(
        invitation=invitation,
        key_action_id=key_action(meeting_round).pk,
        level_id=level(meeting_round, 2).pk,
        not_sure=False,
        evidence="",
    )
    meeting = start(client, facilitator, meeting_round)
    phone = Client()
    phone.force_login(person)
    response = phone.get(reverse("assessments:meeting_join", args=[meeting.code]))
    assert response.status_code == 302 and response["Location"].endswith("/phone/")
    page = phone.get(response["Location"]).content.decode()
    assert re.search(rf'value="{level(meeting_round, 2).pk}" checked', page)
    answer(phone, meeting, 4)
    assert Rating.objects.get(response__invitation=invitation).level == level(meeting_round, 4)
    assert not Invitation.objects.filter(walk_in_meeting=meeting).exists()


def test_a_locked_meeting_takes_no_newcomers(client, facilitator, meeting_round):
    meeting = start(client, facilitator, meeting_round)
    control(client, meeting_round, "lock")
    group = StakeholderGroup.objects.get(organization=meeting_round.organization, name="Family")
    phone = Client()
    page = phone.get(reverse("assessments:meeting_join", args=[meeting.code])).content.decode()
    assert "closed this meeting to newcomers" in page
    phone.post(reverse("assessments:meeting_join", args=[meeting.code]), {"group": group.pk})
    assert not Invitation.objects.filter(walk_in_meeting=meeting).exists()


def test_a_code_works_only_while_its_meeting_is_live(client, facilitator, meeting_round):
    meeting = start(client, facilitator, meeting_round)
    phone = walk_in(meeting)
    control(client, meeting_round, "end")
    assert phone.get(reverse("assessments:meeting_join", args=[meeting.code])).status_code == 404
    assert Client().get(reverse("assessments:meeting_join", args=["ZZZZ2222"])).status_code == 404


def test_codes_that_open_nothing_are_rate_limited(client):
    guesser = Client()
    statuses = [guesser.get(reverse("assessments:meeting_join", args=[f"AAAA{i:04d}"])).status_code for i in range(25)]
    assert statuses[:20] == [404] * 20 and statuses[-1] == 429


def test_a_walk_in_of_another_organizations_group_is_refused(client, facilitator, meeting_round, other_org):
    meeting = start(client, facilitator, meeting_round)
    foreign = StakeholderGroup.objects.create(organization=other_org, name="Family", position=1)
    response = Client().post(reverse("assessments:meeting_join", args=[meeting.code]), {"group": foreign.pk})
    assert response.status_code == 400 and not Invitation.objects.filter(walk_in_meeting=meeting).exists()


def test_the_reveal_waits_for_k_answers_and_then_shows_everyone_the_same_figures(client, facilitator, meeting_round):
    meeting = start(client, facilitator, meeting_round)
    phones = [walk_in(meeting) for _ in range(3)]
    for phone, rated in zip(phones[:2], [2, 3], strict=True):
        answer(phone, meeting, rated)
    response = control(client, meeting_round, "reveal")
    assert not MeetingReveal.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "the figures show once 3 have" in page and "room-chart" not in page
    phone_page = phones[0].get(reverse("assessments:meeting_phone", args=[meeting.code])).content.decode()
    assert "room-chart" not in phone_page
    answer(phones[2], meeting, 3)
    control(client, meeting_round, "reveal")
    reveal = MeetingReveal.objects.get()
    assert reveal.respondents == 3 and reveal.counts == {"2": 1, "3": 2}
    projector = client.get(url("meeting_projector", meeting_round)).content.decode()
    assert "room-chart" in projector and "Median Collaborating (3)" in projector
    phone_page = phones[0].get(reverse("assessments:meeting_phone", args=[meeting.code])).content.decode()
    assert "room-chart" in phone_page and "Median Collaborating (3)" in phone_page
    assert "Family" not in re.sub(r"<form.*?</form>", "", projector, flags=re.S)  # no group breakdown in the room


def test_a_second_reveal_needs_k_changed_answers(client, facilitator, meeting_round):
    meeting = start(client, facilitator, meeting_round)
    phones = [walk_in(meeting) for _ in range(5)]
    for phone in phones[:3]:
        answer(phone, meeting, 2)
    control(client, meeting_round, "reveal")
    answer(phones[3], meeting, 4)  # one more: subtracting the reveals would give this answer
    control(client, meeting_round, "reveal")
    assert MeetingReveal.objects.count() == 1
    answer(phones[4], meeting, 4)
    answer(phones[0], meeting, 3)
    control(client, meeting_round, "reveal")
    assert MeetingReveal.objects.count() == 2 and MeetingReveal.objects.last().respondents == 5


def test_consensus_in_the_room_becomes_the_rounds_consensus_and_first_step(client, facilitator, meeting_round):
    meeting = start(client, facilitator, meeting_round)
    phones = [walk_in(meeting) for _ in range(3)]
    for phone in phones:
        answer(phone, meeting, 3)
    response = client.post(url("meeting_consensus", meeting_round), {"level": level(meeting_round, 3).pk})
    assert response.status_code == 409 and not Consensus.objects.exists()  # not before the reveal
    control(client, meeting_round, "reveal")
    response = client.post(
        url("meeting_consensus", meeting_round),
        {
            "level": level(meeting_round, 3).pk,
            "rationale": "Agendas go out early",
            "step": "Share agendas",
            "owner": "Ana",
        },
    )
    assert response.status_code == 302
    record = Consensus.objects.get()
    assert record.key_action == key_action(meeting_round) and record.rationale == "Agendas go out early"
    assert ActionStep.objects.get().description == "Share agendas"
    assert "The team agreed" in client.get(url("meeting_projector", meeting_round)).content.decode()


def test_a_release_after_the_meeting_cannot_be_subtracted_from_a_reveal(facilitator, meeting_round):
    """Four answered in the room and the key action was revealed; three of
    them submit and the round closes: the team figure of three, subtracted
    from the reveal of four, would give the fourth person's answer."""
    meeting = meeting_start(round=meeting_round, by=facilitator)
    invitations = [invite_to(meeting_round, UserFactory()) for _ in range(4)]
    for invitation, rated in zip(invitations, [1, 2, 3, 4], strict=True):
        for ka in meeting_round.rubrics.get().key_actions.all():
            rating_save(
                invitation=invitation,
                key_action_id=ka.pk,
                level_id=level(meeting_round, rated).pk,
                not_sure=False,
                evidence="",
            )
    meeting_reveal(meeting=meeting, key_action_id=key_action(meeting_round).pk, by=facilitator)
    for invitation in invitations[:3]:
        response_submit(invitation=invitation)
    round_close(round=meeting_round)
    meeting_round.refresh_from_db()
    results = round_results(round=meeting_round)
    assert results.release is None  # three submitted, one differs from the reveal: nothing can be shown yet


def test_the_round_page_lists_walk_ins_and_sends_them_nothing(client, facilitator, meeting_round):
    meeting = start(client, facilitator, meeting_round)
    walk_in(meeting, "Provider")
    invitation = Invitation.objects.get(walk_in_meeting=meeting)
    page = client.get(url("round_detail", meeting_round)).content.decode()
    assert "Walk-in, joined in the meeting" in page
    assert url("invitation_resend", meeting_round, invitation.pk) not in page
    response = client.post(url("invitation_resend", meeting_round, invitation.pk))
    assert response.status_code == 409 and not invitation.messages.exists()


def test_a_walk_in_counts_once_however_often_they_press_join(client, facilitator, meeting_round):
    meeting = start(client, facilitator, meeting_round)
    phone = walk_in(meeting)
    group = StakeholderGroup.objects.get(organization=meeting_round.organization, name="Advocate")
    response = phone.post(reverse("assessments:meeting_join", args=[meeting.code]), {"group": group.pk})
    assert response.status_code == 302
    assert list(
        Invitation.objects.filter(walk_in_meeting=meeting).values_list("stakeholder_group__name", flat=True)
    ) == ["Family"]


def test_a_meeting_idle_for_hours_has_ended(client, facilitator, meeting_round):
    meeting = start(client, facilitator, meeting_round)
    Meeting.objects.filter(pk=meeting.pk).update(
        active_at=meeting.active_at - timedelta(hours=MEETING_IDLE_HOURS, minutes=1)
    )
    assert Client().get(reverse("assessments:meeting_join", args=[meeting.code])).status_code == 404
    assert client.get(url("meeting_projector", meeting_round)).status_code == 302  # to the round's page
    fresh = start(client, facilitator, meeting_round)
    meeting.refresh_from_db()
    assert fresh.pk != meeting.pk and meeting.ended_at is not None


@pytest.mark.parametrize("room", [3, 30])
def test_the_screens_cost_the_same_queries_whatever_the_size_of_the_room(
    client, facilitator, meeting_round, room, django_assert_num_queries
):
    meeting = start(client, facilitator, meeting_round)
    phones = [walk_in(meeting) for _ in range(room)]
    for phone in phones:
        answer(phone, meeting, 2)
    control(client, meeting_round, "reveal")
    meeting.refresh_from_db()
    state = reverse("assessments:meeting_phone_state", args=[meeting.code])
    # A poll while nothing moved: SAVEPOINT, where the meeting of that code is, RELEASE; and the session.
    with django_assert_num_queries(4):
        assert phones[0].get(state, {"r": meeting.revision}).status_code == 204
    # Redrawn: the session, SAVEPOINT, the meeting by its code, the participation, the reveal, the person's
    # answer, RELEASE (the key actions come from the cache; a phone reads no count).
    with django_assert_num_queries(7):
        assert phones[0].get(state).status_code == 200
    # The projector: the session, the person and their roles, the round, the meeting, then the screen: the
    # reveal, how many answered, the invitations' counts, paper forms, the consensus.
    with django_assert_num_queries(12):
        assert client.get(url("meeting_projector_state", meeting_round)).status_code == 200


def _code_from(outbox) -> str:
    found = re.search(r"\b(\d{6})\b", outbox[-1].body)
    assert found is not None
    return found.group(1)


def test_an_invitee_signs_in_by_a_code_sent_to_their_address(
    client, facilitator, meeting_round, mailoutbox, django_capture_on_commit_callbacks
):
    person = UserFactory(email="ines@example.org")
    invitation = invite_to(meeting_round, person)
    meeting = start(client, facilitator, meeting_round)
    mailoutbox.clear()
    phone = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = phone.post(reverse("assessments:meeting_email", args=[meeting.code]), {"email": "INES@example.org"})
    assert response["Location"] == reverse("assessments:meeting_email_code", args=[meeting.code])
    assert [message.to for message in mailoutbox] == [["ines@example.org"]]
    code = _code_from(mailoutbox)
    assert code not in str(MeetingSignIn.objects.values_list().get())  # the database never holds it
    wrong = "000000" if code != "000000" else "111111"
    page = phone.post(reverse("assessments:meeting_email_code", args=[meeting.code]), {"code": wrong})
    assert page.status_code == 400 and "not the code we sent" in page.content.decode()
    response = phone.post(reverse("assessments:meeting_email_code", args=[meeting.code]), {"code": code})
    assert response["Location"] == reverse("assessments:meeting_phone", args=[meeting.code])
    page = phone.get(response["Location"]).content.decode()
    assert person.name.split()[0] in page and not Invitation.objects.filter(walk_in_meeting=meeting).exists()
    again = Client()  # the code worked once
    again.post(reverse("assessments:meeting_email", args=[meeting.code]), {"email": "someone@else.org"})
    assert again.post(reverse("assessments:meeting_email_code", args=[meeting.code]), {"code": code}).status_code == 400
    assert invitation.pk == MeetingSignIn.objects.get().invitation_id


def test_asking_for_a_code_answers_alike_for_an_address_never_invited(
    client, facilitator, meeting_round, mailoutbox, django_capture_on_commit_callbacks
):
    meeting = start(client, facilitator, meeting_round)
    invite_to(meeting_round, UserFactory(email="ines@example.org"))
    mailoutbox.clear()
    answers = []
    for email in ("ines@example.org", "nobody@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            response = Client().post(reverse("assessments:meeting_email", args=[meeting.code]), {"email": email})
        answers.append((response.status_code, response["Location"]))
    assert answers[0] == answers[1] and len(mailoutbox) == 1 and MeetingSignIn.objects.count() == 1


def test_a_code_stops_working_after_five_wrong_tries(
    client, facilitator, meeting_round, mailoutbox, django_capture_on_commit_callbacks
):
    invite_to(meeting_round, UserFactory(email="ines@example.org"))
    meeting = start(client, facilitator, meeting_round)
    phone = Client()
    with django_capture_on_commit_callbacks(execute=True):
        phone.post(reverse("assessments:meeting_email", args=[meeting.code]), {"email": "ines@example.org"})
    code = _code_from(mailoutbox)
    wrong = "000000" if code != "000000" else "111111"
    for _attempt in range(5):
        phone.post(reverse("assessments:meeting_email_code", args=[meeting.code]), {"code": wrong})
    response = phone.post(reverse("assessments:meeting_email_code", args=[meeting.code]), {"code": code})
    assert response.status_code == 400 and "no longer works" in response.content.decode()


def test_an_invitee_is_called_by_their_own_name_else_the_organizations_never_anothers(
    client, facilitator, meeting_round, other_org
):
    named, unnamed = UserFactory(name="Inés Ruiz"), UserFactory(name="", email="ana@example.org")
    PersonName.objects.create(organization=meeting_round.organization, user=unnamed, name="Ana Gómez")
    PersonName.objects.create(organization=other_org, user=named, name="Somebody Else")
    meeting = start(client, facilitator, meeting_round)
    for person, shown in ((named, "Inés Ruiz"), (unnamed, "Ana Gómez")):
        invite_to(meeting_round, person)
        phone = Client()
        phone.force_login(person)
        page = phone.get(reverse("assessments:meeting_phone", args=[meeting.code])).content.decode()
        assert f"You are answering as <strong>{shown}</strong>" in page
        assert "Somebody Else" not in page


def _post_answer(phone, meeting, level_pk, version):
    return phone.post(
        reverse("assessments:meeting_answer", args=[meeting.code]),
        {"key_action": key_action(meeting.round).pk, "level": level_pk, "version": version},
        HTTP_HX_REQUEST="true",
    )


def test_an_answer_sent_again_after_its_confirmation_was_lost_is_taken_as_saved(client, facilitator, meeting_round):
    meeting = start(client, facilitator, meeting_round)
    phone = walk_in(meeting)
    assert _post_answer(phone, meeting, level(meeting_round, 2).pk, 0).status_code == 200
    again = _post_answer(phone, meeting, level(meeting_round, 2).pk, 0)  # the same request, retried

    assert 'role="alert"' not in again.content.decode()
    assert "Your answer is saved." in again.content.decode()
    assert Rating.objects.get(response__invitation__walk_in_meeting=meeting).level_version == 1


def test_an_answer_over_one_changed_elsewhere_is_refused_and_says_so(client, facilitator, meeting_round):
    meeting = start(client, facilitator, meeting_round)
    phone = walk_in(meeting)
    _post_answer(phone, meeting, level(meeting_round, 2).pk, 0)
    stale = _post_answer(phone, meeting, level(meeting_round, 4).pk, 0)  # based on the page before the first

    page = stale.content.decode()
    assert 'role="alert"' in page
    assert re.search(rf'value="{level(meeting_round, 2).pk}" checked', page)  # what is kept, on screen
    assert Rating.objects.get(response__invitation__walk_in_meeting=meeting).level == level(meeting_round, 2)


def test_starting_revealing_and_ending_are_on_the_audit_trail_and_refusals_are_not(client, facilitator, meeting_round):
    meeting = start(client, facilitator, meeting_round)
    client.post(url("meeting_start", meeting_round))  # a second click finds the live meeting: no second start
    phones = [walk_in(meeting) for _ in range(3)]
    for phone in phones[:2]:
        answer(phone, meeting, 2)
    control(client, meeting_round, "reveal")  # 2 answers of k = 3: withheld, nothing to record
    answer(phones[2], meeting, 3)
    control(client, meeting_round, "reveal")
    control(client, meeting_round, "end")
    assert control(client, meeting_round, "end").status_code == 404  # ended already: no second end

    events = list(AuditEvent.objects.filter(kind__startswith="meeting.").order_by("pk"))
    assert [(event.kind, event.actor, event.round_id) for event in events] == [
        (AuditKind.MEETING_STARTED, facilitator, meeting_round.pk),
        (AuditKind.MEETING_REVEALED, facilitator, meeting_round.pk),
        (AuditKind.MEETING_ENDED, facilitator, meeting_round.pk),
    ]
    ka = key_action(meeting_round)
    assert events[1].summary == f"{meeting_round.name} · 1. {ka.title} · 3 answers"
    assert all(meeting.code not in event.summary for event in events)  # the code let people in while it lasted
