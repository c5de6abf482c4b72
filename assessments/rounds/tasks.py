"""The beat's tick: opening, closing and reminding what is due."""

from __future__ import annotations

from celery import shared_task

from . import services


# Named as before the feature packages, so that a beat or a queue from before a deployment still finds it.
@shared_task(name="assessments.tasks.rounds_tick")
def rounds_tick() -> dict[str, list[int]]:
    """Run by beat every minute: opens, closes and reminds what is due. Each
    state change is a conditional update, so overlapping ticks are harmless."""
    return {
        "opened": services.rounds_open_due(),
        "closed": services.rounds_close_due(),
        "reminded": services.rounds_remind_due(),
    }
