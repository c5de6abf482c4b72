"""Every access helper of the assessments app: a view reaches a round, an
invitation, a step, a report or a round's results only through one of these.
Another organization's object answers 404 (its existence does not leak), a
missing capability 403; what each role may do is `convening.access`'s table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _

from convening.access import Capability, member_capabilities, require
from convening.models import User
from convening.selectors import known_name
from convening.web import AuthenticatedHttpRequest
from rubrics.models import KeyAction

from .models import ActionStep, Invitation, ReportExport, Round, RoundStatus
from .rating.autosave import Participant
from .web import problem_page

# Round id → [invitation id, hash of the link that granted it]: one person per
# round and session. (The key is new with that rule: sessions that kept a list
# of every invitation granted, under "participations", grant nothing.)
SESSION_PARTICIPATIONS_KEY = "participation_grants"


def get_round_for(user: User, pk: int, *, need: Capability) -> Round:
    """A round of one of the person's organizations."""
    return get_round_with_capabilities_for(user, pk, need=need)[0]


def get_round_with_capabilities_for(user: User, pk: int, *, need: Capability) -> tuple[Round, frozenset[Capability]]:
    """As get_round_for, with what the person may do in the round's organization."""
    round_ = Round.objects.select_related("team", "organization").filter(pk=pk).first()
    if round_ is None:
        raise Http404
    return round_, require(user=user, organization_id=round_.organization_id, need=need)


def get_key_action_for(round_: Round, key_action_pk: int) -> KeyAction:
    """A key action of one of the round's rubrics; any other answers 404."""
    key_action = (
        KeyAction.objects.select_related("rubric").filter(pk=key_action_pk, rubric__round_rubrics__round=round_).first()
    )
    if key_action is None:
        raise Http404
    return key_action


def get_invitation_for(user: User, round_pk: int, invitation_pk: int) -> Invitation:
    """An invitation of a round the person manages; one of another round answers 404."""
    round_ = get_round_for(user, round_pk, need="round.manage")
    invitation = round_.invitations.select_related("user").filter(pk=invitation_pk).first()
    if invitation is None:
        raise Http404
    invitation.round = round_
    return invitation


def get_step_for(user: User, round_pk: int, step_pk: int) -> tuple[Round, ActionStep]:
    """A step of the team of a round whose plan the person edits, reached from
    that round's pages (a step from an earlier round shows on the later ones);
    any other step answers 404."""
    round_ = get_round_for(user, round_pk, need="plan.edit")
    step = (
        ActionStep.objects.select_related("plan__round", "plan__key_action")
        .filter(pk=step_pk, plan__round__team_id=round_.team_id)
        .first()
    )
    if step is None:
        raise Http404
    return round_, step


def get_report_for(user: User, pk: int) -> ReportExport:
    """A report of a round whose results the person reads: 404 and 403 as for the round itself."""
    report = ReportExport.objects.filter(pk=pk).first()
    if report is None:
        raise Http404
    report.round = get_round_for(user, report.round_id, need="results.read")
    return report


# Participants ---------------------------------------------------------------------


def remember_participation(request: HttpRequest, invitation: Invitation) -> None:
    """Opening a personal link grants this browser session that one
    invitation for its round, in place of any earlier grant for the round
    (a family computer, a kiosk at a meeting), and nothing else: no login,
    no other page. The grant holds the link's hash, so a new link or a
    revocation ends it on the next request."""
    grants = dict(request.session.get(SESSION_PARTICIPATIONS_KEY, {}))
    grants[str(invitation.round_id)] = [invitation.pk, invitation.token_hash]
    request.session[SESSION_PARTICIPATIONS_KEY] = grants


def forget_participation(request: HttpRequest, round_pk: int) -> None:
    grants = dict(request.session.get(SESSION_PARTICIPATIONS_KEY, {}))
    if grants.pop(str(round_pk), None) is not None:
        request.session[SESSION_PARTICIPATIONS_KEY] = grants


def _grant(request: HttpRequest, round_pk: int) -> tuple[int, str] | None:
    grant = request.session.get(SESSION_PARTICIPATIONS_KEY, {}).get(str(round_pk))
    return (int(grant[0]), str(grant[1])) if grant else None


