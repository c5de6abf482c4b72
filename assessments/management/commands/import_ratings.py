from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.exceptions import StateConflict
from assessments.models import Round
from assessments.paper.parsing import decode_upload, parse_csv
from assessments.paper.services import paper_ratings_import
from convening.access import member_capabilities
from convening.models import User


class Command(BaseCommand):
    help = (
        "Imports paper ratings into a round from a CSV file with the columns "
        "respondent,group,rubric,key_action,level,evidence: all of them, or none when a row has a problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("round_id", type=int, metavar="ROUND_ID")
        parser.add_argument("file", type=Path, metavar="FILE", help="the CSV file (UTF-8)")
        parser.add_argument(
            "--entered-by", metavar="EMAIL", help="the facilitator of the round's organization who entered them"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        round_ = Round.objects.select_related("organization").filter(pk=options["round_id"]).first()
        if round_ is None:
            raise CommandError(f"no round {options['round_id']}")
        entered_by = self._entered_by(options["entered_by"], round_)
        try:
            data = options["file"].read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {options['file']}: {error.strerror}") from error
        try:
            rows = parse_csv(decode_upload(data))
            count = paper_ratings_import(round=round_, rows=rows, entered_by=entered_by)
        except ValidationError as error:
            for message in error.messages:
                self.stderr.write(message)
            raise CommandError(f"{options['file']}: nothing imported ({len(error.messages)} problems)") from error
        except StateConflict as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{count} respondents imported into round {round_.pk} ({round_})")

    def _entered_by(self, email: str | None, round_: Round) -> User | None:
        if email is None:
            return None
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"no person with the e-mail address {email}")
        # The record names who vouches for the paper forms: one of the round's facilitators.
        if "round.manage" not in (member_capabilities(user=user, organization_id=round_.organization_id) or ()):
            raise CommandError(f"{email} is not a facilitator of {round_.organization}")
        return user
