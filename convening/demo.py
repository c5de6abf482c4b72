"""The demo's accounts, as `manage.py seed_demo` (in assessments) makes them, and what each is for: the login
page of a debug server that holds them says which to try."""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import User

DOMAIN = "demo.convening.test"
PASSWORD = "convening-demo"  # noqa: S105 — published on purpose: demo accounts only
# (local part of the address, what logging in as them shows)
TRIES: list[tuple[str, Promise]] = [
    ("facilitator", _("a facilitator: what waits, teams, rounds, invitations, results and the action plan")),
    ("lead", _("a team lead: each team's latest round, results, history and overview")),
    ("family1", _("a stakeholder who has not begun rating the open round")),
]


def demo_logins() -> list[tuple[str, Promise]]:
    """The demo logins to offer, on a debug server whose database holds them; none elsewhere."""
    if not settings.DEBUG or not User.objects.filter(email=f"facilitator@{DOMAIN}").exists():
        return []
    return [(f"{local_part}@{DOMAIN}", what) for local_part, what in TRIES]
