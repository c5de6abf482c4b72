"""Saving paper ratings: one respondent's form, or every respondent of a
file, as submitted responses entered by proxy; all or nothing."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.audit.services import round_event
from assessments.exceptions import StateConflict
from assessments.models import Rating, Response, Round, RoundStatus
from assessments.results.releases import results_changed
from convening.models import AuditKind, StakeholderGroup, User
from convening.selectors import stakeholder_groups_for

from . import checks, parsing
from .parsing import PaperRow

# A file of thousands of answers is saved in INSERTs of bounded size.
PAPER_BATCH_SIZE = 1000


def paper_ratings_check_round(*, round: Round) -> None:
    """Paper answers are taken while the round is open and after it closes
    (paper sessions often happen at the closing meeting), not before it opens:
    a draft's rubrics may still change."""
    if round.status == RoundStatus.DRAFT:
        raise StateConflict(_("Paper ratings can be entered once the round has opened."))


@transaction.atomic
def paper_response_create(
    *,
    round: Round,
    respondent_code: str,
    stakeholder_group: StakeholderGroup,
    answers: Sequence[checks.PaperAnswer],
    entered_by: User | None,
) -> Response:
    """Saves one respondent's paper form as a submitted response entered by proxy."""
    sheet = checks.PaperSheet(
        respondent_code=respondent_code.strip(), stakeholder_group=stakeholder_group, answers=list(answers)
    )
    response = _paper_responses_save(round=round, sheets=[sheet], entered_by=entered_by)[0]
    detail = _("respondent code %(code)s") % {"code": response.respondent_code}
    round_event(round=round, by=entered_by, kind=AuditKind.PAPER_ENTERED, detail=detail, subject=response)
    return response


@transaction.atomic
def paper_ratings_import(*, round: Round, rows: Sequence[PaperRow], entered_by: User | None) -> int:
    """Saves every respondent of a CSV file, or none when any row has a problem
    (all of them are listed). Returns the number of respondents saved."""
    content = checks.RoundContent(round)
    sheets, problems = checks.sheets_from_rows(
        list(rows), content=content, groups=stakeholder_groups_for(organization=round.organization)
    )
    saved = _paper_responses_save(round=round, sheets=sheets, entered_by=entered_by, content=content, problems=problems)
    detail = ngettext("%(count)d paper form", "%(count)d paper forms", len(saved)) % {"count": len(saved)}
    round_event(round=round, by=entered_by, kind=AuditKind.PAPER_UPLOADED, detail=detail)
    return len(saved)


def _paper_responses_save(
    *,
    round: Round,
    sheets: list[checks.PaperSheet],
    entered_by: User | None,
    content: checks.RoundContent | None = None,
    problems: Sequence[checks.Problem] = (),
) -> list[Response]:
    paper_ratings_check_round(round=round)
    content = content or checks.RoundContent(round)
    # A code holding NUL is refused below; PostgreSQL would refuse the query itself.
    codes = [sheet.respondent_code for sheet in sheets if "\x00" not in sheet.respondent_code]
    same_codes = Response.objects.filter(round=round, respondent_code__in=codes)
    taken = set(same_codes.values_list("respondent_code", flat=True))
    problems = [
        *problems,
        *checks.sheet_problems(sheets, content=content, organization_id=round.organization_id, taken_codes=taken),
    ]
    if problems:
        raise parsing.problems_error(problems)
    now = timezone.now()
    try:
        # A savepoint, so that the check below can still query after a failed insert.
        with transaction.atomic():
            responses = Response.objects.bulk_create(
                Response(
                    round=round,
                    respondent_code=sheet.respondent_code,
                    stakeholder_group=sheet.stakeholder_group,
                    entered_by_proxy=True,
                    entered_by=entered_by,
                    submitted_at=now,
                )
                for sheet in sheets
            )
            Rating.objects.bulk_create(
                (
                    Rating(
                        response=response,
                        key_action_id=answer.key_action_id,
                        level_id=answer.level_id,
                        not_sure=answer.not_sure,
                        evidence=answer.evidence.strip(),
                    )
                    for response, sheet in zip(responses, sheets, strict=True)
                    for answer in sheet.answers
                ),
                batch_size=PAPER_BATCH_SIZE,
            )
    except IntegrityError:
        # Another upload or form saved some of these codes since they were checked.
        taken = set(same_codes.values_list("respondent_code", flat=True))
        if not taken:
            raise
        raise ValidationError(
            ngettext(
                "Respondent code %(codes)s was entered by someone else at the same moment; nothing was saved.",
                "Respondent codes %(codes)s were entered by someone else at the same moment; nothing was saved.",
                len(taken),
            )
            % {"codes": ", ".join(sorted(taken))}
        ) from None
    results_changed(round_id=round.pk, response_ids=[response.pk for response in responses])
    return responses
