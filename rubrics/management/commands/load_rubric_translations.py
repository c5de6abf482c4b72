from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from rubrics import services


class Command(BaseCommand):
    help = (
        "Stores the built-in rubrics' translations shipped in rubrics/data/<language>/<slug>.json, for every "
        "language of the site (README, Adding a language). Safe to run again: each replaces what was there."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            loaded = services.builtin_translations_load()
        except ValidationError as error:
            for message in error.messages:
                self.stderr.write(message)
            raise CommandError(f"no translation stored ({len(error.messages)} problems)") from error
        for name in loaded:
            self.stdout.write(name)
