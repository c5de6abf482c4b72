"""Facilitators' pages for paper ratings: one form per respondent, or a CSV
file of many. Either saves everything or nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.access import get_round_for
from assessments.exceptions import StateConflict
from assessments.models import EVIDENCE_MAX_LENGTH
from assessments.rounds.selectors import rubrics_to_rate
from convening import languages
from convening.selectors import stakeholder_groups_for
from convening.web import AuthenticatedHttpRequest

from . import checks, parsing, services
from .forms import PaperResponseForm, PaperUploadForm
from .selectors import groups_kept_hidden_by_paper


def _refusal(round_) -> str:
    """Why this round takes no paper ratings now, or ""."""
    try:
        services.paper_ratings_check_round(round=round_)
    except StateConflict as error:
        return str(error)
    return ""


@login_required
def paper_entry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for(request.user, pk, need="round.manage")
    groups = stakeholder_groups_for(organization=round_.organization)
    form = PaperResponseForm(
        request.POST or None, rubrics=rubrics_to_rate(round=round_, language=languages.current()), groups=groups
    )
    refusal = _refusal(round_)
    status = 200
    if request.method == "POST":
        status = 409 if refusal else 400
        if not refusal and form.is_valid():
            code = form.cleaned_data["respondent_code"]
            try:
                services.paper_response_create(
                    round=round_,
                    respondent_code=code,
                    stakeholder_group=form.cleaned_data["stakeholder_group"],
                    answers=form.answers(),
                    entered_by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("The paper ratings of respondent %(code)s are saved. Enter the next respondent below.")
                    % {"code": code},
                )
                return redirect("assessments:paper_entry", pk=round_.pk)
    context = {
        "round": round_,
        "form": form,
        "refusal": refusal,
        "kept_hidden": groups_kept_hidden_by_paper(round=round_),
        "sections": form.sections(),
        "editable": True,
        "evidence_max_length": EVIDENCE_MAX_LENGTH,
    }
    return render(request, "assessments/paper/entry.html", context, status=status)


@login_required
def paper_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for(request.user, pk, need="round.manage")
    form = PaperUploadForm(request.POST or None, request.FILES or None)
    refusal = _refusal(round_)
    status = 200
    if request.method == "POST":
        status = 409 if refusal else 400
        if not refusal and form.is_valid():
            try:
                count = services.paper_ratings_import(
                    round=round_, rows=form.cleaned_data["file"], entered_by=request.user
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    ngettext(
                        "The paper ratings of %(count)d respondent are saved.",
                        "The paper ratings of %(count)d respondents are saved.",
                        count,
                    )
                    % {"count": count},
                )
                return redirect("assessments:paper_upload", pk=round_.pk)
    context = {
        "round": round_,
        "form": form,
        "refusal": refusal,
        "kept_hidden": groups_kept_hidden_by_paper(round=round_),
        "rubrics": rubrics_to_rate(round=round_, language=languages.current()),
        "groups": stakeholder_groups_for(organization=round_.organization),
        "columns": parsing.COLUMNS,
        "max_bytes": parsing.MAX_BYTES,
        "evidence_max_length": EVIDENCE_MAX_LENGTH,
        "code_max_length": checks.RESPONDENT_CODE_MAX_LENGTH,
    }
    return render(request, "assessments/paper/upload.html", context, status=status)
