"""The meeting's pages: the facilitator's projector (with its controls), the
join page phones reach by the QR code or the short code, and the phone's
page. Live by htmx polling (`docs/architecture.md` says why); every page
works without JavaScript, by plain forms and reloads."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from assessments.access import get_participation_for, get_round_for, remember_participation
from assessments.exceptions import StateConflict
from assessments.models import Invitation, Meeting, Rating
from assessments.paper.checks import whole_number
from assessments.rating import services as rating_services
from assessments.rating.autosave import AnswerChange
from assessments.results.charts import ROOM_WIDTH, level_rows_svg
from assessments.results.disclosure import Withheld
from assessments.web import conflict_page
from convening.client_address import client_rate_key
from convening.models import StakeholderGroup
from convening.web import AuthenticatedHttpRequest

from . import services, signin
from .forms import CodeForm, EmailForm, JoinForm, MeetingConsensusForm, WalkInForm
from .selectors import Screen, live_meeting_by_code, live_meeting_of, live_meeting_revision, meeting_screen

# Codes that open nothing, per client address: with 31⁸ codes, guessing one
# from outside the room takes longer than any meeting lasts.
JOIN_RATE = "20/m"
# Codes asked for by e-mail, per client address: a room of invitees on one network asks a few each.
SIGN_IN_RATE = "30/m"
SESSION_SIGN_IN_KEY = "meeting_sign_in"
PHONE_CHART_WIDTH = 700  # the room's chart drawn narrower, so that its type reads on a phone


def join_url(request: HttpRequest, meeting: Meeting) -> str:
    return request.build_absolute_uri(reverse("assessments:meeting_join", args=[meeting.code]))


def spaced(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _qr_svg(url: str) -> str:
    # segno escapes nothing it is not given; the URL is ours (reverse + host).
    return mark_safe(segno.make(url, error="m").svg_inline(scale=8, dark="#000", light="#fff", border=2))  # noqa: S308


def _withheld_message(reason: Withheld, screen: Screen, answered: int) -> str:
    k = screen.round.threshold
    if reason == Withheld.FEW:
        return _("Not yet: %(answered)d answered, the figures show once %(k)d have.") % {"answered": answered, "k": k}
    if reason == Withheld.PRIVATE:
        return _("Not yet: fewer than %(k)d answered on their own phones or links.") % {"k": k}
    return _(
        "Not again yet: the figures show again once at least %(k)d answers differ from the last time they were shown."
    ) % {"k": k}


def _figures_chart(screen: Screen, chart_id: str, *, width: int = ROOM_WIDTH) -> str | None:
    figures = screen.figures
    if figures is None:
        return None
    return level_rows_svg(
        figures.stats.counts,
        figures.level_names,
        title=_("How the room rated “%(title)s”") % {"title": screen.item.key_action.title},
        chart_id=chart_id,
        median=figures.stats.median,
        width=width,
    )


# The facilitator ------------------------------------------------------------------------------------------------


def _projector_context(request: HttpRequest, meeting: Meeting) -> dict:
    screen = meeting_screen(meeting=meeting)
    address = join_url(request, meeting)
    return {
        "screen": screen,
        "round": screen.round,
        "code": spaced(meeting.code),
        "join_url": address,
        "qr": _qr_svg(address),
        "chart": _figures_chart(screen, "room"),
        "consensus_form": MeetingConsensusForm(levels=screen.item.levels),
    }


@require_POST
@login_required
def meeting_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for(request.user, pk, need="round.manage")
    try:
        services.meeting_start(round=round_, by=request.user)
    except StateConflict as error:
        return conflict_page(request, round_, error)
    return redirect("assessments:meeting_projector", pk=round_.pk)


def _live_meeting(request: AuthenticatedHttpRequest, pk: int) -> Meeting:
    round_ = get_round_for(request.user, pk, need="round.manage")
    meeting = live_meeting_of(round=round_)
    if meeting is None:
        raise Http404
    return meeting


@login_required
def meeting_projector(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for(request.user, pk, need="round.manage")
    meeting = live_meeting_of(round=round_)
    if meeting is None:
        messages.info(request, _("This round has no live meeting. Start one from the round's page."))
        return redirect("assessments:round_detail", pk=round_.pk)
    return render(request, "assessments/meeting/projector.html", _projector_context(request, meeting))


@login_required
def meeting_projector_state(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The projector's live part, polled: the count moves as phones answer."""
    meeting = _live_meeting(request, pk)
    return render(request, "assessments/meeting/_projector_state.html", _projector_context(request, meeting))


