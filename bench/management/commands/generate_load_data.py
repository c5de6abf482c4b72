"""Synthetic data for the benchmarks in bench/ (see bench.loaddata)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from bench import loaddata


class Command(BaseCommand):
    help = (
        "Writes synthetic organizations, teams, closed rounds and ratings with PostgreSQL COPY: "
        "`state` (one organization, about 290,000 ratings) or `national` (50, about 14.4 million), "
        "plus rounds of 2,000 and 20,000 respondents and an open round for the load test. "
        "Organizations that exist already are kept, so `national` extends `state`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", choices=sorted(loaddata.PROFILES), default="state")
        parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same data")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "generate_load_data writes with PostgreSQL COPY: set DATABASE_URL to a PostgreSQL database"
            )
        started = time.monotonic()

        def progress(message: str) -> None:
            self.stdout.write(f"[{time.monotonic() - started:7.1f}s] {message}")
            self.stdout.flush()

        try:
            written = loaddata.generate(loaddata.PROFILES[options["profile"]], seed=options["seed"], progress=progress)
        except LookupError as error:
            raise CommandError(str(error)) from error
        progress(f"done: {written['rows']:,} rows")
