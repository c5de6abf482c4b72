from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ..access import SESSION_ORGANIZATION_KEY, get_account_invitation_for, get_current_organization_for, get_member_for
from ..models import AccountInvitation, Role, User
from ..web import AuthenticatedHttpRequest, saved
from . import selectors, services
from .forms import AcceptWithPasswordForm, InviteForm, RolesForm

# The link's token is kept in the session and the browser sent to a page without it, as Django's password
# reset does: the token then appears in no page's address, referrer or sign-in "next".
SESSION_INVITATION_KEY = "account_invitation_token"

_INVITED = {
    services.InviteOutcome.INVITED: gettext_lazy(
        "An invitation was sent to %(email)s as %(role)s. The link works for %(days)d days."
    ),
    services.InviteOutcome.RESENT: gettext_lazy(
        "%(email)s had an invitation as %(role)s waiting: it was sent again, with a new link (the earlier one no"
        " longer works)."
    ),
    services.InviteOutcome.ADDED: gettext_lazy(
        "%(email)s has an account already: they now have the role %(role)s, and were told by e-mail."
    ),
}


@login_required
def people(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Everyone with a role, the invitations waiting, and the invitation form (its POST)."""
    organization = get_current_organization_for(request, need="team.manage")
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        result = saved(form, lambda data: services.account_invite(organization=organization, by=request.user, **data))
        if result is not None:
            message = _INVITED[result.outcome] % {
                "email": result.email,
                "role": Role(result.role).label,
                "days": settings.ACCOUNT_INVITATION_DAYS,
            }
            messages.success(request, message)
            return redirect("convening:people")
    role = request.GET.get("role", "")
    role = role if role in Role.values else ""
    page, rows = selectors.people_page(organization=organization, page_number=request.GET.get("page"), role=role)
    context = {
        "organization": organization,
        "form": form,
        "page": page,
        "rows": rows,
        "role": role,
        "roles": Role.choices,
        "invitations": selectors.pending_account_invitations(organization=organization),
        "now": timezone.now(),
    }
    return render(request, "convening/people/people.html", context)


@login_required
def person(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One person's roles (the form's POST changes them)."""
    organization, member = get_member_for(request, pk, need="team.manage")
    row = selectors.person_in(organization=organization, person=member)
    form = RolesForm(request.POST or None, initial={"roles": row.roles})
    if request.method == "POST":
        changed = saved(
            form,
            lambda data: services.member_roles_set(
                organization=organization, person=member, roles=data["roles"], by=request.user
            ),
        )
        if changed is not None:
            label = row.name or member.email
            if changed:
                messages.success(request, _("The roles of %(name)s were changed.") % {"name": label})
            else:
                messages.info(request, _("%(name)s already had these roles: nothing was changed.") % {"name": label})
            if member.pk == request.user.pk and Role.FACILITATOR not in form.cleaned_data["roles"]:
                return redirect("home")  # no longer allowed on the people page
            return redirect("convening:people")
    context = {
        "organization": organization,
        "row": row,
        "form": form,
        "only_facilitator": Role.FACILITATOR in row.roles
        and selectors.facilitator_count(organization=organization) == 1,
    }
    return render(request, "convening/people/person.html", context)


@login_required
def person_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: what removing the person changes and what it leaves; POST: removes them."""
    organization, member = get_member_for(request, pk, need="team.manage")
    row = selectors.person_in(organization=organization, person=member)
    if request.method == "POST":
        try:
            services.member_remove(organization=organization, person=member, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("convening:person", pk=member.pk)
        messages.success(
            request,
            _("%(name)s was removed from %(organization)s.")
            % {"name": row.name or member.email, "organization": organization.name},
        )
        return redirect("home" if member.pk == request.user.pk else "convening:people")
    context = {
        "organization": organization,
        "row": row,
        "effects": selectors.removal_effects(organization=organization, person=member),
        "only_facilitator": Role.FACILITATOR in row.roles
        and selectors.facilitator_count(organization=organization) == 1,
        "is_self": member.pk == request.user.pk,
    }
    return render(request, "convening/people/person_remove.html", context)


@login_required
@require_POST
def account_invitation_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invitation = get_account_invitation_for(request.user, pk, need="team.manage")
    try:
        services.account_invitation_resend(invitation=invitation, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The invitation to %(email)s was sent again, with a new link (the earlier one no longer works).")
            % {"email": invitation.email},
        )
    return redirect("convening:people")


@login_required
def account_invitation_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation; POST: revokes."""
    invitation = get_account_invitation_for(request.user, pk, need="team.manage")
    if request.method == "POST":
        try:
            services.account_invitation_revoke(invitation=invitation, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email})
        return redirect("convening:people")
    return render(request, "convening/people/invitation_revoke.html", {"invitation": invitation})


