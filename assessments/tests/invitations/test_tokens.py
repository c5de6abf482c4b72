import hashlib
import hmac

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings

from assessments.invitations import tokens
from assessments.invitations.selectors import invitation_link_path
from assessments.invitations.services import invitation_resend
from assessments.models import MessageStatus
from assessments.rounds.services import round_remind
from assessments.tests.factories import invite

pytestmark = pytest.mark.django_db

OLD_KEY = settings.SECRET_KEY
NEW_KEY = "a-new-secret-key-after-a-rotation-that-is-long-enough-0123456789abcdef"


def _link_in(message) -> str:
    return next(word for word in message.body.split() if "/r/" in word)


def test_after_a_rotation_reminders_and_resent_mail_carry_the_working_link(
    open_round, django_capture_on_commit_callbacks
):
    (invitation,) = invite(open_round)
    before = invitation_link_path(invitation)
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            round_remind(round=open_round)
            invitation_resend(invitation=invitation)
        assert len(mail.outbox) == 2
        for message in mail.outbox:
            assert _link_in(message).endswith(before)
        assert Client().get(before).status_code == 302


def test_new_links_are_made_with_the_current_key(open_round):
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        (invitation,) = invite(open_round)
        path = invitation_link_path(invitation)
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        assert invitation_link_path(invitation) == path


def test_links_are_not_the_raw_key_hmac(open_round):
    (invitation,) = invite(open_round)
    message = f"convening.invitation:{invitation.pk}:{invitation.token_nonce}".encode()
    raw = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
    assert raw not in invitation_link_path(invitation)


def test_links_mailed_before_the_change_of_scheme_keep_working_and_are_mailed_again(
    open_round, django_capture_on_commit_callbacks
):
    (invitation,) = invite(open_round)
    # A hash stored by the earlier scheme (HMAC keyed with the raw SECRET_KEY).
    message = f"convening.invitation:{invitation.pk}:{invitation.token_nonce}".encode()
    old_token = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
    invitation.token_hash = tokens.hash_token(old_token)
    invitation.save(update_fields=["token_hash"])
    assert Client().get(f"/r/{old_token}/").status_code == 302
    assert invitation_link_path(invitation) == f"/r/{old_token}/"
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            invitation_resend(invitation=invitation)
        assert _link_in(mail.outbox[0]).endswith(f"/r/{old_token}/")


def test_a_link_whose_key_was_dropped_is_not_mailed_dead(open_round, django_capture_on_commit_callbacks):
    """Without its key no mail can carry the stored link: the resend refuses with why, and sends nothing."""
    (invitation,) = invite(open_round)
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        assert tokens.link_token(invitation.pk, invitation.token_nonce, invitation.token_hash) is None
    mail.outbox.clear()
    with (
        override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]),
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = invitation_resend(invitation=invitation)
    assert mail.outbox == []
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "new link" in message.error
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        with django_capture_on_commit_callbacks(execute=True):
            invitation_resend(invitation=invitation, new_link=True)
        assert len(mail.outbox) == 1
