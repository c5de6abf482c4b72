"""Consensus and action plans: recording the level the team agreed on (from
the results page, inline with htmx too), the plan page with targets, and
the steps, which later rounds' pages list until they are done."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assessments.access import ResultsAccess, get_key_action_for, get_step_for, results_view
from assessments.exceptions import StateConflict
from assessments.models import ActionStep, Round, StepStatus
from assessments.results.computation import round_results
from assessments.results.presentation import median_text
from assessments.results.views import results_page
from assessments.web import problem_page
from convening import languages
from convening.web import AuthenticatedHttpRequest, add_service_errors
from rubrics import localization
from rubrics.models import KeyAction

from . import services
from .blocks import consensus_context
from .forms import ActionStepForm, ConsensusForm, StepStatusForm, TargetForm
from .selectors import (
    consensus_history,
    default_target_level,
    open_steps_from_previous_rounds,
    round_action_plans,
    round_descriptors,
)

# Pages a step form may return to, by name: never a URL taken from the request.
# "round" is the facilitators' round page, which may list the open steps too.
RETURN_PAGES = {"plan": "assessments:plan", "results": "assessments:results", "round": "assessments:round_detail"}


def _page_url(name: str, round_pk: int, anchor: str = "") -> str:
    return reverse(RETURN_PAGES[name], args=[round_pk]) + (f"#{anchor}" if anchor else "")


@require_POST
@results_view(need="plan.edit")
def consensus_record(request: AuthenticatedHttpRequest, access: ResultsAccess, key_action_pk: int) -> HttpResponse:
    key_action = get_key_action_for(access.round, key_action_pk)
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
            add_service_errors(form, error)
        except StateConflict as error:
            return problem_page(request, access.round, str(error), status=409)
    if request.htmx:
        return _consensus_fragment(request, access, key_action, form)
    if form.errors:
        return results_page(request, access, bound_form=(key_action.pk, form), status=400)
    messages.success(request, _("The consensus on “%(title)s” is recorded.") % {"title": key_action.title})
    return redirect(_page_url("results", access.round.pk, f"ka-{key_action.pk}"))


def _consensus_fragment(request: HttpRequest, access: ResultsAccess, key_action: KeyAction, form: ConsensusForm):
    """The key action's consensus block alone, swapped in by htmx: with the
    errors (400) or with the new record on top of the history."""
    refused = bool(form.errors)
    history = consensus_history(round=access.round, key_action=key_action).get(key_action.pk, [])
    levels = list(key_action.rubric.levels.order_by("position"))
    context = consensus_context(access, key_action, levels, history, form if refused else None, recorded=not refused)
    return render(request, "assessments/results/_consensus.html", {"c": context}, status=400 if refused else 200)


@require_GET
@results_view(need="results.read")
def plan(request: HttpRequest, access: ResultsAccess) -> HttpResponse:
    return _plan_page(request, access)


def _plan_page(
    request: HttpRequest, access: ResultsAccess, *, bound_form: tuple[int, Form] | None = None, status: int = 200
) -> HttpResponse:
    """Per key action: where the team stands, the target (saved, or the
    default), its descriptor as the goal, and the steps. `bound_form` is a
    refused form (key action id, form), shown with its errors."""
    round_ = access.round
    data = round_results(round=round_, language=languages.current())
    plans = round_action_plans(round=round_)
    descriptors = round_descriptors(round=round_)
    for rubric_result in data.rubrics:
        descriptors |= localization.translated_descriptors(rubric_result.rubric)
    rubrics = []
    for rubric_result in data.rubrics:
        # The results' levels, so that a saved target is named in the reader's language.
        levels = {level.pk: level for level in rubric_result.levels}
        items = []
        for result in rubric_result.key_actions:
            pk = result.key_action.pk
            saved = plans.get(pk)
            target = levels.get(saved.target_level_id, saved.target_level) if saved else default_target_level(result)
            bound = bound_form[1] if bound_form and bound_form[0] == pk else None
            items.append(
                {
                    "result": result,
                    "median_text": median_text(result.stats.median if result.stats else None, result.levels),
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
        "capabilities": access.capabilities,
        "round": round_,
        "rubrics": rubrics,
        "previous_steps": open_steps_from_previous_rounds(round=round_),
        "step_statuses": StepStatus.choices,
        "return_to": "plan",
    }
    return render(request, "assessments/results/plan.html", context, status=status)


@require_POST
@results_view(need="plan.edit")
def plan_target(request: AuthenticatedHttpRequest, access: ResultsAccess, key_action_pk: int) -> HttpResponse:
    key_action = get_key_action_for(access.round, key_action_pk)
    form = TargetForm(request.POST, prefix=f"target-{key_action.pk}")
    if form.is_valid():
        try:
            services.action_plan_set_target(
                round=access.round,
                key_action=key_action,
                target_level=form.cleaned_data["target_level"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
    if form.errors:
        return _plan_page(request, access, bound_form=(key_action.pk, form), status=400)
    messages.success(request, _("The target for “%(title)s” is saved.") % {"title": key_action.title})
    return redirect(_page_url("plan", access.round.pk, f"plan-ka-{key_action.pk}"))


@require_POST
@results_view(need="plan.edit")
def step_add(request: AuthenticatedHttpRequest, access: ResultsAccess, key_action_pk: int) -> HttpResponse:
    key_action = get_key_action_for(access.round, key_action_pk)
    form = ActionStepForm(request.POST, prefix=f"step-{key_action.pk}")
    if form.is_valid():
        try:
            services.action_step_add(round=access.round, key_action=key_action, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
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
def step_edit(request: AuthenticatedHttpRequest, pk: int, step_pk: int) -> HttpResponse:
    round_, step = get_step_for(request.user, pk, step_pk)
    initial = {"description": step.description, "owner": step.owner, "due_date": step.due_date, "status": step.status}
    form = ActionStepForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            services.action_step_update(step=step, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The step is saved."))
            return _after_step(request, round_, step)
    context = {"round": round_, "step": step, "form": form, "return_to": _return_to(request)}
    return render(request, "assessments/results/step_edit.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def step_status(request: AuthenticatedHttpRequest, pk: int, step_pk: int) -> HttpResponse:
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
        by=request.user,
    )
    messages.success(
        request, _("“%(step)s” is now: %(status)s.") % {"step": step.description, "status": step.get_status_display()}
    )
    return _after_step(request, round_, step)


@login_required
def step_delete(request: AuthenticatedHttpRequest, pk: int, step_pk: int) -> HttpResponse:
    """A confirmation page, then the POST that deletes."""
    round_, step = get_step_for(request.user, pk, step_pk)
    if request.method == "POST":
        services.action_step_delete(step=step, by=request.user)
        messages.success(request, _("The step “%(step)s” is deleted.") % {"step": step.description})
        return _after_step(request, round_, step)
    context = {"round": round_, "step": step, "return_to": _return_to(request)}
    return render(request, "assessments/results/step_delete.html", context)
