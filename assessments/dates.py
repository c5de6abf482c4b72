"""The dates a round or a filter may name. Far beyond these, converting a
local time to UTC leaves Python's years 1–9999 (9999-12-31 in a zone behind
UTC is stored in year 10000, and every page showing it answered 500)."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.formats import date_format
from django.utils.translation import gettext as _

EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)

DATE_VALIDATORS = [MinValueValidator(EARLIEST), MaxValueValidator(LATEST)]


def validate_in_range(value: date | datetime) -> None:
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(
            _("Choose a date from %(earliest)s to %(latest)s.")
            % {"earliest": date_format(EARLIEST), "latest": date_format(LATEST)},
            code="out_of_range",
        )


def round_dates_errors(*, opens_at: datetime, closes_at: datetime) -> dict[str, list[str]]:
    """What is wrong with a round's dates, by field: out of range, or in the wrong order."""
    errors: dict[str, list[str]] = {}
    for field, value in (("opens_at", opens_at), ("closes_at", closes_at)):
        try:
            validate_in_range(value)
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.messages)
    if closes_at <= opens_at:
        errors.setdefault("closes_at", []).append(_("The closing date must be after the opening date."))
    return errors
