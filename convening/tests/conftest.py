import pytest

from convening.tests.factories import TeamFactory, TeamMemberFactory


@pytest.fixture
def groups(org):
    """The organization's stakeholder groups by name."""
    return {group.name: group for group in org.stakeholder_groups.all()}


@pytest.fixture
def team(org):
    return TeamFactory(organization=org, name="SSIP Stakeholder Team")


@pytest.fixture
def member(team, groups):
    return TeamMemberFactory(team=team, stakeholder_group=groups["Family"])
