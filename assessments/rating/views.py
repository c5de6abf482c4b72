"""Participants' pages: "My rounds", rating (autosaved, or posted whole
without JavaScript) and submitting."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from assessments.access import get_participation_for, participant_of
from assessments.exceptions import StateConflict
from assessments.models import EVIDENCE_MAX_LENGTH, Invitation, RoundStatus
from assessments.rounds.selectors import round_key_action_ids
from convening.web import AuthenticatedHttpRequest

from . import services
from .autosave import rating_autosave
from .selectors import open_participations, rating_form_data


@login_required
def my_rounds(request: AuthenticatedHttpRequest) -> HttpResponse:
    participations = open_participations(user=request.user)
    return render(request, "assessments/my_rounds.html", {"participations": participations})


def _posted_rating(request: HttpRequest, key_action_pk: int) -> dict | None:
    """The answer to one key action in a POST, or None when the form holds no
    field of it."""
    level_field, evidence_field = f"ka-{key_action_pk}-level", f"ka-{key_action_pk}-evidence"
    if level_field not in request.POST and evidence_field not in request.POST:
        return None
    level = request.POST.get(level_field, "")
    # ASCII digits only ("²" passes isdigit() but not int()), and few enough
    # for a database id: anything else is bad input, not a crash.
    if level not in ("", "not_sure") and not (level.isascii() and level.isdigit() and len(level) <= 18):
        raise ValidationError(_("Choose one of the levels shown."))
    return {
        "level_id": int(level) if level.isdigit() else None,
        "not_sure": level == "not_sure",
        "evidence": request.POST.get(evidence_field, ""),
    }


def _rating_page(request: HttpRequest, invitation: Invitation, *, status: int = 200, errors=None, posted=None):
    """Renders the form; after a refused POST the posted answers are shown
    again (with their errors) instead of the saved ones, so nothing typed is lost."""
    errors, posted = errors or {}, posted or {}
    rubrics, ratings, response = rating_form_data(invitation=invitation)
    sections: list[dict[str, Any]] = []
    for rubric in rubrics:
        items = []
        for key_action in rubric.key_actions.all():
            rating = ratings.get(key_action.pk)
            saved = {
                "level_id": rating.level_id if rating else None,
                "not_sure": bool(rating and rating.not_sure),
                "evidence": rating.evidence if rating else "",
            }
            items.append(
                {"key_action": key_action, "error": errors.get(key_action.pk), **posted.get(key_action.pk, saved)}
            )
        sections.append({"rubric": rubric, "items": items})
    context = {
        "invitation": invitation,
        "round": invitation.round,
        "sections": sections,
        "response": response,
        "key_action_count": sum(len(section["items"]) for section in sections),
        "rated_count": sum(1 for rating in ratings.values() if rating.is_rated),
        "editable": invitation.round.status == RoundStatus.OPEN,
        "evidence_max_length": EVIDENCE_MAX_LENGTH,
    }
    return render(request, "assessments/rate.html", context, status=status)


def rate(request: HttpRequest, pk: int) -> HttpResponse:
    """The rating page. Without JavaScript its Save button posts every key
    action at once (all saved, or none when one is invalid); with htmx each
    change is saved by `rate_one` as it happens."""
    invitation = get_participation_for(request, pk)
    if request.method != "POST":
        return _rating_page(request, invitation)
    if invitation.round.status != RoundStatus.OPEN:
        return _rating_page(request, invitation, status=409)
    errors: dict[int, str] = {}
    posted: dict[int, dict] = {}
    with transaction.atomic():
        for key_action_pk in round_key_action_ids(invitation.round_id):
            try:
                answer = _posted_rating(request, key_action_pk)
                if answer is None:
                    continue
                posted[key_action_pk] = answer
                with transaction.atomic():
                    services.rating_save(invitation=invitation, key_action_id=key_action_pk, **answer)
            except ValidationError as error:
                errors[key_action_pk] = " ".join(error.messages)
        if errors:
            transaction.set_rollback(True)
    if errors:
        messages.error(
            request,
            ngettext(
                "One answer could not be saved; nothing was changed. See the message beside it.",
                "%(count)d answers could not be saved; nothing was changed. See the messages beside them.",
                len(errors),
            )
            % {"count": len(errors)},
        )
        return _rating_page(request, invitation, status=400, errors=errors, posted=posted)
    messages.success(request, _("Your answers are saved."))
    return redirect("assessments:rate", pk=pk)


@require_POST
@transaction.non_atomic_requests  # one guarded statement, atomic by itself: no BEGIN and COMMIT round trips
def rate_one(request: HttpRequest, pk: int, key_action_pk: int) -> HttpResponse:
    """Autosave of one key action (htmx). Answers a small status fragment and,
    out of band, the updated progress. The usual case, a revised answer, is
    one guarded statement (see `autosave.rating_autosave`); anything else
    takes the long way, which finds the invitation and names the broken rule."""
    try:
        answer = _posted_rating(request, key_action_pk) or {"level_id": None, "not_sure": False, "evidence": ""}
        progress = rating_autosave(
            participant=participant_of(request), round_id=pk, key_action_id=key_action_pk, **answer
        )
        if progress is None:
            try:
                invitation = get_participation_for(request, pk)
            except Http404:
                message = _(
                    "Your session has ended, so this change was not saved. Open your personal link again: "
                    "everything saved before is kept."
                )
                return render(request, "assessments/_save_status.html", {"error": message}, status=403)
            progress = services.rating_save(invitation=invitation, key_action_id=key_action_pk, **answer)
    except ValidationError as error:
        return render(request, "assessments/_save_status.html", {"error": " ".join(error.messages)}, status=400)
    except StateConflict as error:
        return render(request, "assessments/_save_status.html", {"error": str(error)}, status=409)
    rated_count, key_action_count = progress
    context = {"saved": True, "rated_count": rated_count, "key_action_count": key_action_count}
    return render(request, "assessments/_save_status.html", context)


@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_participation_for(request, pk)
    try:
        services.response_submit(invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _rating_page(request, invitation, status=400)
    except StateConflict as error:
        messages.info(request, str(error))
        return _rating_page(request, invitation, status=409)
    messages.success(
        request, _("Thank you! Your ratings are submitted. You can still revise them until the round closes.")
    )
    return redirect("assessments:rate", pk=pk)
