import io

import pytest
from django.core.management import CommandError, call_command

from convening.management.commands import seed_demo
from convening.models import Membership, Organization, Role, StakeholderGroup, Team, TeamMember, User

pytestmark = pytest.mark.django_db


def _snapshot():
    return {
        model.__name__: sorted(map(str, model.objects.values_list(flat=False)))
        for model in (Organization, Membership, StakeholderGroup, Team, TeamMember)
    } | {"User": sorted(User.objects.values_list("email", "name", "password", "is_superuser"))}


def _run(**options):
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_seed_demo_twice_changes_nothing(settings):
    settings.DEBUG = True
    output = _run()
    first = _snapshot()
    _run()

    assert _snapshot() == first
    assert "http://127.0.0.1:8000/" in output
    for email in ("facilitator@demo.convening.test", "lead@demo.convening.test", "admin@demo.convening.test"):
        assert email in output
    assert seed_demo.PASSWORD in output


def test_seed_demo_content(settings):
    settings.DEBUG = True
    _run()
    demo = Organization.objects.get(name="Demo State Agency")
    team = demo.teams.get(name="SSIP Stakeholder Team")
    facilitator = User.objects.get(email="facilitator@demo.convening.test")

    assert team.members.count() == 6
    assert team.members.values("stakeholder_group").distinct().count() >= 4
    assert facilitator.check_password(seed_demo.PASSWORD)
    assert set(facilitator.memberships.values_list("organization__name", "role")) == {
        ("Demo State Agency", Role.FACILITATOR),
        ("Neighbouring State Agency", Role.LEAD),
    }
    assert User.objects.get(email="admin@demo.convening.test").is_superuser
    assert demo.stakeholder_groups.count() == 6


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG=true"):
        _run()
    assert not User.objects.exists()
    assert not Organization.objects.exists()


def test_seed_demo_runs_without_debug_when_forced(settings):
    settings.DEBUG = False
    _run(force=True)
    assert Organization.objects.filter(name="Demo State Agency").exists()
