import pytest
from django.core.exceptions import ValidationError

from convening import services
from convening.models import (
    DEFAULT_STAKEHOLDER_GROUPS,
    Membership,
    Organization,
    Role,
    StakeholderGroup,
    Team,
    TeamMember,
    User,
)
from convening.people_csv import PersonRow
from convening.selectors import person_name_in
from convening.tests.factories import StakeholderGroupFactory, TeamFactory, TeamMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def counts():
    """Rows of every table the services write, to show that a refusal changed nothing."""
    return {
        model.__name__: model.objects.count()
        for model in (Organization, Membership, StakeholderGroup, Team, TeamMember, User)
    }


def test_organization_create_seeds_the_default_groups():
    organization = services.organization_create(name="  Ohio   Department of Education ", time_zone="America/New_York")

    assert organization.name == "Ohio Department of Education"
    assert list(organization.stakeholder_groups.values_list("name", flat=True)) == DEFAULT_STAKEHOLDER_GROUPS


@pytest.mark.parametrize(
    ("name", "time_zone", "message"),
    [
        ("demo state agency", "UTC", "exists already"),
        ("   ", "UTC", "A name is required"),
        ("x" * 201, "UTC", "longer than 200"),
        ("New Agency", "Mars/Olympus_Mons", "not a known time zone"),
    ],
)
def test_organization_create_refusals_change_nothing(org, name, time_zone, message):
    before = counts()
    with pytest.raises(ValidationError, match=message):
        services.organization_create(name=name, time_zone=time_zone)
    assert counts() == before


def test_seeding_defaults_keeps_existing_groups_and_adds_the_missing(other_org):
    StakeholderGroupFactory(organization=other_org, name="FAMILY", position=0)
    StakeholderGroupFactory(organization=other_org, name="Parents", position=1)

    services.stakeholder_groups_seed_defaults(organization=other_org)
    services.stakeholder_groups_seed_defaults(organization=other_org)

    names = list(other_org.stakeholder_groups.values_list("name", flat=True))
    assert names == ["FAMILY", "Parents", *DEFAULT_STAKEHOLDER_GROUPS[1:]]


def test_membership_grant_is_idempotent(org):
    user = UserFactory()
    first = services.membership_grant(organization=org, user=user, role=Role.LEAD)
    second = services.membership_grant(organization=org, user=user, role=Role.LEAD)
    services.membership_grant(organization=org, user=user, role=Role.FACILITATOR)

    assert first == second
    assert set(user.memberships.values_list("role", flat=True)) == {Role.LEAD, Role.FACILITATOR}


def test_membership_grant_refuses_an_unknown_role(org):
    user = UserFactory()
    with pytest.raises(ValidationError, match="not a role"):
        services.membership_grant(organization=org, user=user, role="owner")
    assert not user.memberships.exists()


def test_stakeholder_group_create_appends_after_the_last(org):
    group = services.stakeholder_group_create(organization=org, name=" Youth ")
    assert group.name == "Youth"
    assert group.position == len(DEFAULT_STAKEHOLDER_GROUPS)


def test_stakeholder_group_names_are_unique_in_any_case(org, other_org):
    before = counts()
    with pytest.raises(ValidationError, match="There is a group called “Family” already"):
        services.stakeholder_group_create(organization=org, name="family")
    with pytest.raises(ValidationError, match="A name is required"):
        services.stakeholder_group_create(organization=org, name="")
    assert counts() == before
    # Another organization may use the same name.
    services.stakeholder_group_create(organization=other_org, name="Family")


def test_stakeholder_group_rename(groups):
    services.stakeholder_group_rename(group=groups["Family"], name="Families")
    services.stakeholder_group_rename(group=groups["Educator"], name="EDUCATOR")  # its own name, in another case

    groups["Family"].refresh_from_db()
    groups["Educator"].refresh_from_db()
    assert (groups["Family"].name, groups["Educator"].name) == ("Families", "EDUCATOR")


