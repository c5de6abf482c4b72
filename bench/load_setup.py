"""Writes what the load test needs (bench/locustfile.py) to a JSON file: the
open round's personal links, computed with this server's SECRET_KEY, its key
actions and levels, and a lead with a results round to open.

    python bench/load_setup.py OUT.json"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
django.setup()

from assessments.invitations.tokens import make_token  # noqa: E402
from assessments.models import Invitation, Round, RoundStatus  # noqa: E402
from bench import loaddata  # noqa: E402
from convening.models import Team  # noqa: E402


def main() -> None:
    open_round = Round.objects.get(status=RoundStatus.OPEN, organization__name=loaddata.SURVEY_ORGANIZATION)
    invitations = Invitation.objects.filter(round=open_round, revoked_at__isnull=True).order_by("pk")
    key_actions = [
        {"id": key_action.pk, "levels": [str(level.pk) for level in rubric.levels.order_by("position")]}
        for rubric in open_round.rubrics.all()
        for key_action in rubric.key_actions.order_by("position")
    ]
    team = Team.objects.get(organization__name=loaddata.organization_name(1), name="Team 01")
    results_round = Round.objects.filter(team=team, status=RoundStatus.CLOSED).latest("opens_at")
    setup = {
        "round": open_round.pk,
        "invitees": [{"token": make_token(i.pk, i.token_nonce)} for i in invitations],
        "key_actions": key_actions,
        "lead": loaddata.lead_email(1),
        "password": loaddata.BENCH_PASSWORD,
        "results_round": results_round.pk,
    }
    Path(sys.argv[1]).write_text(json.dumps(setup))


if __name__ == "__main__":
    main()