@require_POST
@login_required
def meeting_control(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Back, next, skip, reveal, lock or open joining, free or paced phones, end."""
    meeting = _live_meeting(request, pk)
    action = request.POST.get("action", "")
    screen = meeting_screen(meeting=meeting, room=False)
    try:
        if action in ("next", "back", "skip"):
            step = -1 if action == "back" else 1
            services.meeting_go(meeting=meeting, position=screen.position + step, key_action_count=len(screen.items))
        elif action == "reveal":
            services.meeting_reveal(meeting=meeting, key_action_id=screen.item.key_action.pk, by=request.user)
        elif action in ("lock", "unlock"):
            services.meeting_lock(meeting=meeting, locked=action == "lock")
        elif action in ("free", "paced"):
            services.meeting_free_navigation(meeting=meeting, free=action == "free")
        elif action == "end":
            services.meeting_end(meeting=meeting, by=request.user)
            messages.success(request, _("The meeting has ended. The round stays open until it closes."))
            return redirect("assessments:round_detail", pk=pk)
        else:
            raise ValidationError(_("That is not something a meeting can do."))
    except services.RevealWithheld as withheld:
        messages.warning(request, _withheld_message(withheld.reason, screen, withheld.answered))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except StateConflict as error:
        return conflict_page(request, meeting.round, error)
    return redirect("assessments:meeting_projector", pk=pk)


@require_POST
@login_required
def meeting_consensus(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The level the room agreed on for the key action on screen, and optionally its first step."""
    meeting = _live_meeting(request, pk)
    screen = meeting_screen(meeting=meeting, room=False)
    form = MeetingConsensusForm(request.POST, levels=screen.item.levels)
    if not form.is_valid():
        context = _projector_context(request, meeting) | {"consensus_form": form}
        return render(request, "assessments/meeting/projector.html", context, status=400)
    try:
        services.meeting_consensus_record(
            meeting=meeting,
            key_action=screen.item.key_action,
            level=form.cleaned_data["level"],
            rationale=form.cleaned_data["rationale"],
            step=form.cleaned_data["step"],
            owner=form.cleaned_data["owner"],
            by=request.user,
        )
    except ValidationError as error:
        form.add_error(None, error)
        context = _projector_context(request, meeting) | {"consensus_form": form}
        return render(request, "assessments/meeting/projector.html", context, status=400)
    except StateConflict as error:
        return conflict_page(request, meeting.round, error)
    messages.success(request, _("The team's level is recorded."))
    return redirect("assessments:meeting_projector", pk=pk)


# Phones ---------------------------------------------------------------------------------------------------------


def _meeting_by_code(request: HttpRequest, code: str) -> Meeting:
    """The live meeting of a code; codes that open nothing count against JOIN_RATE."""
    meeting = live_meeting_by_code(code=services.normalized_code(code))
    if meeting is None:
        if is_ratelimited(request, group="assessments.meeting", key=client_rate_key, rate=JOIN_RATE, increment=True):
            raise StateConflict(_("Too many attempts from your network. Wait a minute and try again."))
        raise Http404
    return meeting


def _participation(request: HttpRequest, meeting: Meeting) -> Invitation | None:
    try:
        return get_participation_for(request, meeting.round_id)
    except Http404:
        return None


def meeting_enter(request: HttpRequest) -> HttpResponse:
    """Type the code shown in the room."""
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = services.normalized_code(form.cleaned_data["code"])
        return redirect("assessments:meeting_join", code=code)
    return render(request, "assessments/meeting/enter.html", {"form": form})


def _join_problem(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "assessments/meeting/enter.html", {"form": JoinForm(), "problem": message}, status=status)


def _meeting_or_problem(request: HttpRequest, code: str) -> Meeting | HttpResponse:
    """The live meeting of the code, or the page that says why there is none."""
    try:
        return _meeting_by_code(request, code)
    except Http404:
        return _join_problem(request, _("No meeting is live with this code. Check the code on the screen."), 404)
    except StateConflict as error:
        return _join_problem(request, str(error), 429)


def meeting_join(request: HttpRequest, code: str) -> HttpResponse:
    """Where the QR code leads: someone already taking part continues as
    themselves; anyone else opens their invitation's link, signs in, or joins
    as a walk-in in the group they choose."""
    meeting = _meeting_or_problem(request, code)
    if isinstance(meeting, HttpResponse):
        return meeting
    if _participation(request, meeting) is not None:
        return redirect("assessments:meeting_phone", code=meeting.code)
    groups = StakeholderGroup.objects.filter(organization_id=meeting.round.organization_id).order_by("position", "pk")
    form = WalkInForm(request.POST or None, groups=groups)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.meeting_walk_in(meeting=meeting, group=form.cleaned_data["group"])
        except StateConflict as error:
            messages.error(request, str(error))
            return redirect("assessments:meeting_join", code=meeting.code)
        request.session.cycle_key()
        remember_participation(request, invitation)
        return redirect("assessments:meeting_phone", code=meeting.code)
    context = {
        "meeting": meeting,
        "round": meeting.round,
        "form": form,
        "email_form": EmailForm(),
        "code": spaced(meeting.code),
    }
    return render(request, "assessments/meeting/join.html", context, status=400 if form.errors else 200)


@require_POST
def meeting_email(request: HttpRequest, code: str) -> HttpResponse:
    """An invitee types their address; a one-time code goes to it if it was
    invited. The answer is the same either way."""
    meeting = _meeting_or_problem(request, code)
    if isinstance(meeting, HttpResponse):
        return meeting
    form = EmailForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for error in form.errors["email"]))
        return redirect("assessments:meeting_join", code=meeting.code)
    if is_ratelimited(
        request, group="assessments.meeting.email", key=client_rate_key, rate=SIGN_IN_RATE, increment=True
    ):
        return _join_problem(request, _("Too many attempts from your network. Wait a minute and try again."), 429)
    sign_in = signin.meeting_sign_in_request(meeting=meeting, email=form.cleaned_data["email"])
    codes = dict(request.session.get(SESSION_SIGN_IN_KEY, {}))
    codes[meeting.code] = sign_in.pk if sign_in else None
    request.session[SESSION_SIGN_IN_KEY] = codes
    return redirect("assessments:meeting_email_code", code=meeting.code)