def test_stakeholder_group_rename_to_a_taken_name_is_refused(groups):
    with pytest.raises(ValidationError, match="already"):
        services.stakeholder_group_rename(group=groups["Family"], name="educator")
    groups["Family"].refresh_from_db()
    assert groups["Family"].name == "Family"


def test_stakeholder_group_delete(groups):
    services.stakeholder_group_delete(group=groups["Other"])
    assert not StakeholderGroup.objects.filter(pk=groups["Other"].pk).exists()


def test_stakeholder_group_in_use_cannot_be_deleted(member, groups):
    TeamMemberFactory(team=member.team, stakeholder_group=groups["Family"])
    before = counts()
    with pytest.raises(ValidationError) as refusal:
        services.stakeholder_group_delete(group=groups["Family"])
    assert refusal.value.messages == [
        "“Family” cannot be deleted: 2 team members belong to it. Move them or merge the group into another first."
    ]
    assert counts() == before


def test_team_create_and_update(org):
    team = services.team_create(organization=org, name=" SSIP  team ", description=" About reading. ")
    assert (team.name, team.description, team.organization) == ("SSIP team", "About reading.", org)

    services.team_update(team=team, name="SSIP Team", description="")
    team.refresh_from_db()
    assert (team.name, team.description) == ("SSIP Team", "")


@pytest.mark.parametrize(
    ("name", "description", "message"),
    [
        ("ssip stakeholder team", "", "There is a team called"),
        ("", "", "A name is required"),
        ("New", "x" * 2001, "2000"),
    ],
)
def test_team_refusals_change_nothing(team, name, description, message):
    before = counts()
    with pytest.raises(ValidationError, match=message):
        services.team_create(organization=team.organization, name=name, description=description)
    other = TeamFactory(organization=team.organization, name="Other team")
    with pytest.raises(ValidationError, match=message):
        services.team_update(team=other, name=name, description=description)
    other.refresh_from_db()
    assert other.name == "Other team"
    assert Team.objects.count() == before["Team"] + 1


def test_team_names_may_repeat_across_organizations(team, other_org):
    assert services.team_create(organization=other_org, name=team.name).organization == other_org


def test_person_get_or_create_lower_cases_and_matches_in_any_case():
    person, created = services.person_get_or_create(email=" Ana.Silva@Example.ORG ", name="Ana Silva")
    again, created_again = services.person_get_or_create(email="ANA.SILVA@example.org", name="Someone Else")

    assert created and not created_again
    assert again == person
    assert person.email == "ana.silva@example.org"
    assert not person.has_usable_password()
    again.refresh_from_db()
    assert again.name == "Ana Silva"  # never replaced


def test_person_get_or_create_fills_in_a_missing_name():
    UserFactory(email="nameless@example.org", name="")
    person, created = services.person_get_or_create(email="Nameless@example.org", name="Now Named")
    assert not created
    person.refresh_from_db()
    assert person.name == "Now Named"


@pytest.mark.parametrize(("email", "name"), [("not-an-address", ""), ("", "Someone"), ("ok@example.org", "x" * 201)])
def test_person_get_or_create_refusals(email, name):
    with pytest.raises(ValidationError):
        services.person_get_or_create(email=email, name=name)
    assert User.objects.count() == 0


def test_team_member_add_makes_a_stakeholder_of_the_organization(team, groups):
    member, created = services.team_member_add(
        team=team, email="New.Person@Example.org", name="New Person", stakeholder_group=groups["Educator"]
    )

    assert created
    assert (member.user.email, member.stakeholder_group) == ("new.person@example.org", groups["Educator"])
    # The name typed is the organization's; the person's own stays theirs to give.
    assert (person_name_in(organization=team.organization, user=member.user), member.user.name) == ("New Person", "")
    assert Membership.objects.filter(organization=team.organization, user=member.user, role=Role.STAKEHOLDER).exists()


def test_team_member_add_of_someone_on_the_team_changes_nothing(member, groups):
    before = counts()
    again, created = services.team_member_add(
        team=member.team, email=member.user.email.upper(), name="Other Name", stakeholder_group=groups["Advocate"]
    )

    assert (again, created) == (member, False)
    assert counts() == before
    member.refresh_from_db()
    assert member.stakeholder_group == groups["Family"]