@never_cache
def account_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the mail: kept in the session, then the acceptance page without it."""
    invitation = selectors.account_invitation_by_token(token)
    reason = selectors.invitation_unusable_reason(invitation) if invitation is not None else "unknown"
    if reason:
        return _unusable(request, reason)
    request.session[SESSION_INVITATION_KEY] = token
    return redirect("convening:account_invitation_accept")


@never_cache
def account_invitation_accept(request: HttpRequest) -> HttpResponse:
    """Sets a password (no account, or an account without one), asks to sign in (an account with one),
    or asks the signed-in invitee to accept; refuses anyone signed in under another address."""
    token = request.session.get(SESSION_INVITATION_KEY, "")
    invitation = selectors.account_invitation_by_token(token) if token else None
    reason = selectors.invitation_unusable_reason(invitation) if invitation is not None else "unknown"
    if invitation is None or reason:
        return _unusable(request, reason)
    if request.user.is_authenticated and request.user.email.lower() != invitation.email.lower():
        return render(request, "convening/people/invitation_not_yours.html", {"invitation": invitation}, status=403)
    account = User.objects.filter(email__iexact=invitation.email).first()
    context: dict[str, object] = {"invitation": invitation, "role": Role(invitation.role).label}
    try:
        if account is None or not account.has_usable_password():
            form = AcceptWithPasswordForm(request.POST or None)
            if request.method == "POST":
                result = saved(
                    form,
                    lambda data: services.account_invitation_accept_with_password(
                        invitation=invitation, name=data["name"], password=data["password1"]
                    ),
                )
                if result is not None:
                    # Through the site's backends (and their lockout), as a sign-in with the new password.
                    user = authenticate(request, username=result[0].email, password=form.cleaned_data["password1"])
                    if user is not None:
                        login(request, user)
                    return _joined(request, invitation)
            return render(request, "convening/people/invitation_accept.html", {**context, "form": form})
        if not request.user.is_authenticated:
            login_url = f"{reverse('login')}?next={reverse('convening:account_invitation_accept')}"
            return render(request, "convening/people/invitation_sign_in.html", {**context, "login_url": login_url})
        if request.method == "POST":
            services.account_invitation_accept(invitation=invitation, user=request.user)
            return _joined(request, invitation)
    except services.InvitationUnusable as unusable:
        return _unusable(request, unusable.reason)
    return render(request, "convening/people/invitation_confirm.html", context)


def _joined(request: HttpRequest, invitation: AccountInvitation) -> HttpResponse:
    request.session.pop(SESSION_INVITATION_KEY, None)
    request.session[SESSION_ORGANIZATION_KEY] = invitation.organization_id
    messages.success(
        request,
        _("Welcome to %(organization)s: you now have the role %(role)s there.")
        % {"organization": invitation.organization.name, "role": Role(invitation.role).label},
    )
    return redirect("home")


def _unusable(request: HttpRequest, reason: str) -> HttpResponse:
    request.session.pop(SESSION_INVITATION_KEY, None)
    status = 404 if reason == "unknown" else 410
    return render(request, "convening/people/invitation_unusable.html", {"reason": reason}, status=status)
