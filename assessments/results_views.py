"""A round's results (SPEC §5), the consensus the team records while
discussing them, and its action plan.

Who sees what is `selectors.results_access`'s rule; figures come from
`results.round_results` (a fixed number of queries); these views only wire
them to the templates and the services. Every form works as a plain POST
with a redirect; the consensus form also posts inline with htmx."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from convening.models import Role
from rubrics.models import KeyAction

from . import services
from .charts import level_swatch_svg
from .models import EVIDENCE_MAX_LENGTH, ActionStep, Round, RoundStatus, StepStatus
from .results import RESULTS_CACHE_SECONDS, results_as_json, round_results_cached
from .results_display import key_action_display, median_text
from .results_forms import ActionStepForm, ConsensusForm, StepStatusForm, TargetForm
from .selectors import (
    ResultsAccess,
    consensus_history,
    default_target_level,
    get_round_for,
    get_step_for,
    key_action_evidence,
    open_steps_from_previous_rounds,
    results_access,
    round_action_plans,
    round_descriptors,
    round_evidence_counts,
)

COMMENTS_PER_PAGE = 50

# Pages a step form may return to, by name: never a URL taken from the request.
# "round" is the facilitators' round page, which may list the open steps too.
RETURN_PAGES = {"plan": "assessments:plan", "results": "assessments:results", "round": "assessments:round_detail"}


def _page_url(name: str, round_pk: int, anchor: str = "") -> str:
    return reverse(RETURN_PAGES[name], args=[round_pk]) + (f"#{anchor}" if anchor else "")


def _add_service_errors(form: Form, error: ValidationError) -> None:
    """A service's refusal beside the field it names, or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _problem(request: HttpRequest, round_: Round, message: str, *, status: int, can_reveal: bool = False):
    context = {"round": round_, "message": message, "can_reveal": can_reveal}
    return render(request, "assessments/results/problem.html", context, status=status)


def results_view(*, need: Callable[[ResultsAccess], bool] | None = None):
    """Wraps a view of the round `pk` whose results must be visible to the
    person: it receives their ResultsAccess instead of `pk`. Anonymous → login,
    another organization → 404, `need` not met → 403, results not shown yet →
    403 with the reason (and, for a facilitator of an open round, the button
    that shows them)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, pk: int, **kwargs) -> HttpResponse:
            access = results_access(request.user, pk)
            if need is not None and not need(access):
                raise PermissionDenied
            if not access.visible:
                can_reveal = access.is_facilitator and access.round.status == RoundStatus.OPEN
                return _problem(request, access.round, access.hidden_reason, status=403, can_reveal=can_reveal)
            return view(request, access, **kwargs)

        return wrapper

    return decorator


def readers_only(access: ResultsAccess) -> bool:
    return access.is_reader


def _facilitators(access: ResultsAccess) -> bool:
    return access.is_facilitator


def _key_action_of(round_: Round, key_action_pk: int) -> KeyAction:
    key_action = (
        KeyAction.objects.select_related("rubric").filter(pk=key_action_pk, rubric__round_rubrics__round=round_).first()
    )
    if key_action is None:
        raise Http404
    return key_action


# Results -------------------------------------------------------------------------


@require_GET
@results_view()
def results(request: HttpRequest, access: ResultsAccess) -> HttpResponse:
    return _results_page(request, access)


def _results_page(
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
    refused consensus form (key action id, form), shown with its errors."""
    round_ = access.round
    data = round_results_cached(round=round_)
    history = consensus_history(round=round_) if access.is_reader else {}
    evidence = round_evidence_counts(results=data) if access.is_facilitator else None
    rubrics = []
    for rubric_result in data.rubrics:
        items = []
        for result in rubric_result.key_actions:
            pk = result.key_action.pk
            form = bound_form[1] if bound_form and bound_form[0] == pk else None
            items.append(
                {
                    "key_action": result.key_action,
                    # Called by the template only where its cached HTML is missing.
                    "display": partial(key_action_display, result, threshold=round_.threshold),
                    "consensus": _consensus_context(
                        access, result.key_action, result.levels, history.get(pk, []), form
                    ),
                    "evidence_count": evidence.get(pk, 0) if evidence is not None else None,
                }
            )
        legend = [
            {"level": level, "swatch": level_swatch_svg(level.position, chart_id=f"swatch-{rubric_result.rubric.pk}")}
            for level in rubric_result.levels
        ]
        rubrics.append({"result": rubric_result, "items": items, "legend": legend})
    context = {
        "access": access,
        "round": round_,
        "results": data,
        "rubrics": rubrics,
        "evidence_shown": evidence is not None,
        # Closed rounds' charts and tables are kept as HTML beside their figures; open rounds' never are.
        "figures_cache_seconds": RESULTS_CACHE_SECONDS if data.fingerprint else 0,
        "previous_steps": open_steps_from_previous_rounds(round_) if access.is_reader else [],
        "step_statuses": StepStatus.choices,
        "return_to": "results",
    }
    return render(request, "assessments/results/page.html", context, status=status)


