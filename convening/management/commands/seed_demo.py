"""Demo data for trying Convening on one's own machine: two organizations, a
team with members in several stakeholder groups, and accounts with a known
password. Running it again changes nothing."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from convening import services
from convening.models import Organization, Role, Team, User

URL = "http://127.0.0.1:8000/"
PASSWORD = "convening-demo"  # noqa: S105 — published on purpose: demo accounts only
DOMAIN = "demo.convening.test"
ORGANIZATION = "Demo State Agency"
NEIGHBOUR = "Neighbouring State Agency"
TEAM = "SSIP Stakeholder Team"
TEAM_DESCRIPTION = "Stakeholders convened around the State Systemic Improvement Plan."
NEIGHBOUR_TEAM = "Early Intervention Stakeholder Team"
# (local part of the e-mail address, name, role in the demo organization, stakeholder group on the team)
PEOPLE = [
    ("facilitator", "Fran Facilitator", Role.FACILITATOR, None),
    ("lead", "Lee Lead", Role.LEAD, None),
    ("family1", "Maria López", Role.STAKEHOLDER, "Family"),
    ("family2", "Ahmed Khan", Role.STAKEHOLDER, "Family"),
    ("educator", "Grace Chen", Role.STAKEHOLDER, "Educator"),
    ("administrator", "Tom Becker", Role.STAKEHOLDER, "Administrator"),
    ("provider", "Ana Silva", Role.STAKEHOLDER, "Provider"),
    ("advocate", "Jordan Smith", Role.STAKEHOLDER, "Advocate"),
]
# Leads in the second organization too, so that the organization switcher shows.
NEIGHBOUR_LEADS = ["facilitator"]
ADMIN_EMAIL = f"admin@{DOMAIN}"


class Command(BaseCommand):
    help = "Loads demo organizations, a team and people with a known password, and prints the logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Run even though DEBUG is off (never on a real server)."
        )

    def handle(self, *args: object, force: bool = False, **options: object) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a published password, so it runs only with DEBUG=true. "
                "Use --force if this really is a throw-away server."
            )
        with transaction.atomic():
            self._seed()
        self._print_logins()

    def _seed(self) -> None:
        organization = _organization(ORGANIZATION)
        neighbour = _organization(NEIGHBOUR)
        team = organization.teams.filter(name=TEAM).first() or services.team_create(
            organization=organization, name=TEAM, description=TEAM_DESCRIPTION
        )
        if not Team.objects.filter(organization=neighbour, name=NEIGHBOUR_TEAM).exists():
            services.team_create(organization=neighbour, name=NEIGHBOUR_TEAM)
        groups = {group.name: group for group in organization.stakeholder_groups.all()}
        for local_part, name, role, group in PEOPLE:
            user = _person(f"{local_part}@{DOMAIN}", name)
            services.membership_grant(organization=organization, user=user, role=role)
            if group is not None:
                services.team_member_add(team=team, email=user.email, name=name, stakeholder_group=groups[group])
            if local_part in NEIGHBOUR_LEADS:
                services.membership_grant(organization=neighbour, user=user, role=Role.LEAD)
        if not User.objects.filter(email=ADMIN_EMAIL).exists():
            User.objects.create_superuser(ADMIN_EMAIL, PASSWORD, name="Demo Administrator")

    def _print_logins(self) -> None:
        rows = [("E-mail", "Password", "Role")]
        for local_part, _name, role, group in PEOPLE:
            description = f"{role.label} in {ORGANIZATION}" + (f" ({group})" if group else "")
            if local_part in NEIGHBOUR_LEADS:
                description += f"; Lead in {NEIGHBOUR}"
            rows.append((f"{local_part}@{DOMAIN}", PASSWORD, description))
        rows.append((ADMIN_EMAIL, PASSWORD, "Site administrator (Django admin at /admin/)"))
        widths = [max(len(row[column]) for row in rows) for column in range(2)]
        self.stdout.write(self.style.SUCCESS(f"Demo data is ready. Open {URL} and log in as:"))
        for email, password, role in rows:
            self.stdout.write(f"  {email:<{widths[0]}}  {password:<{widths[1]}}  {role}")


def _organization(name: str) -> Organization:
    return Organization.objects.filter(name=name).first() or services.organization_create(name=name)


def _person(email: str, name: str) -> User:
    """The demo person, given the demo password when first created only (so
    that running the command again changes nothing)."""
    user, created = services.person_get_or_create(email=email, name=name)
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return user
