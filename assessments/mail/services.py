"""Queuing e-mail: one recorded message per invitation (the idempotency
record), delivered by a worker once the transaction commits."""

from __future__ import annotations

from collections.abc import Iterable

from assessments.models import Invitation, SentMessage

from .tasks import deliver_message


def messages_queue(*, invitations: Iterable[Invitation], kind: str) -> list[SentMessage]:
    """Records one message per invitation (the idempotency record) and
    enqueues its delivery once the transaction commits."""
    messages = SentMessage.objects.bulk_create(
        SentMessage(invitation=invitation, kind=kind, recipient=invitation.user.email)
        for invitation in Invitation.objects.filter(pk__in=[i.pk for i in invitations]).select_related("user")
    )
    for message in messages:
        deliver_message.delay_on_commit(message.pk)
    return messages
