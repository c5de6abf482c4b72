"""Delivering one queued message, as the worker does: rendered in the
invitee's language and the organization's time zone, under a Message-ID
that every attempt shares, sent at most once per success."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from assessments.invitations.selectors import invitation_link_path
from assessments.models import MessageStatus, SentMessage


def _render_message(message: SentMessage) -> EmailMultiAlternatives:
    invitation = message.invitation
    round_ = invitation.round
    # Dates read in the organization's time zone, words in the invitee's language.
    with translation.override(invitation.user.language), timezone.override(round_.organization.time_zone):
        context = {
            "invitation": invitation,
            "round": round_,
            "person": invitation.user,
            "link": settings.SITE_URL.rstrip("/") + invitation_link_path(invitation),
            "site_url": settings.SITE_URL,
            "LANGUAGE_CODE": invitation.user.language,
        }
        template = f"assessments/email/{message.kind}"
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        email = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"{template}.txt", context),
            to=[message.recipient],
            headers={"Message-ID": _message_id(message)},
        )
        email.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return email


def _message_id(message: SentMessage) -> str:
    """The same for every attempt at one message: a worker that dies after the mail server accepted it and
    before the commit leaves it pending, and the redelivered task sends it again (SMTP has no two-phase
    commit); receivers recognize and drop the repeat by this id. Named after the site, not the worker
    machine, so that any worker gives the same id."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<convening.message.{message.pk}.{message.created_at:%Y%m%d%H%M%S}@{domain}>"


def message_deliver(*, message_id: int) -> bool:
    """Sends one recorded message unless it was already sent. The row stays
    locked while the mail server is talked to and is marked sent in the same
    transaction, so a retried or redelivered task sends nothing twice; a
    worker that dies before the commit leaves it pending for the redelivery,
    which sends it again only if the server had already accepted it (see
    _message_id; tests/worker/prove_exactly_once.py shows each case).
    Returns whether this call sent it."""
    with transaction.atomic():
        message = (
            SentMessage.objects.select_for_update()
            .select_related("invitation__user", "invitation__round__team", "invitation__round__organization")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.status == MessageStatus.SENT:
            return False
        _render_message(message).send()
        message.status = MessageStatus.SENT
        message.sent_at = timezone.now()
        message.attempts += 1
        message.error = ""
        message.save(update_fields=["status", "sent_at", "attempts", "error"])
    return True


def message_record_failure(*, message_id: int, error: str, final: bool) -> None:
    SentMessage.objects.filter(pk=message_id).exclude(status=MessageStatus.SENT).update(
        attempts=F("attempts") + 1,
        error=error[:300],
        status=MessageStatus.FAILED if final else MessageStatus.PENDING,
    )