def meeting_email_code(request: HttpRequest, code: str) -> HttpResponse:
    """The code from the e-mail: right once, and the phone continues as that invitee."""
    meeting = _meeting_or_problem(request, code)
    if isinstance(meeting, HttpResponse):
        return meeting
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sign_in_id = request.session.get(SESSION_SIGN_IN_KEY, {}).get(meeting.code)
        try:
            if sign_in_id is None:
                raise ValidationError(_("That is not the code we sent. Check the e-mail and try again."))
            invitation = signin.meeting_sign_in_confirm(sign_in_id=sign_in_id, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            request.session.cycle_key()
            remember_participation(request, invitation)
            return redirect("assessments:meeting_phone", code=meeting.code)
    context = {"meeting": meeting, "round": meeting.round, "form": form, "minutes": signin.CODE_MINUTES}
    return render(request, "assessments/meeting/email_code.html", context, status=400 if form.errors else 200)


def _phone_context(request: HttpRequest, meeting: Meeting, invitation: Invitation, at: str | None = None) -> dict:
    """What the phone shows: where the facilitator is, or while phones may
    roam, the key action the phone asked for (`at`)."""
    asked = request.GET.get("at", "") if at is None else at
    position = whole_number(asked) if meeting.free_navigation else None
    screen = meeting_screen(meeting=meeting, position=position, room=False)
    rating = Rating.objects.filter(response__invitation=invitation, key_action=screen.item.key_action).first()
    return {
        "screen": screen,
        "round": screen.round,
        "invitation": invitation,
        "rating": rating,
        "chart": _figures_chart(screen, "phone", width=PHONE_CHART_WIDTH),
        "editable": screen.round.status == "open",
    }


def _phone_participation(request: HttpRequest, code: str) -> tuple[Meeting, Invitation]:
    meeting = _meeting_by_code(request, code)
    invitation = _participation(request, meeting)
    if invitation is None:
        raise Http404
    return meeting, invitation


def meeting_phone(request: HttpRequest, code: str) -> HttpResponse:
    try:
        meeting, invitation = _phone_participation(request, code)
    except Http404:
        return redirect("assessments:meeting_join", code=services.normalized_code(code))
    except StateConflict as error:
        return _join_problem(request, str(error), 429)
    return render(request, "assessments/meeting/phone.html", _phone_context(request, meeting, invitation))


def meeting_phone_state(request: HttpRequest, code: str) -> HttpResponse:
    """The phone's live part, polled: 204 (nothing to redraw) while the
    meeting has not moved since the revision the phone shows. That answer
    needs only the code: it tells nothing the room's screen does not show."""
    shown = request.GET.get("r")
    if shown is not None and str(live_meeting_revision(code=services.normalized_code(code))) == shown:
        return HttpResponse(status=204)
    try:
        meeting, invitation = _phone_participation(request, code)
    except StateConflict:
        return HttpResponse(status=429)
    return render(request, "assessments/meeting/_phone_state.html", _phone_context(request, meeting, invitation))


@require_POST
@transaction.non_atomic_requests
def meeting_answer(request: HttpRequest, code: str) -> HttpResponse:
    """The phone's answer to the key action it shows, saved by the rating
    services' rules (written only over the version the phone showed)."""
    try:
        meeting, invitation = _phone_participation(request, code)
    except (Http404, StateConflict):
        return redirect("assessments:meeting_join", code=services.normalized_code(code))
    key_action_id = whole_number(request.POST.get("key_action", ""))
    level = request.POST.get("level", "")
    version = whole_number(request.POST.get("version", ""))
    at = request.POST.get("at", "")
    problem = None
    level_id: int | None = None
    try:
        if key_action_id is None or version is None or not level:
            raise ValidationError(_("Choose one of the levels shown."))
        level_id = None if level == "not_sure" else whole_number(level)
        if level != "not_sure" and level_id is None:
            raise ValidationError(_("Choose one of the levels shown."))
        change = AnswerChange(
            key_action_id=key_action_id,
            level_id=level_id,
            not_sure=level == "not_sure",
            writes_level=True,
            writes_evidence=False,
            level_base=version,
        )
        with transaction.atomic():
            rating_services.answer_save(invitation=invitation, change=change)
    except ValidationError as error:
        problem = " ".join(error.messages)
    except rating_services.AnswerConflict as conflict:
        # The same answer stored already is this phone's own, sent again after its confirmation got lost.
        if (conflict.stored.level_id, conflict.stored.not_sure) != (level_id, level == "not_sure"):
            problem = str(conflict)
    except StateConflict as error:
        problem = str(error)
    if request.headers.get("HX-Request"):
        meeting.refresh_from_db()
        context = _phone_context(request, meeting, invitation, at=at)
        screen: Screen = context["screen"]
        # The room moved on while the answer was on its way: say it was kept before showing where the room is.
        moved_on = problem is None and key_action_id != screen.item.key_action.pk
        answered = next((item.key_action for item in screen.items if item.key_action.pk == key_action_id), None)
        context |= {"problem": problem, "saved_before": answered if moved_on else None}
        return render(request, "assessments/meeting/_phone_state.html", context)
    if problem:
        messages.error(request, problem)
    else:
        messages.success(request, _("Your answer is saved."))
    target = reverse("assessments:meeting_phone", args=[meeting.code])
    return redirect(f"{target}?at={at}" if at else target)
