"""A round's results (SPEC §5): the page, the JSON, showing them early, and
the comments. Who sees what is `assessments.access.results_access`'s rule."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assessments.access import ResultsAccess, get_key_action_for, get_round_for, results_view
from assessments.exceptions import StateConflict
from assessments.models import StepStatus
from assessments.planning.blocks import consensus_context
from assessments.planning.forms import ConsensusForm
from assessments.planning.selectors import consensus_history, open_steps_from_previous_rounds
from assessments.web import problem_page
from convening import languages
from convening.web import AuthenticatedHttpRequest
from rubrics import localization

from . import services
from .charts import level_swatch_svg
from .computation import RubricResult, round_results
from .exchange import results_as_json
from .fragments import draw_figures
from .presentation import agreement_summary, by_disagreement, key_action_display, release_notes
from .selectors import key_action_evidence, round_evidence_counts

COMMENTS_PER_PAGE = 50
BY_DISAGREEMENT = "disagreement"  # ?order=disagreement; any other order is the rubric's


# Reads: a release they make or mark as shown is written under the round's
# lock in a transaction of its own, and committed before the figures are read
# out (releases.py); the request's transaction would only add BEGIN and COMMIT
# and hold that lock while the page renders.
@transaction.non_atomic_requests
@require_GET
@results_view()
def results(request: HttpRequest, access: ResultsAccess) -> HttpResponse:
    return results_page(request, access)


def results_page(
    request: HttpRequest,
    access: ResultsAccess,
    *,
    bound_form: tuple[int, ConsensusForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    """Everyone allowed sees the figures; facilitators and leads also the
    consensus history and the steps left open from earlier rounds;
    facilitators alone the consensus forms and how many comments each key
    action has, the comments being on a page of their own. `bound_form` is a
    refused consensus form (key action id, form), shown with its errors.
    `?order=disagreement` lists each rubric's key actions by disagreement,
    most first, rather than in the rubric's order."""
    round_ = access.round
    order = BY_DISAGREEMENT if request.GET.get("order") == BY_DISAGREEMENT else ""
    data = round_results(round=round_, language=languages.current())
    history = consensus_history(round=round_) if "results.read" in access.capabilities else {}
    evidence = round_evidence_counts(results=data) if "results.comments" in access.capabilities else None
    rubrics = []
    for rubric_result in data.rubrics:
        items = []
        key_actions = rubric_result.key_actions
        for result in by_disagreement(key_actions) if order else key_actions:
            pk = result.key_action.pk
            form = bound_form[1] if bound_form and bound_form[0] == pk else None
            items.append(
                {
                    "key_action": result.key_action,
                    # Ready strings: the page prints them beside every key action, and a printed number is localized.
                    "anchor": f"ka-{pk}",
                    "heading": f"{result.key_action.position}. {result.key_action.title}",
                    # Called by the template only where its cached HTML is missing.
                    "display": partial(key_action_display, result, threshold=round_.threshold),
                    "consensus": consensus_context(access, result.key_action, result.levels, history.get(pk, []), form),
                    "evidence_count": evidence.get(pk, 0) if evidence is not None else None,
                }
            )
        # Called by the table's template only where its cached HTML is missing.
        rubrics.append({"result": rubric_result, "items": items, "legend": partial(_legend, rubric_result)})
    draw_figures(results=data, rubrics=rubrics, language=languages.current(), order=order)
    context = {
        "access": access,
        "capabilities": access.capabilities,
        "round": round_,
        "results": data,
        "rubrics": rubrics,
        "evidence_shown": evidence is not None,
        "notes": release_notes(data),
        "summary": agreement_summary(data),
        "order": order,
        "previous_steps": open_steps_from_previous_rounds(round=round_)
        if "results.read" in access.capabilities
        else [],
        "step_statuses": StepStatus.choices,
        "return_to": "results",
    }
    return render(request, "assessments/results/page.html", context, status=status)


def _legend(rubric_result: RubricResult) -> list[dict]:
    chart_id = f"swatch-{rubric_result.rubric.pk}"
    return [
        {"level": level, "swatch": level_swatch_svg(level.position, chart_id=chart_id)}
        for level in rubric_result.levels
    ]


@transaction.non_atomic_requests  # as `results`
@require_GET
@results_view(need="results.read")
def results_json(request: HttpRequest, access: ResultsAccess) -> JsonResponse:
    """SPEC §5's figures for facilitators and leads; stakeholders never get them raw. The titles are the
    rubrics' originals, or with `?lang=<code>` their translations into that language where they have one
    (each rubric says which it is); a language the site does not have answers 400."""
    language = request.GET.get("lang", localization.original_language())
    if language not in dict(settings.LANGUAGES):
        message = _("“%(language)s” is not a language of this site (%(languages)s).") % {
            "language": language,
            "languages": ", ".join(code for code, _name in settings.LANGUAGES),
        }
        return JsonResponse({"error": message}, status=400)
    results = round_results(round=access.round, language=language)
    return JsonResponse(results_as_json(results), json_dumps_params={"ensure_ascii": False})


@require_POST
@login_required
def results_reveal(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for(request.user, pk, need="round.manage")
    revealed = request.POST.get("revealed") == "1"
    try:
        services.round_set_results_revealed(round=round_, revealed=revealed, by=request.user)
    except StateConflict as error:
        return problem_page(request, round_, str(error), status=409)
    if revealed:
        messages.success(request, _("The results are shown to facilitators and leads while the round is open."))
    else:
        messages.success(request, _("The results are hidden again until the round closes."))
    return redirect("assessments:results", pk=round_.pk)


@require_GET
@results_view(need="results.comments")
def results_evidence(request: HttpRequest, access: ResultsAccess, key_action_pk: int) -> HttpResponse:
    """One key action's comments, a page at a time, for facilitators."""
    key_action = get_key_action_for(access.round, key_action_pk)
    localization.show_key_action_in(key_action, language=languages.current())
    comments = key_action_evidence(round=access.round, key_action=key_action)
    page = Paginator(comments, COMMENTS_PER_PAGE).get_page(request.GET.get("page")) if comments is not None else None
    context = {
        "round": access.round,
        "key_action": key_action,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number) if page else [],
    }
    return render(request, "assessments/results/evidence.html", context)
