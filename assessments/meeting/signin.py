"""Invitees in the room who sign in by e-mail: a six-digit code sent to their
address, good for one sign-in within CODE_MINUTES and MAX_ATTEMPTS tries.
Asking answers alike whether or not the address was invited, and the mail
goes from a worker, so neither the answer nor its time tells who was."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from assessments.models import Invitation, Meeting, MeetingSignIn

CODE_MINUTES = 10
MAX_ATTEMPTS = 5
_SALT = "convening.meeting.signin"


def sign_in_code(sign_in: MeetingSignIn) -> str:
    digest = salted_hmac(_SALT, f"{sign_in.pk}:{sign_in.nonce}", algorithm="sha256").hexdigest()
    return f"{int(digest, 16) % 1_000_000:06d}"


@transaction.atomic
def meeting_sign_in_request(*, meeting: Meeting, email: str, now: datetime | None = None) -> MeetingSignIn | None:
    """A code for the invitee of the meeting's round with this address, on
    its way once the transaction commits; None (and nothing sent) otherwise."""
    from .tasks import send_meeting_code  # noqa: PLC0415 — the task module imports this one

    now = now or timezone.now()
    invitation = Invitation.objects.filter(
        round_id=meeting.round_id, revoked_at__isnull=True, user__email__iexact=email.strip()
    ).first()
    if invitation is None:
        return None
    sign_in = MeetingSignIn.objects.create(
        meeting=meeting,
        invitation=invitation,
        nonce=secrets.token_hex(16),
        created_at=now,
        expires_at=now + timedelta(minutes=CODE_MINUTES),
    )
    send_meeting_code.delay_on_commit(sign_in.pk)
    return sign_in


def meeting_code_send(*, sign_in_id: int) -> bool:
    """Mails the code once: the row is marked sent in the transaction that
    sends it, so a retried or redelivered task sends nothing twice."""
    with transaction.atomic():
        sign_in = (
            MeetingSignIn.objects.select_for_update(of=("self",))
            .select_related("invitation__user", "meeting__round")
            .filter(pk=sign_in_id, sent_at__isnull=True)
            .first()
        )
        if sign_in is None or sign_in.invitation.user is None:
            return False
        person = sign_in.invitation.user
        with translation.override(person.language):
            context = {"code": sign_in_code(sign_in), "round": sign_in.meeting.round, "minutes": CODE_MINUTES}
            subject = " ".join(render_to_string("assessments/email/meeting_code_subject.txt", context).split())
            body = render_to_string("assessments/email/meeting_code.txt", context)
        EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email]).send()
        MeetingSignIn.objects.filter(pk=sign_in.pk).update(sent_at=timezone.now())
    return True


def meeting_sign_in_confirm(*, sign_in_id: int, code: str, now: datetime | None = None) -> Invitation:
    """The invitation the code signs in as, once; else a ValidationError saying why."""
    now = now or timezone.now()
    with transaction.atomic():
        sign_in = (
            MeetingSignIn.objects.select_for_update(of=("self",))
            .select_related("invitation", "meeting")
            .filter(pk=sign_in_id, used_at__isnull=True)
            .first()
        )
        if sign_in is None or sign_in.expires_at <= now or sign_in.attempts >= MAX_ATTEMPTS:
            raise ValidationError(_("This code no longer works. Ask for a new one."))
        if not hmac.compare_digest(sign_in_code(sign_in), "".join(code.split())):
            MeetingSignIn.objects.filter(pk=sign_in.pk).update(attempts=F("attempts") + 1)
        else:
            MeetingSignIn.objects.filter(pk=sign_in.pk).update(used_at=now)
            return sign_in.invitation
    raise ValidationError(_("That is not the code we sent. Check the e-mail and try again."))
