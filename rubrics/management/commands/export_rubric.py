from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rubrics import exchange, selectors
from rubrics.management.organization import add_organization_argument, organization_from_options


class Command(BaseCommand):
    help = "Prints a rubric in the exchange format, exactly as GET /rubrics/<slug>.json serves it."

    def add_base_argument(self, parser: CommandParser, *args: Any, **kwargs: Any) -> None:
        # Here --version is the rubric's, not Django's.
        if "--version" not in args:
            super().add_base_argument(parser, *args, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--version", type=int, help="default: the latest visible one")
        add_organization_argument(parser, help="whose view to take (default: built-in rubrics only)")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = organization_from_options(options)
        rubric = selectors.rubric_get(slug=options["slug"], organization=organization, version=options["version"])
        if rubric is None:
            raise CommandError(f"no rubric {options['slug']!r} of that version is visible there")
        self.stdout.write(exchange.dumps(exchange.rubric_to_dict(rubric)), ending="")