def test_team_member_add_of_an_existing_person_keeps_their_roles(team, groups, facilitator):
    member, created = services.team_member_add(
        team=team, email=facilitator.email, name="", stakeholder_group=groups["Administrator"]
    )
    assert created and member.user == facilitator
    assert set(facilitator.memberships.values_list("role", flat=True)) == {Role.FACILITATOR, Role.STAKEHOLDER}


def test_team_member_add_refuses_another_organizations_group(team, other_org):
    foreign = StakeholderGroupFactory(organization=other_org, name="Family")
    before = counts()
    with pytest.raises(ValidationError, match="not a stakeholder group of Demo State Agency"):
        services.team_member_add(team=team, email="a@example.org", name="", stakeholder_group=foreign)
    assert counts() == before


def test_team_member_add_refuses_a_bad_address_on_its_field(team, groups):
    with pytest.raises(ValidationError) as refusal:
        services.team_member_add(team=team, email="nobody@", name="", stakeholder_group=groups["Family"])
    assert refusal.value.message_dict == {"email": ["“nobody@” is not a valid e-mail address."]}
    assert not TeamMember.objects.exists()


def test_team_member_update_group(member, groups, other_org):
    services.team_member_update_group(member=member, stakeholder_group=groups["Provider"])
    member.refresh_from_db()
    assert member.stakeholder_group == groups["Provider"]

    with pytest.raises(ValidationError):
        services.team_member_update_group(
            member=member, stakeholder_group=StakeholderGroupFactory(organization=other_org)
        )
    member.refresh_from_db()
    assert member.stakeholder_group == groups["Provider"]


def test_team_member_remove_keeps_the_organization_role(member):
    services.team_member_add(
        team=member.team, email="second@example.org", name="", stakeholder_group=member.stakeholder_group
    )
    person = User.objects.get(email="second@example.org")
    services.team_member_remove(member=person.team_memberships.get())

    assert not person.team_memberships.exists()
    assert person.memberships.filter(role=Role.STAKEHOLDER).exists()


def _rows(*rows):
    return [PersonRow(line, name, email, group) for line, (name, email, group) in enumerate(rows, start=1)]


def test_team_members_import_adds_everyone_new(member):
    added = services.team_members_import(
        team=member.team,
        rows=_rows(
            ("Ana", "ana@example.org", "family"),
            ("Ben", "BEN@example.org", "Educator"),
            ("Ana again", "Ana@Example.org", "Family"),
            ("Already", member.user.email, "Family"),
        ),
    )

    assert sorted(m.user.email for m in added) == ["ana@example.org", "ben@example.org"]
    assert member.team.members.count() == 3
    ana = User.objects.get(email="ana@example.org")
    assert person_name_in(organization=member.team.organization, user=ana) == "Ana"


def test_team_members_import_is_all_or_nothing(team):
    before = counts()
    with pytest.raises(ValidationError) as refusal:
        services.team_members_import(
            team=team,
            rows=_rows(
                ("Ana", "ana@example.org", "Family"), ("Bad", "bad-address", "Family"), ("C", "c@example.org", "Aliens")
            ),
        )
    assert refusal.value.messages == [
        "Line 2: “bad-address” is not a valid e-mail address.",
        "Line 3: “Aliens” is not a stakeholder group of Demo State Agency. "
        "The groups are: Family, Educator, Administrator, Provider, Advocate, Other.",
    ]
    assert counts() == before


def test_team_members_import_does_not_query_per_row(team, django_assert_max_num_queries):
    rows = _rows(*[(f"P{i}", f"person{i}@example.org", "Educator") for i in range(300)])
    UserFactory(email="person7@example.org", name="")  # one known person, whom the organization names

    # About ten queries, plus SQLite's splitting of each bulk insert into
    # batches (its limit on parameters); one query per row would be 1,200.
    with django_assert_max_num_queries(25):
        services.team_members_import(team=team, rows=rows)
    assert team.members.count() == 300
