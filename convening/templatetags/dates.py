"""Times people act on, written with their time zone."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter
def with_zone(value: datetime | None) -> str:
    """The time in the current time zone (the organization's, where a page or mail sets it) followed by the
    zone's abbreviation: "March 27, 2026, 5 p.m. EDT". A deadline read in a mail needs its zone, and a time
    no longer ends a sentence with English's "p.m.", which would take a second full stop."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{date_format(local, 'DATETIME_FORMAT')} {local.strftime('%Z') or local.strftime('UTC%z')}"
