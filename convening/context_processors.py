from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .access import current_capabilities, current_organization, my_organizations


def organization(request: HttpRequest) -> dict:
    """The current organization and what the person may do there, computed only
    when a template asks (so pages that don't show them pay no query), and
    shared with the view that asked first."""
    return {
        "current_organization": SimpleLazyObject(lambda: current_organization(request)),
        "current_capabilities": SimpleLazyObject(lambda: current_capabilities(request)),
        "my_organizations": SimpleLazyObject(lambda: my_organizations(request)),
    }