def participant_of(request: HttpRequest, round_pk: int, *, page_invitation_id: int | None) -> Participant:
    """Who answers the round in this session, for the autosave statement
    (which checks the grant itself): the invitee whose link was opened here,
    or else the signed-in person; in either case only for the invitation the
    page was made for, so a page left open from another grant writes nothing."""
    grant = _grant(request, round_pk)
    if grant is not None:
        invitation_id = grant[0] if page_invitation_id in (None, grant[0]) else None
        return Participant(invitation_id=invitation_id, token_hash=grant[1])
    user_id = request.user.pk if request.user.is_authenticated else None
    return Participant(invitation_id=page_invitation_id, user_id=user_id)


def get_participation_for(request: HttpRequest, round_pk: int) -> Invitation:
    """The one invitation through which this visitor rates the round: the
    one a personal link granted to the session (while that link still
    works), or else their own when signed in. A signed-in person who opened
    someone else's link rates as that invitee only. Anything else answers
    404, whether the round exists or not."""
    invitations = (
        Invitation.objects.select_related("round__team", "round__organization", "user", "stakeholder_group")
        # For "You are rating as …" when they gave no name themselves: the round's organization's (same query).
        .annotate(known_name=known_name(organization=OuterRef("round__organization")))
        .filter(round_id=round_pk, revoked_at__isnull=True)
    )
    grant = _grant(request, round_pk)
    if grant is not None:
        invitation = invitations.filter(pk=grant[0], token_hash=grant[1]).first()
        if invitation is None:
            # The link was replaced or withdrawn: the grant ends here.
            forget_participation(request, round_pk)
    elif request.user.is_authenticated:
        invitation = invitations.filter(user=request.user).first()
    else:
        invitation = None
    if invitation is None:
        raise Http404
    return invitation


# Results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultsAccess:
    """What one person may do with one round's results. `hidden_reason` says
    why the results are not shown (yet) to someone who will see them later;
    it is None once they are visible."""

    round: Round
    capabilities: frozenset[Capability]
    hidden_reason: str | None

    @property
    def visible(self) -> bool:
        return self.hidden_reason is None


def results_access(user: User, pk: int) -> ResultsAccess:
    """SPEC §3: those who read results ("results.read": facilitators and
    leads) see them once the round has closed, or while it is open if they
    were revealed; someone invited to the round (whatever their role, if any)
    sees them after closing when the round shares them. Any other member:
    403; anyone else: 404, so a round's existence does not leak."""
    round_ = Round.objects.select_related("team", "organization").filter(pk=pk).first()
    if round_ is None:
        raise Http404
    capabilities = member_capabilities(user=user, organization_id=round_.organization_id)
    closed = round_.status == RoundStatus.CLOSED
    if capabilities is not None and "results.read" in capabilities:
        hidden = None if closed or round_.results_revealed else _("Results appear when the round closes.")
        return ResultsAccess(round=round_, capabilities=capabilities, hidden_reason=hidden)
    # A withdrawn invitation no longer counts as taking part.
    if not Invitation.objects.filter(round=round_, user=user, revoked_at__isnull=True).exists():
        if capabilities is not None:
            raise PermissionDenied
        raise Http404
    if not round_.share_results:
        hidden = _("The facilitators have not shared the results of this round.")
    elif not closed:
        hidden = _("Results appear when the round closes.")
    else:
        hidden = None
    return ResultsAccess(round=round_, capabilities=capabilities or frozenset(), hidden_reason=hidden)


def results_view(*, need: Capability | None = None) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., Any]]:
    """Wraps a view of the round `pk` whose results must be visible to the
    person: it receives their ResultsAccess instead of `pk`. Anonymous → login,
    another organization → 404, `need` missing → 403, results not shown yet →
    403 with the reason (and, for whoever may show them, the button that does)."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapper(request: AuthenticatedHttpRequest, pk: int, **kwargs: Any) -> HttpResponseBase:
            access = results_access(request.user, pk)
            if need is not None and need not in access.capabilities:
                raise PermissionDenied
            if not access.visible:
                can_reveal = "round.manage" in access.capabilities and access.round.status == RoundStatus.OPEN
                return problem_page(
                    request, access.round, access.hidden_reason or "", status=403, can_reveal=can_reveal
                )
            return view(request, access, **kwargs)

        return wrapper

    return decorator
