import factory
from factory.django import DjangoModelFactory

from convening.models import Membership, Organization, PersonName, Role, StakeholderGroup, Team, TeamMember, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805 — factory_boy's signature
        if create:
            obj.save()


class OrganizationFactory(DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"State Agency {n}")


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.STAKEHOLDER


class StakeholderGroupFactory(DjangoModelFactory[StakeholderGroup]):
    class Meta:
        model = StakeholderGroup

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Group {n}")


class TeamFactory(DjangoModelFactory[Team]):
    class Meta:
        model = Team

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class TeamMemberFactory(DjangoModelFactory[TeamMember]):
    class Meta:
        model = TeamMember
        skip_postgeneration_save = True

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    stakeholder_group = factory.SubFactory(
        StakeholderGroupFactory, organization=factory.SelfAttribute("..team.organization")
    )

    @factory.post_generation
    def known_by_name(obj, create, extracted, **kwargs):  # noqa: N805 — factory_boy's signature
        """The team's organization knows the person by their name, as if it had typed it when adding them."""
        if create and obj.user.name:
            PersonName.objects.get_or_create(
                organization=obj.team.organization, user=obj.user, defaults={"name": obj.user.name}
            )
