from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from convening.audit.services import audit_actor
from convening.people.services import InviteOutcome, organization_start


class Command(BaseCommand):
    help = (
        "Starts an organization with its first facilitator, who is e-mailed a link to set a password"
        " (or, with an account that has one, is given the role and told)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="The organization's name, as its pages show it.")
        parser.add_argument("--time-zone", required=True, help="Its time zone, for example America/Chicago.")
        parser.add_argument("--facilitator", required=True, metavar="EMAIL", help="The first facilitator's address.")
        parser.add_argument(
            "--sso-domain",
            default="",
            metavar="DOMAIN",
            help="People of this e-mail domain sign in through the deployment's OpenID Connect provider.",
        )

    def handle(self, *args, name: str, time_zone: str, facilitator: str, sso_domain: str, **options):
        try:
            with audit_actor("site administrator (manage.py create_organization)"):
                organization, invited = organization_start(
                    name=name, time_zone=time_zone, facilitator_email=facilitator, sign_in_domain=sso_domain
                )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        groups = ", ".join(organization.stakeholder_groups.values_list("name", flat=True))
        self.stdout.write(
            f"Created the organization “{organization.name}” (id {organization.pk}),"
            f" time zone {organization.time_zone}."
        )
        self.stdout.write(f"Stakeholder groups: {groups}.")
        if organization.sign_in_domain:
            self.stdout.write(f"People of {organization.sign_in_domain} may sign in with single sign-on.")
        if invited.outcome == InviteOutcome.ADDED:
            self.stdout.write(
                f"{invited.email} has an account with a password: they are its facilitator now,"
                " and were told by e-mail."
            )
        else:
            expires = invited.invitation.expires_at if invited.invitation else None
            self.stdout.write(
                f"Invited {invited.email} as its first facilitator: a link to set a password was e-mailed to them"
                f" (it works once, until {expires:%Y-%m-%d %H:%M} UTC)."
            )
