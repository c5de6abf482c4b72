from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .selectors import current_organization, current_roles, organizations_for


def organization(request: HttpRequest) -> dict:
    """The current organization and the person's roles there, computed only
    when a template asks (so pages that don't show them pay no query), and
    shared with the view that asked first."""
    return {
        "current_organization": SimpleLazyObject(lambda: current_organization(request)),
        "current_roles": SimpleLazyObject(lambda: current_roles(request)),
        "my_organizations": SimpleLazyObject(
            lambda: list(organizations_for(user=request.user)) if request.user.is_authenticated else []
        ),
    }
