"""Queuing e-mail: one recorded message per invitation (the idempotency
record), delivered by a worker once the transaction commits."""

from __future__ import annotations

from collections.abc import Iterable

from assessments.models import Invitation, SentMessage

from .tasks import deliver_message


def messages_queue(*, invitations: Iterable[Invitation], kind: str) -> list[SentMessage]:
    """Records one message per invitation (the idempotency record) and
    enqueues its delivery once the transaction commits."""
    # Walk-ins (who joined in a meeting's room) left no address: nothing is sent to them.
    addressed = Invitation.objects.filter(pk__in=[i.pk for i in invitations], user__isnull=False)
    messages = SentMessage.objects.bulk_create(
        SentMessage(invitation_id=pk, kind=kind, recipient=email)
        for pk, email in addressed.values_list("pk", "user__email")
    )
    for message in messages:
        deliver_message.delay_on_commit(message.pk)
    return messages
