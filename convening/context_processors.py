from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .selectors import current_organization, organizations_for, roles_in


def organization(request: HttpRequest) -> dict:
    """The current organization and the person's roles there, computed only
    when a template asks (so pages that don't show them pay no query)."""

    def _organization():
        return current_organization(request)

    current = SimpleLazyObject(_organization)

    def _roles():
        return roles_in(user=request.user, organization_id=current.pk) if current else set()

    def _organizations():
        return list(organizations_for(user=request.user)) if request.user.is_authenticated else []

    return {
        "current_organization": current,
        "current_roles": SimpleLazyObject(_roles),
        "my_organizations": SimpleLazyObject(_organizations),
    }
