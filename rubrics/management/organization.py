"""The `--organization "Name or id"` option the rubric commands share."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from convening.models import Organization


def add_organization_argument(parser: CommandParser, *, help: str) -> None:  # noqa: A002 — argparse's name
    parser.add_argument("--organization", metavar="NAME_OR_ID", help=help)


def organization_from_options(options: dict[str, Any]) -> Organization | None:
    value = options["organization"]
    if value is None:
        return None
    lookup = {"pk": int(value)} if value.isdigit() else {"name": value}
    organization = Organization.objects.filter(**lookup).first()
    if organization is None:
        raise CommandError(f"no organization {value!r}")
    return organization