def _consensus_context(access: ResultsAccess, key_action: KeyAction, levels, history, form, *, recorded=False) -> dict:
    return {
        "round": access.round,
        "key_action": key_action,
        "levels": levels,
        "history": history,
        "current": history[0] if history else None,
        "can_record": access.is_facilitator,
        "show_history": access.is_reader,
        "form": form,
        "rationale_max_length": EVIDENCE_MAX_LENGTH,
        "recorded": recorded,
    }


@require_GET
@results_view(need=readers_only)
def results_json(request: HttpRequest, access: ResultsAccess) -> JsonResponse:
    """SPEC §5's figures for facilitators and leads; stakeholders never get them raw."""
    return JsonResponse(
        results_as_json(round_results_cached(round=access.round)), json_dumps_params={"ensure_ascii": False}
    )


@require_POST
@login_required
def results_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for(request.user, pk, need=Role.FACILITATOR)
    revealed = request.POST.get("revealed") == "1"
    try:
        services.round_set_results_revealed(round=round_, revealed=revealed)
    except services.StateConflict as error:
        return _problem(request, round_, str(error), status=409)
    if revealed:
        messages.success(request, _("The results are shown to facilitators and leads while the round is open."))
    else:
        messages.success(request, _("The results are hidden again until the round closes."))
    return redirect("assessments:results", pk=round_.pk)


# Evidence ------------------------------------------------------------------------


@require_GET
@results_view(need=_facilitators)
def results_evidence(request: HttpRequest, access: ResultsAccess, key_action_pk: int) -> HttpResponse:
    """One key action's comments, a page at a time, for facilitators."""
    key_action = _key_action_of(access.round, key_action_pk)
    comments = key_action_evidence(round=access.round, key_action=key_action)
    page = Paginator(comments, COMMENTS_PER_PAGE).get_page(request.GET.get("page")) if comments is not None else None
    context = {
        "round": access.round,
        "key_action": key_action,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number) if page else [],
    }
    return render(request, "assessments/results/evidence.html", context)


# Consensus -----------------------------------------------------------------------


