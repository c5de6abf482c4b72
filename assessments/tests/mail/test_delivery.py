import pytest
from django.core import mail

from assessments.invitations.selectors import invitation_link_path
from assessments.invitations.services import invitation_resend
from assessments.mail.delivery import message_deliver
from assessments.models import Invitation, MessageKind, MessageStatus, SentMessage
from assessments.rating.services import response_submit
from assessments.rounds.services import round_close, round_open, round_remind
from assessments.tests.factories import answer_all, invite

pytestmark = pytest.mark.django_db

# E-mail


def test_opening_sends_each_invitation_once(draft, django_capture_on_commit_callbacks):
    invite(draft)
    invite(draft)
    assert mail.outbox == []  # a draft sends nothing yet
    with django_capture_on_commit_callbacks(execute=True):
        round_open(round=draft)
    assert len(mail.outbox) == 2
    assert SentMessage.objects.filter(status=MessageStatus.SENT, kind=MessageKind.INVITATION).count() == 2
    message = mail.outbox[0]
    invitation = Invitation.objects.get(user__email=message.to[0])
    assert invitation_link_path(invitation) in message.body
    assert message.alternatives and invitation_link_path(invitation) in message.alternatives[0][0]


def test_delivery_is_idempotent(open_round, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (invitation,) = invite(open_round)
    message = SentMessage.objects.get(invitation=invitation)
    assert len(mail.outbox) == 1
    assert message_deliver(message_id=message.pk) is False  # a redelivered task sends nothing
    assert len(mail.outbox) == 1


def test_invitation_mail_is_in_the_invitees_language(open_round, django_capture_on_commit_callbacks):
    (invitation,) = invite(open_round)
    invitation.user.language = "es"
    invitation.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        invitation_resend(invitation=invitation)
    assert "Hola" in mail.outbox[-1].body


def test_remind_reaches_only_those_not_submitted(open_round, django_capture_on_commit_callbacks):
    done, pending = invite(open_round), invite(open_round)
    answer_all(done[0])
    response_submit(invitation=done[0])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert round_remind(round=open_round) == 1
    assert [m.to for m in mail.outbox] == [[pending[0].user.email]]


def test_closing_thanks_everyone(open_round, django_capture_on_commit_callbacks):
    invite(open_round)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        round_close(round=open_round)
    assert len(mail.outbox) == 1
    assert SentMessage.objects.filter(kind=MessageKind.ROUND_CLOSED).count() == 1
