"""The people services: inviting, resending, revoking, accepting; roles given and taken; removing a person.
Each writes its audit event, and a refused change writes none and changes nothing."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments.rating.services import response_submit
from assessments.rounds.selectors import round_progress
from assessments.rounds.services import round_open
from assessments.tests.factories import RoundFactory, answer_all, invite
from convening.models import (
    AccountInvitation,
    AuditEvent,
    AuditKind,
    Membership,
    PersonName,
    Role,
    TeamMember,
    User,
)
from convening.people import services
from convening.people.tokens import hash_token
from convening.tests.factories import MembershipFactory, TeamFactory, TeamMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def _kinds(org):
    return list(AuditEvent.objects.filter(organization=org).order_by("pk").values_list("kind", flat=True))


def _link_token(message):
    return message.body.split("/accounts/invitation/")[1].split("/")[0]


def test_inviting_a_new_address_mails_a_link_whose_hash_alone_is_kept(
    org, facilitator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = services.account_invite(organization=org, email=" Ana@Example.org ", role=Role.LEAD, by=facilitator)

    assert result.outcome == services.InviteOutcome.INVITED
    invitation = AccountInvitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == ("ana@example.org", "lead", facilitator)
    assert invitation.expires_at - invitation.sent_at == timedelta(days=7)
    (message,) = mail.outbox
    assert message.to == ["ana@example.org"]
    assert "http://127.0.0.1:8000/accounts/invitation/" in message.body
    token = _link_token(message)
    assert invitation.token_hash == hash_token(token) != token
    assert not User.objects.filter(email="ana@example.org").exists()  # the account is made on acceptance
    assert _kinds(org) == [AuditKind.MEMBER_INVITED]
    assert AuditEvent.objects.get().summary == "ana@example.org · Lead"


def test_inviting_again_resends_with_a_new_link(org, facilitator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.account_invite(organization=org, email="ana@example.org", role=Role.LEAD, by=facilitator)
    first = AccountInvitation.objects.get().token_hash
    with django_capture_on_commit_callbacks(execute=True):
        result = services.account_invite(organization=org, email="ANA@example.org", role=Role.LEAD, by=facilitator)

    assert result.outcome == services.InviteOutcome.RESENT
    invitation = AccountInvitation.objects.get()
    assert invitation.token_hash != first
    assert len(mail.outbox) == 2
    assert invitation.token_hash == hash_token(_link_token(mail.outbox[1]))
    assert _kinds(org) == [AuditKind.MEMBER_INVITED, AuditKind.MEMBER_INVITATION_RESENT]


def test_a_mail_queued_before_a_resend_is_not_sent(org, facilitator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        services.account_invite(organization=org, email="ana@example.org", role=Role.LEAD, by=facilitator)
        services.account_invitation_resend(invitation=AccountInvitation.objects.get(), by=facilitator)
    for callback in queued:
        callback()
    assert len(mail.outbox) == 1  # the first link is dead: only the newer one is mailed


def test_an_account_with_a_password_is_given_the_role_at_once_and_told(
    org, facilitator, django_capture_on_commit_callbacks
):
    person = UserFactory(email="ben@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        result = services.account_invite(
            organization=org, email="Ben@example.org", role=Role.FACILITATOR, by=facilitator
        )

    assert result.outcome == services.InviteOutcome.ADDED
    assert Membership.objects.filter(organization=org, user=person, role=Role.FACILITATOR).exists()
    assert not AccountInvitation.objects.exists()
    (message,) = mail.outbox
    assert message.to == ["ben@example.org"] and "/accounts/login/" in message.body
    assert _kinds(org) == [AuditKind.ROLE_GRANTED]


def test_an_account_without_a_password_is_invited_to_set_one(org, facilitator, stakeholder):
    stakeholder.set_unusable_password()
    stakeholder.save()

    result = services.account_invite(organization=org, email=stakeholder.email, role=Role.LEAD, by=facilitator)

    assert result.outcome == services.InviteOutcome.INVITED
    assert not Membership.objects.filter(user=stakeholder, role=Role.LEAD).exists()


@pytest.mark.parametrize(
    ("email", "role", "message"),
    [
        ("not an address", Role.LEAD, "valid e-mail"),
        ("ana@example.org", Role.STAKEHOLDER, "facilitators or leads"),
        ("ana@example.org", "owner", "facilitators or leads"),
    ],
)
def test_bad_invitations_change_nothing(org, facilitator, email, role, message):
    with pytest.raises(ValidationError, match=message):
        services.account_invite(organization=org, email=email, role=role, by=facilitator)
    assert not AccountInvitation.objects.exists()
    assert _kinds(org) == []


def test_someone_holding_the_role_is_refused(org, facilitator, lead):
    with pytest.raises(ValidationError, match="already has the role “Lead”"):
        services.account_invite(organization=org, email=lead.email.upper(), role=Role.LEAD, by=facilitator)
    assert not AccountInvitation.objects.exists()
    assert _kinds(org) == []


def test_an_administrators_address_is_refused(org, facilitator):
    UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    with pytest.raises(ValidationError, match="site administrator"):
        services.account_invite(organization=org, email="root@example.org", role=Role.LEAD, by=facilitator)
    assert not Membership.objects.filter(user__email="root@example.org").exists()


def _invitation(org, email="ana@example.org", role=Role.LEAD, by=None):
    return services.account_invite(organization=org, email=email, role=role, by=by).invitation


def test_revoke_and_resend_refuse_what_is_no_longer_pending(org, facilitator):
    invitation = _invitation(org, by=facilitator)
    services.account_invitation_revoke(invitation=invitation, by=facilitator)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    before = _kinds(org)

    with pytest.raises(ValidationError, match="revoked already"):
        services.account_invitation_revoke(invitation=invitation, by=facilitator)
    with pytest.raises(ValidationError, match="revoked already"):
        services.account_invitation_resend(invitation=invitation, by=facilitator)
    assert _kinds(org) == before == [AuditKind.MEMBER_INVITED, AuditKind.MEMBER_INVITATION_REVOKED]


def test_accepting_with_a_password_makes_the_account_and_the_role(org, facilitator):
    invitation = _invitation(org, by=facilitator)

    user, membership = services.account_invitation_accept_with_password(
        invitation=invitation, name=" Ana  Ruiz ", password="a-long-enough-passphrase"
    )

    assert user.email == "ana@example.org" and user.name == "Ana Ruiz"
    assert user.check_password("a-long-enough-passphrase")
    assert (membership.organization, membership.role) == (org, Role.LEAD)
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None and invitation.accepted_by == user
    event = AuditEvent.objects.get(kind=AuditKind.MEMBER_JOINED)
    assert event.actor == user


def test_a_weak_password_changes_nothing(org, facilitator):
    invitation = _invitation(org, by=facilitator)
    before = _kinds(org)

    with pytest.raises(ValidationError) as refused:
        services.account_invitation_accept_with_password(invitation=invitation, name="Ana", password="123")

    assert "password1" in refused.value.error_dict
    assert not User.objects.filter(email="ana@example.org").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert _kinds(org) == before


def test_a_link_never_replaces_an_existing_password(org, facilitator):
    invitation = _invitation(org, by=facilitator)
    person = UserFactory(email="ana@example.org")  # made a password meanwhile

    with pytest.raises(ValidationError, match="sign in"):
        services.account_invitation_accept_with_password(
            invitation=invitation, name="X", password="another-passphrase-1"
        )
    person.refresh_from_db()
    assert not person.check_password("another-passphrase-1")


def test_only_the_invited_address_accepts(org, facilitator):
    invitation = _invitation(org, by=facilitator)
    someone = UserFactory(email="mallory@example.org")

    with pytest.raises(ValidationError, match="another e-mail address"):
        services.account_invitation_accept(invitation=invitation, user=someone)
    assert not Membership.objects.filter(user=someone, organization=org).exists()
    assert AuditKind.MEMBER_JOINED not in _kinds(org)


@pytest.mark.parametrize("state", ["expired", "accepted", "revoked"])
def test_an_unusable_invitation_is_refused_with_its_reason(org, facilitator, state):
    invitation = _invitation(org, by=facilitator)
    person = UserFactory(email="ana@example.org")
    if state == "expired":
        AccountInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif state == "accepted":
        services.account_invitation_accept(invitation=invitation, user=person)
    else:
        services.account_invitation_revoke(invitation=invitation, by=facilitator)
    before = _kinds(org)

    with pytest.raises(services.InvitationUnusable) as refused:
        services.account_invitation_accept(invitation=invitation, user=person)
    assert refused.value.reason == state
    assert _kinds(org) == before


def test_an_invitation_read_before_a_resend_is_refused(org, facilitator):
    invitation = _invitation(org, by=facilitator)
    stale = AccountInvitation.objects.get(pk=invitation.pk)
    services.account_invitation_resend(invitation=invitation, by=facilitator)

    with pytest.raises(services.InvitationUnusable) as refused:
        services.account_invitation_accept(invitation=stale, user=UserFactory(email="ana@example.org"))
    assert refused.value.reason == "unknown"


# Roles


def test_roles_are_given_and_taken_with_an_event_each(org, facilitator, lead):
    assert services.member_roles_set(
        organization=org, person=lead, roles=[Role.FACILITATOR, Role.STAKEHOLDER], by=facilitator
    )
    assert set(Membership.objects.filter(organization=org, user=lead).values_list("role", flat=True)) == {
        Role.FACILITATOR,
        Role.STAKEHOLDER,
    }
    assert _kinds(org) == [AuditKind.ROLE_GRANTED, AuditKind.ROLE_GRANTED, AuditKind.ROLE_REMOVED]
    assert not services.member_roles_set(
        organization=org, person=lead, roles=[Role.FACILITATOR, Role.STAKEHOLDER], by=facilitator
    )
    assert len(_kinds(org)) == 3  # nothing changed, nothing recorded


def test_the_last_facilitator_keeps_the_role(org, facilitator):
    MembershipFactory(organization=org, user=facilitator, role=Role.LEAD)

    with pytest.raises(ValidationError, match="must keep a facilitator"):
        services.member_roles_set(organization=org, person=facilitator, roles=[Role.LEAD], by=facilitator)
    assert Membership.objects.filter(organization=org, user=facilitator, role=Role.FACILITATOR).exists()
    assert _kinds(org) == []


def test_a_facilitator_may_drop_the_role_while_another_has_it(org, facilitator):
    other = UserFactory()
    MembershipFactory(organization=org, user=other, role=Role.FACILITATOR)

    services.member_roles_set(organization=org, person=facilitator, roles=[Role.LEAD], by=facilitator)

    assert list(Membership.objects.filter(organization=org, user=facilitator).values_list("role", flat=True)) == [
        Role.LEAD
    ]


def test_no_role_at_all_is_removal_not_a_role_change(org, facilitator, lead):
    with pytest.raises(ValidationError, match="remove the person instead"):
        services.member_roles_set(organization=org, person=lead, roles=[], by=facilitator)
    assert Membership.objects.filter(organization=org, user=lead).exists()


def test_a_team_member_stays_a_stakeholder(org, facilitator, stakeholder):
    TeamMemberFactory(team=TeamFactory(organization=org), user=stakeholder)

    with pytest.raises(ValidationError, match="on 1 team"):
        services.member_roles_set(organization=org, person=stakeholder, roles=[Role.LEAD], by=facilitator)
    assert list(Membership.objects.filter(user=stakeholder).values_list("role", flat=True)) == [Role.STAKEHOLDER]
    assert _kinds(org) == []


# Removing a person


def test_removing_a_person_takes_their_place_in_the_organization_only(org, other_org, facilitator, stakeholder):
    team = TeamFactory(organization=org)
    TeamMemberFactory(team=team, user=stakeholder)
    other_team = TeamFactory(organization=other_org)
    TeamMemberFactory(team=other_team, user=stakeholder)
    MembershipFactory(organization=other_org, user=stakeholder, role=Role.STAKEHOLDER)
    PersonName.objects.get_or_create(organization=other_org, user=stakeholder, defaults={"name": "Elsewhere"})
    stakeholder.set_unusable_password()  # rates from personal links: invited to set a password
    stakeholder.save()
    waiting = _invitation(org, email=stakeholder.email, by=facilitator)

    services.member_remove(organization=org, person=stakeholder, by=facilitator)

    assert not Membership.objects.filter(organization=org, user=stakeholder).exists()
    assert not TeamMember.objects.filter(team=team, user=stakeholder).exists()
    assert not PersonName.objects.filter(organization=org, user=stakeholder).exists()
    waiting.refresh_from_db()
    assert waiting.revoked_at is not None
    # Their other organization keeps everything.
    assert Membership.objects.filter(organization=other_org, user=stakeholder).exists()
    assert TeamMember.objects.filter(team=other_team, user=stakeholder).exists()
    assert PersonName.objects.filter(organization=other_org, user=stakeholder).exists()
    assert User.objects.filter(pk=stakeholder.pk).exists()
    event = AuditEvent.objects.get(kind=AuditKind.MEMBER_REMOVED)
    assert event.summary == f"{stakeholder.email} · Stakeholder"


def test_removing_a_person_keeps_their_submitted_response_counted(org, facilitator, groups, stakeholder):
    round_ = RoundFactory(team=TeamFactory(organization=org))
    round_open(round=round_)
    (invitation,) = invite(round_, stakeholder, group=groups["Family"])
    answer_all(invitation)
    response = response_submit(invitation=invitation)

    services.member_remove(organization=org, person=stakeholder, by=facilitator)

    response.refresh_from_db()
    assert response.submitted_at is not None
    _groups, total = round_progress(round=round_)
    assert (total.invited, total.submitted) == (1, 1)


def test_the_last_facilitator_cannot_be_removed(org, facilitator, lead):
    with pytest.raises(ValidationError, match="must keep a facilitator"):
        services.member_remove(organization=org, person=facilitator, by=lead)
    assert Membership.objects.filter(organization=org, user=facilitator).exists()
    assert _kinds(org) == []


def test_removing_someone_without_a_role_is_refused(org, facilitator, other_org):
    outsider = UserFactory()
    with pytest.raises(ValidationError, match="no role"):
        services.member_remove(organization=org, person=outsider, by=facilitator)
    assert _kinds(org) == []
