from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rubrics import exchange, services
from rubrics.management.organization import add_organization_argument, organization_from_options


class Command(BaseCommand):
    help = "Imports a rubric from an exchange-format JSON file, as a built-in rubric or an organization's."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the JSON file")
        add_organization_argument(parser, help="owner of the rubric (default: built-in, visible to everyone)")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = organization_from_options(options)
        try:
            raw = options["file"].read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {options['file']}: {error.strerror}") from error
        try:
            rubric = services.rubric_import(data=exchange.parse_exchange(raw), organization=organization)
        except ValidationError as error:
            for message in error.messages:
                self.stderr.write(message)
            raise CommandError(f"{options['file']}: not imported ({len(error.messages)} problems)") from error
        self.stdout.write(f"{rubric.slug} version {rubric.version}")
