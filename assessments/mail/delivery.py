"""Delivering one queued message, as the worker does: rendered in the
invitee's language and the organization's time zone, under a Message-ID
that every attempt shares, sent at most once per success."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from assessments.invitations.selectors import invitation_link_path
from assessments.invitations.tokens import LinkKeyLost
from assessments.models import MessageStatus, SentMessage
from convening.selectors import person_name_in

logger = logging.getLogger(__name__)

# Tries of one message, by its task's retries or by the sweep after a worker died, before it is given up.
MESSAGE_MAX_ATTEMPTS = 7


def _render_message(message: SentMessage) -> EmailMultiAlternatives:
    invitation = message.invitation
    round_ = invitation.round
    person = invitation.user
    if person is None:
        raise ValueError("Messages are queued only for invitations of a person; walk-ins left no address.")
    # Dates read in the organization's time zone, words in the invitee's language.
    with translation.override(person.language), timezone.override(round_.organization.time_zone):
        context = {
            "invitation": invitation,
            "round": round_,
            "person": person,
            # What the organization calls them: never a name another organization typed.
            "person_name": person_name_in(organization=round_.organization, user=person, to_themselves=True),
            "link": settings.SITE_URL.rstrip("/") + invitation_link_path(invitation),
            "site_url": settings.SITE_URL,
            "LANGUAGE_CODE": person.language,
        }
        template = f"assessments/email/{message.kind}"
        # A subject is plain text: its template turns autoescaping off, or "&" would arrive as "&amp;".
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
            # Only the message's row: the invitation's person is an outer join (walk-ins have none), which
            # PostgreSQL refuses to lock.
            SentMessage.objects.select_for_update(of=("self",))
            .select_related("invitation__user", "invitation__round__team", "invitation__round__organization")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.status == MessageStatus.SENT:
            return False
        try:
            email = _render_message(message)
        except LinkKeyLost:
            # A mail with a dead link is worse than none; trying again cannot bring the key back.
            message.status = MessageStatus.FAILED
            message.attempts += 1
            message.error = "Its link was made with a key no longer in SECRET_KEY_FALLBACKS: send it with a new link"
            message.save(update_fields=["status", "attempts", "error"])
            return False
        email.send()
        message.status = MessageStatus.SENT
        message.sent_at = timezone.now()
        message.attempts += 1
        message.error = ""
        message.save(update_fields=["status", "sent_at", "attempts", "error"])
    return True


def message_record_failure(*, message_id: int, error: str, final: bool) -> None:
    """Records a failed try; unless it was the last, the task is queued again (its retry) from now."""
    SentMessage.objects.filter(pk=message_id).exclude(status=MessageStatus.SENT).update(
        attempts=F("attempts") + 1,
        error=error[:300],
        status=MessageStatus.FAILED if final else MessageStatus.PENDING,
        queued_at=timezone.now(),
    )


@transaction.atomic
def messages_requeue_stuck(*, now: datetime | None = None) -> list[int]:
    """The beat sweep's part: each message still pending a time limit after
    it was last queued lost its worker (killed mid-send, its task lost with
    the machine). It is counted as a failed try and returned, for the caller
    to enqueue once this commits, or given up after MESSAGE_MAX_ATTEMPTS.
    A row locked by a send in progress is skipped: that send decides. Sending
    again is safe as ever (message_deliver under the row's lock, _message_id)."""
    now = now or timezone.now()
    before = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    stuck = list(
        SentMessage.objects.select_for_update(skip_locked=True)
        .filter(status=MessageStatus.PENDING, queued_at__lt=before)
        .values_list("pk", "attempts")
    )
    again = [pk for pk, attempts in stuck if attempts + 1 < MESSAGE_MAX_ATTEMPTS]
    exhausted = [pk for pk, attempts in stuck if attempts + 1 >= MESSAGE_MAX_ATTEMPTS]
    lost = "The worker sending it stopped before it was done"
    SentMessage.objects.filter(pk__in=again).update(attempts=F("attempts") + 1, error=lost, queued_at=now)
    SentMessage.objects.filter(pk__in=exhausted).update(
        attempts=F("attempts") + 1, error=f"{lost}; given up", status=MessageStatus.FAILED
    )
    if stuck:
        logger.warning("%s stuck messages queued again, %s given up", len(again), len(exhausted))
    return again