@require_POST
@results_view(need=_facilitators)
def consensus_record(request: HttpRequest, access: ResultsAccess, key_action_pk: int) -> HttpResponse:
    key_action = _key_action_of(access.round, key_action_pk)
    form = ConsensusForm(request.POST, prefix=f"ka-{key_action.pk}")
    if form.is_valid():
        try:
            services.consensus_record(
                round=access.round,
                key_action=key_action,
                level=form.cleaned_data["level"],
                rationale=form.cleaned_data["rationale"],
                recorded_by=request.user,
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        except services.StateConflict as error:
            return _problem(request, access.round, str(error), status=409)
    if request.htmx:
        return _consensus_fragment(request, access, key_action, form)
    if form.errors:
        return _results_page(request, access, bound_form=(key_action.pk, form), status=400)
    messages.success(request, _("The consensus on “%(title)s” is recorded.") % {"title": key_action.title})
    return redirect(_page_url("results", access.round.pk, f"ka-{key_action.pk}"))


def _consensus_fragment(request: HttpRequest, access: ResultsAccess, key_action: KeyAction, form: ConsensusForm):
    """The key action's consensus block alone, swapped in by htmx: with the
    errors (400) or with the new record on top of the history."""
    refused = bool(form.errors)
    history = consensus_history(round=access.round, key_action=key_action).get(key_action.pk, [])
    levels = list(key_action.rubric.levels.order_by("position"))
    context = _consensus_context(access, key_action, levels, history, form if refused else None, recorded=not refused)
    return render(request, "assessments/results/_consensus.html", {"c": context}, status=400 if refused else 200)


# Action plan ---------------------------------------------------------------------


@require_GET
@results_view(need=readers_only)
def plan(request: HttpRequest, access: ResultsAccess) -> HttpResponse:
    return _plan_page(request, access)


def _plan_page(
    request: HttpRequest, access: ResultsAccess, *, bound_form: tuple[int, Form] | None = None, status: int = 200
) -> HttpResponse:
    """Per key action: where the team stands, the target (saved, or the
    default), its descriptor as the goal, and the steps. `bound_form` is a
    refused form (key action id, form), shown with its errors."""
    round_ = access.round
    data = round_results_cached(round=round_)
    plans = round_action_plans(round=round_)
    descriptors = round_descriptors(round=round_)
    rubrics = []
    for rubric_result in data.rubrics:
        items = []
        for result in rubric_result.key_actions:
            pk = result.key_action.pk
            saved = plans.get(pk)
            target = saved.target_level if saved else default_target_level(result)
            bound = bound_form[1] if bound_form and bound_form[0] == pk else None
            items.append(
                {
                    "result": result,
                    "median_text": median_text(result.stats.median, result.levels),
                    "target": target,
                    "target_is_default": saved is None,
                    "goal": descriptors.get((pk, target.pk), ""),
                    "steps": list(saved.steps.all()) if saved else [],
                    "target_form": bound if isinstance(bound, TargetForm) else None,
                    "step_form": bound if isinstance(bound, ActionStepForm) else ActionStepForm(prefix=f"step-{pk}"),
                }
            )
        rubrics.append({"result": rubric_result, "items": items})
    context = {
        "access": access,
        "round": round_,
        "rubrics": rubrics,
        "previous_steps": open_steps_from_previous_rounds(round_),
        "step_statuses": StepStatus.choices,
        "return_to": "plan",
    }
    return render(request, "assessments/results/plan.html", context, status=status)


@require_POST
@results_view(need=_facilitators)
def plan_target(request: HttpRequest, access: ResultsAccess, key_action_pk: int) -> HttpResponse:
    key_action = _key_action_of(access.round, key_action_pk)
    form = TargetForm(request.POST, prefix=f"target-{key_action.pk}")
    if form.is_valid():
        try:
            services.action_plan_set_target(
                round=access.round, key_action=key_action, target_level=form.cleaned_data["target_level"]
            )
        except ValidationError as error:
            _add_service_errors(form, error)
    if form.errors:
        return _plan_page(request, access, bound_form=(key_action.pk, form), status=400)
    messages.success(request, _("The target for “%(title)s” is saved.") % {"title": key_action.title})
    return redirect(_page_url("plan", access.round.pk, f"plan-ka-{key_action.pk}"))


@require_POST
@results_view(need=_facilitators)
def step_add(request: HttpRequest, access: ResultsAccess, key_action_pk: int) -> HttpResponse:
    key_action = _key_action_of(access.round, key_action_pk)
    form = ActionStepForm(request.POST, prefix=f"step-{key_action.pk}")
    if form.is_valid():
        try:
            services.action_step_add(round=access.round, key_action=key_action, **form.cleaned_data)
        except ValidationError as error:
            _add_service_errors(form, error)
    if form.errors:
        return _plan_page(request, access, bound_form=(key_action.pk, form), status=400)
    messages.success(request, _("The step is added to “%(title)s”.") % {"title": key_action.title})
    return redirect(_page_url("plan", access.round.pk, f"plan-ka-{key_action.pk}"))


def _return_to(request: HttpRequest) -> str:
    name = request.POST.get("return_to") or request.GET.get("return_to")
    return name if name in RETURN_PAGES else "plan"


def _after_step(request: HttpRequest, round_: Round, step: ActionStep) -> HttpResponse:
    """Back to the page the form was on: the plan at the step's key action,
    or the list of open steps carried over from earlier rounds."""
    page = _return_to(request)
    if page == "plan" and step.plan.round_id == round_.pk:
        return redirect(_page_url(page, round_.pk, f"plan-ka-{step.plan.key_action_id}"))
    return redirect(_page_url(page, round_.pk, "previous-steps"))


@login_required
def step_edit(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    round_, step = get_step_for(request.user, pk, step_pk)
    initial = {"description": step.description, "owner": step.owner, "due_date": step.due_date, "status": step.status}
    form = ActionStepForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            services.action_step_update(step=step, **form.cleaned_data)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("The step is saved."))
            return _after_step(request, round_, step)
    context = {"round": round_, "step": step, "form": form, "return_to": _return_to(request)}
    return render(request, "assessments/results/step_edit.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def step_status(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    """Only the status: how the lists of open steps on later rounds move a step on."""
    round_, step = get_step_for(request.user, pk, step_pk)
    form = StepStatusForm(request.POST, prefix=f"status-{step.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose one of the statuses shown."))
        return _after_step(request, round_, step)
    services.action_step_update(
        step=step,
        description=step.description,
        owner=step.owner,
        due_date=step.due_date,
        status=form.cleaned_data["status"],
    )
    messages.success(
        request, _("“%(step)s” is now: %(status)s.") % {"step": step.description, "status": step.get_status_display()}
    )
    return _after_step(request, round_, step)


@login_required
def step_delete(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    """A confirmation page, then the POST that deletes."""
    round_, step = get_step_for(request.user, pk, step_pk)
    if request.method == "POST":
        services.action_step_delete(step=step)
        messages.success(request, _("The step “%(step)s” is deleted.") % {"step": step.description})
        return _after_step(request, round_, step)
    context = {"round": round_, "step": step, "return_to": _return_to(request)}
    return render(request, "assessments/results/step_delete.html", context)
