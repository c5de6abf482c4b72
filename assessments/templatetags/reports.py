"""`{% export_links round %}`: the one list of a round's files, from the registry."""

from __future__ import annotations

from django import template

from assessments.models import Round
from assessments.reports.registry import FORMATS

register = template.Library()


@register.inclusion_tag("assessments/report/_export_links.html")
def export_links(round: Round) -> dict[str, object]:
    return {"round": round, "formats": [entry for entry in FORMATS.values() if entry.offered_for(round)]}
