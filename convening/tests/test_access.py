"""Roles as capabilities: one table says what each role may do, every role
has its row, and the helpers answer 404 to outsiders and 403 to members
without the capability."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404

from convening.access import ROLE_CAPABILITIES, Capability, capabilities_of, get_team_for, require
from convening.models import Role
from convening.tests.factories import MembershipFactory, TeamFactory

BASE_DIR = Path(settings.BASE_DIR)


def test_every_role_has_its_row_of_known_capabilities():
    assert set(ROLE_CAPABILITIES) == set(Role.values)
    known = set(Capability.__args__)
    for role, capabilities in ROLE_CAPABILITIES.items():
        assert capabilities <= known, role


def test_what_each_role_may_do():
    assert capabilities_of({Role.LEAD}) == {"team.read", "results.read"}
    assert capabilities_of({Role.STAKEHOLDER}) == {"round.participate"}
    facilitator = capabilities_of({Role.FACILITATOR})
    assert {"round.manage", "plan.edit", "results.comments", "team.manage", "rubric.manage"} <= facilitator
    assert "round.manage" not in capabilities_of({Role.LEAD, Role.STAKEHOLDER})
    # Several roles add up.
    assert capabilities_of({Role.LEAD, Role.STAKEHOLDER}) == {"team.read", "results.read", "round.participate"}
    assert capabilities_of(set()) == frozenset()


@pytest.mark.django_db
def test_helpers_answer_404_to_outsiders_and_403_without_the_capability(org, lead, outsider):
    team = TeamFactory(organization=org)
    assert get_team_for(lead, team.pk, need="team.read") == team
    with pytest.raises(PermissionDenied):
        get_team_for(lead, team.pk, need="team.manage")
    with pytest.raises(Http404):
        get_team_for(outsider, team.pk, need="team.read")
    with pytest.raises(Http404):
        get_team_for(lead, team.pk + 1000, need="team.read")
    # Membership alone (need=None) is enough for a member, never for an outsider.
    assert require(user=lead, organization_id=org.pk, need=None) == {"team.read", "results.read"}
    with pytest.raises(Http404):
        require(user=outsider, organization_id=org.pk, need=None)


@pytest.mark.django_db
def test_a_second_role_in_the_organization_adds_its_capabilities(org, lead):
    MembershipFactory(organization=org, user=lead, role=Role.FACILITATOR)
    assert "round.manage" in require(user=lead, organization_id=org.pk, need="round.manage")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


# The project wiring may name every app; nothing else in the lower apps may import a higher one.
WIRING = {"convening/settings.py", "convening/test_settings.py", "convening/urls.py", "convening/celery.py"}
LOWER_APPS = {"convening": ("rubrics", "assessments", "bench"), "rubrics": ("assessments", "bench")}


@pytest.mark.parametrize("app", sorted(LOWER_APPS))
def test_imports_run_one_way(app):
    offending = []
    for path in sorted((BASE_DIR / app).rglob("*.py")):
        relative = path.relative_to(BASE_DIR).as_posix()
        if relative in WIRING or "/tests/" in relative:
            continue
        offending += [f"{relative}: {m}" for m in _imported_modules(path) if m.split(".")[0] in LOWER_APPS[app]]
    assert offending == []


def test_assessments_and_tests_do_not_import_the_bench():
    offending = [
        f"{path.relative_to(BASE_DIR)}: {module}"
        for app in ("assessments", "convening", "rubrics")
        for path in (BASE_DIR / app).rglob("*.py")
        for module in _imported_modules(path)
        if module.split(".")[0] == "bench"
    ]
    assert offending == []
