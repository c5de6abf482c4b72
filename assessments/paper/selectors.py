"""What the paper pages tell the facilitator before anything is saved."""

from __future__ import annotations

from django.db.models import Count, Q

from assessments.models import Round
from assessments.results.releases import counted_responses
from convening import languages


def groups_kept_hidden_by_paper(*, round: Round) -> list[str]:
    """The stakeholder groups in which 1 to k − 1 respondents answered
    online: whoever types paper forms knows them, so however many are added
    such a group stays hidden (SPEC §5.1 rule 3). One query."""
    rows = (
        counted_responses(round)
        .values("stakeholder_group__name", "stakeholder_group__names", "stakeholder_group__position")
        .annotate(private=Count("pk", filter=Q(invitation__isnull=False)))
        .order_by("stakeholder_group__position", "stakeholder_group__name")
    )
    language = languages.current()  # the names as the page's reader reads them
    return [
        row["stakeholder_group__names"].get(language) or row["stakeholder_group__name"]
        for row in rows
        if 0 < row["private"] < round.threshold
    ]
