"""Makes what the meeting load test needs (bench/locustfile_meeting.py): a
fresh open round of the survey organization's team, with a live meeting
started by its lead (who is also its facilitator), and writes its round, code
and the lead's credentials to a JSON file.

    python bench/meeting_setup.py OUT.json"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
django.setup()

from django.utils import timezone  # noqa: E402

from assessments.meeting.services import meeting_start  # noqa: E402
from assessments.models import Round, RoundRubric, RoundStatus  # noqa: E402
from bench import loaddata  # noqa: E402
from convening.models import StakeholderGroup, User  # noqa: E402
from rubrics.models import Rubric  # noqa: E402


def main() -> None:
    lead = User.objects.get(email=loaddata.SURVEY_LEAD_EMAIL)
    survey = Round.objects.filter(organization__name=loaddata.SURVEY_ORGANIZATION).order_by("pk").first()
    assert survey is not None, "generate the state data first"
    now = timezone.now()
    round_ = Round.objects.create(
        organization=survey.organization,
        team=survey.team,
        name="Meeting load test",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
        threshold=5,
        status=RoundStatus.OPEN,
        opened_at=now,
    )
    rubric = Rubric.objects.get(organization__isnull=True, slug="creating-active-engagement")
    RoundRubric.objects.create(round=round_, rubric=rubric, position=1)
    meeting = meeting_start(round=round_, by=lead)
    groups = list(StakeholderGroup.objects.filter(organization=round_.organization).values_list("pk", flat=True))
    levels = [str(level.pk) for level in rubric.levels.order_by("position")]
    setup = {
        "round": round_.pk,
        "code": meeting.code,
        "groups": groups,
        "levels": levels,
        "key_actions": list(rubric.key_actions.order_by("position").values_list("pk", flat=True)),
        "lead": loaddata.SURVEY_LEAD_EMAIL,
        "password": loaddata.BENCH_PASSWORD,
    }
    Path(sys.argv[1]).write_text(json.dumps(setup))


if __name__ == "__main__":
    main()
