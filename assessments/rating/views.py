"""Participants' pages: "My rounds", rating (autosaved, or posted whole
without JavaScript) and submitting."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from assessments.access import forget_participation, get_participation_for, participant_of
from assessments.exceptions import StateConflict
from assessments.models import EVIDENCE_MAX_LENGTH, Invitation, Rating, RoundStatus
from assessments.paper.checks import whole_number
from assessments.rounds.selectors import round_key_action_ids
from convening import languages
from convening.web import AuthenticatedHttpRequest, forget_this_device
from rubrics import localization

from . import services
from .autosave import AnswerChange, rating_autosave
from .selectors import open_participations, rating_form_data


@login_required
def my_rounds(request: AuthenticatedHttpRequest) -> HttpResponse:
    participations = open_participations(user=request.user)
    return render(request, "assessments/my_rounds.html", {"participations": participations})


def _page_invitation(request: HttpRequest) -> int | None:
    """The invitation the posting page was made for (its hidden `invitation` field)."""
    return whole_number(request.POST.get("invitation", ""))


def _participation_of_page(request: HttpRequest, round_pk: int) -> Invitation:
    """The session's participation, provided the posting page was made for
    it: a page left open from an earlier grant (another person's link, or a
    link since replaced) writes nothing."""
    invitation = get_participation_for(request, round_pk)
    posted = _page_invitation(request)
    if posted is not None and posted != invitation.pk:
        raise StateConflict(
            _("This page was opened for someone else’s answers. Reload it to see whose answers you are giving.")
        )
    return invitation


def _posted_level(value: str) -> tuple[int | None, bool]:
    """(level id, not sure) from a posted radio value; anything else is bad input, not a crash."""
    if value == "not_sure":
        return None, True
    if value == "":
        return None, False
    level_id = whole_number(value)
    if level_id is None:
        raise ValidationError(_("Choose one of the levels shown."))
    return level_id, False


def _posted_version(request: HttpRequest, name: str) -> int | None:
    value = request.POST.get(name)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        raise ValidationError(_("This page is out of date. Reload it: everything saved is kept."))
    return int(value)


def _posted_change(request: HttpRequest, key_action_pk: int) -> AnswerChange | None:
    """What a POST changes of one key action's answer, or None when it
    changes nothing. A part is written when the POST carries the version it
    was based on (`ka-<id>-level-version`, `ka-<id>-evidence-version`), and,
    for the form posted without JavaScript, only when its value differs from
    the one the page was loaded with (`ka-<id>-level-initial`, …): a page
    left open never writes back what it merely showed."""
    prefix = f"ka-{key_action_pk}"
    changed: dict[str, Any] = {}
    for part in ("level", "evidence"):
        base = _posted_version(request, f"{prefix}-{part}-version")
        value = request.POST.get(f"{prefix}-{part}", "")
        initial = request.POST.get(f"{prefix}-{part}-initial")
        if base is None or (initial is not None and value.strip() == initial.strip()):
            continue
        changed[part] = (value, base)
    if not changed:
        return None
    level_value, level_base = changed.get("level", ("", None))
    level_id, not_sure = _posted_level(level_value)
    evidence, evidence_base = changed.get("evidence", ("", None))
    return AnswerChange(
        key_action_id=key_action_pk,
        level_id=level_id,
        not_sure=not_sure,
        evidence=evidence,
        writes_level="level" in changed,
        writes_evidence="evidence" in changed,
        level_base=level_base,
        evidence_base=evidence_base,
    )


def _shown(rating: Rating | None) -> dict[str, Any]:
    """One stored answer as the page shows it, with the versions it is based on."""
    level = "not_sure" if rating and rating.not_sure else str(rating.level_id) if rating and rating.level_id else ""
    return {
        "level_id": rating.level_id if rating else None,
        "not_sure": bool(rating and rating.not_sure),
        "evidence": rating.evidence if rating else "",
        "level_initial": level,
        "evidence_initial": rating.evidence if rating else "",
        "level_version": rating.level_version if rating else 0,
        "evidence_version": rating.evidence_version if rating else 0,
    }


def _wants_original(request: HttpRequest) -> bool:
    """`?original=1`, or the form posted from that page (its hidden `original`)."""
    return "1" in (request.GET.get("original"), request.POST.get("original"))


def _rating_page(
    request: HttpRequest,
    invitation: Invitation,
    *,
    status: int = 200,
    errors: dict[int, str] | None = None,
    posted: dict[int, AnswerChange] | None = None,
) -> HttpResponse:
    """Renders the form; after a refused POST the posted answers are shown
    again (with their errors) instead of the saved ones, so nothing typed is
    lost, except where the answer changed elsewhere: there the stored answer
    is shown, and the error says what was not saved."""
    errors, posted = errors or {}, posted or {}
    reader_language = languages.current()
    # `?original=1`: the rubrics as their sources wrote them, one tap from the translation.
    showing_original = _wants_original(request) and reader_language != localization.original_language()
    language = localization.original_language() if showing_original else reader_language
    rubrics, ratings, response = rating_form_data(invitation=invitation, language=language)
    sections: list[dict[str, Any]] = []
    for rubric in rubrics:
        items = []
        # Texts in another language than the page's are marked so, for screen readers and translation tools.
        text_lang = rubric.shown_language if rubric.shown_language != reader_language else ""
        for key_action in rubric.key_actions.all():
            item = {
                "key_action": key_action,
                "error": errors.get(key_action.pk),
                "text_lang": text_lang,
                "original_lang": localization.original_language() if rubric.is_translated else "",
                **_shown(ratings.get(key_action.pk)),
            }
            change = posted.get(key_action.pk)
            if change is not None and change.writes_level:
                item |= {"level_id": change.level_id, "not_sure": change.not_sure}
            if change is not None and change.writes_evidence:
                item["evidence"] = change.evidence
            items.append(item)
        sections.append({"rubric": rubric, "items": items, "text_lang": text_lang})
    context = {
        "invitation": invitation,
        "round": invitation.round,
        "sections": sections,
        "response": response,
        "key_action_count": sum(len(section["items"]) for section in sections),
        "rated_count": sum(1 for rating in ratings.values() if rating.is_rated),
        "editable": invitation.round.status == RoundStatus.OPEN,
        "evidence_max_length": EVIDENCE_MAX_LENGTH,
        "showing_original": showing_original,
        "any_translated": any(rubric.is_translated for rubric in rubrics),
    }
    return render(request, "assessments/rate.html", context, status=status)


def rate(request: HttpRequest, pk: int) -> HttpResponse:
    """The rating page. Without JavaScript its Save button posts the whole
    form, and what changed since the page was loaded is saved (all of it, or
    nothing when one answer is refused); with JavaScript each change is
    saved by `rate_one` as it happens."""
    if request.method != "POST":
        return _rating_page(request, get_participation_for(request, pk))
    try:
        invitation = _participation_of_page(request, pk)
    except StateConflict as error:
        messages.error(request, str(error))
        return redirect("assessments:rate", pk=pk)
    if invitation.round.status != RoundStatus.OPEN:
        return _rating_page(request, invitation, status=409)
    errors: dict[int, str] = {}
    changes: dict[int, AnswerChange] = {}
    for key_action_pk in round_key_action_ids(invitation.round_id):
        try:
            change = _posted_change(request, key_action_pk)
        except ValidationError as error:
            errors[key_action_pk] = " ".join(error.messages)
            continue
        if change is not None:
            changes[key_action_pk] = change
    if not errors:
        try:
            services.answers_save(invitation=invitation, changes=list(changes.values()))
        except services.AnswersRefused as refused:
            errors = refused.errors
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
        return _rating_page(request, invitation, status=400, errors=errors, posted=changes)
    messages.success(request, _("Your answers are saved."))
    page = reverse("assessments:rate", args=[pk])
    return redirect(f"{page}?original=1" if _wants_original(request) else page)


def _stored_json(rating: Rating | None) -> dict[str, Any]:
    shown = _shown(rating)
    return {
        "level": shown["level_initial"],
        "evidence": shown["evidence"],
        "level_version": shown["level_version"],
        "evidence_version": shown["evidence_version"],
    }


@require_POST
@transaction.non_atomic_requests  # one guarded statement, atomic by itself: no BEGIN and COMMIT round trips
def rate_one(request: HttpRequest, pk: int, key_action_pk: int) -> JsonResponse:
    """Autosave of one change to one key action (the page's script). Answers
    JSON: the versions now stored and the progress, or why nothing was saved
    (with the stored answer when it changed elsewhere). The usual case, a
    revised answer, is one guarded statement (see `autosave.rating_autosave`);
    anything else takes the long way, which finds the invitation and names
    the broken rule."""
    try:
        change = _posted_change(request, key_action_pk)
        if change is None:
            raise ValidationError(_("Nothing to save."))
        participant = participant_of(request, pk, page_invitation_id=_page_invitation(request))
        saved = rating_autosave(participant=participant, round_id=pk, change=change)
        if saved is None:
            try:
                invitation = _participation_of_page(request, pk)
            except Http404:
                message = _(
                    "Your session has ended, so this change was not saved. Open your personal link again: "
                    "everything saved before is kept."
                )
                return JsonResponse({"saved": False, "session_ended": True, "message": message}, status=403)
            saved = services.answer_save(invitation=invitation, change=change)
    except ValidationError as error:
        return JsonResponse({"saved": False, "message": " ".join(error.messages)}, status=400)
    except services.AnswerConflict as conflict:
        body = {"saved": False, "conflict": True, "message": str(conflict), "stored": _stored_json(conflict.stored)}
        return JsonResponse(body, status=409)
    except StateConflict as error:
        return JsonResponse({"saved": False, "message": str(error)}, status=409)
    return JsonResponse(
        {
            "saved": True,
            "level_version": saved.level_version,
            "evidence_version": saved.evidence_version,
            "rated": saved.rated,
            "total": saved.total,
        }
    )


@require_POST
def rate_leave(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Not you?": ends this session's grant for the round, so that the next
    person at a shared computer starts from their own link."""
    forget_participation(request, pk)
    message = _("You are no longer answering in this browser. To give your own answers, open your personal link.")
    return forget_this_device(render(request, "assessments/link_problem.html", {"message": message, "left": True}))


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The rating page's service worker (static/js/rating-sw.js), from the
    site's root: a worker's scope can only cover the pages below its own
    address, and rating pages live under /rounds/."""
    response = HttpResponse(_service_worker_source(), content_type="text/javascript; charset=utf-8")
    # Browsers check for a new worker on every visit; this answer says whether there is one.
    response["Cache-Control"] = "no-cache"
    return response


@functools.cache
def _service_worker_source() -> str:
    return (settings.BASE_DIR / "static" / "js" / "rating-sw.js").read_text(encoding="utf-8")


@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        invitation = _participation_of_page(request, pk)
    except StateConflict as error:
        messages.error(request, str(error))
        return redirect("assessments:rate", pk=pk)
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
