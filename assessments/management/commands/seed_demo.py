"""Demo data for trying Convening on one's own machine: two organizations, a
team with members in several stakeholder groups, accounts with a known
password, and a history to look at: two closed rounds with ratings,
consensus and an action plan (some of its steps overdue), a round open for
the demo stakeholders, and a second team so that the lead's overview
compares two teams; that team's latest round closed without a consensus yet
and its next one is a draft, so that every home page has something to do.
Everything is made through the services, as people would make it, from a
fixed random seed. Running it again changes nothing."""

import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import F
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.text import slugify

from assessments.invitations.selectors import invitation_link_path
from assessments.invitations.services import Invitee, invitations_create
from assessments.models import (
    DEFAULT_THRESHOLD,
    Consensus,
    Invitation,
    MessageKind,
    Response,
    Round,
    SentMessage,
    StepStatus,
)
from assessments.paper.checks import PaperAnswer
from assessments.paper.services import paper_response_create
from assessments.planning.services import action_plan_set_target, action_step_add, consensus_record
from assessments.rating.services import rating_save, response_submit
from assessments.rounds.services import round_close, round_create, round_open
from convening import demo, services
from convening.audit.services import audit_actor
from convening.models import Organization, Role, StakeholderGroup, Team, TeamMember, User
from rubrics.models import Rubric

# Shared with the login page, which offers these logins on a debug server that holds them.
PASSWORD = demo.PASSWORD
DOMAIN = demo.DOMAIN
ORGANIZATION = "Demo State Agency"
NEIGHBOUR = "Neighbouring State Agency"
TEAM = "SSIP Stakeholder Team"
TEAM_DESCRIPTION = "Stakeholders convened around the State Systemic Improvement Plan."
SECOND_TEAM = "Early Childhood Transition Team"
SECOND_TEAM_DESCRIPTION = "Families, educators and providers working on the move from early intervention to preschool."
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
DROP_EMAIL = "django.core.mail.backends.dummy.EmailBackend"
# Celery running tasks eagerly logs a line per e-mail delivered.
TASK_LOGGER = "celery.app.trace"
FACILITATOR_EMAIL = f"facilitator@{DOMAIN}"

# Stakeholder groups that rated on paper in the past rounds.
PAPER_GROUPS = {"Family"}

CAE = "creating-active-engagement"
BSD = "building-support-through-data"
RUBRICS = [CAE, BSD]
# (rubric slug, key action position)
KeyActionRef = tuple[str, int]


@dataclass(frozen=True)
class Standing:
    """How a team saw one key action in one round: ratings on the two levels
    around `center` (a broad agreement), or over all four levels when
    `center` is None (wide disagreement, which the results flag for
    discussion); then the level the team agreed on, and why."""

    center: float | None
    consensus: int | None = None
    rationale: str = ""


@dataclass(frozen=True)
class Step:
    description: str
    owner: str
    due_date: date
    status: str


@dataclass(frozen=True)
class PastRound:
    name: str
    opens_at: datetime
    closes_at: datetime
    # Uneven on purpose: groups below the anonymity threshold show as suppressed.
    respondents: dict[str, int]
    standings: dict[KeyActionRef, Standing]
    seed: int  # of its random ratings, so that every run draws the same
    agreed_at: datetime | None = None  # the meeting where the team recorded its consensus; None: not yet
    steps: dict[KeyActionRef, list[Step]] = field(default_factory=dict)
    rubrics: tuple[str, ...] = tuple(RUBRICS)  # the slugs it used


# Step statuses, short for the plan below.
DONE, DOING, TODO = StepStatus.DONE, StepStatus.IN_PROGRESS, StepStatus.OPEN


def _at(year: int, month: int, day: int, hour: int = 15) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


SPRING = PastRound(
    name="Spring 2026",
    opens_at=_at(2026, 3, 2),
    closes_at=_at(2026, 3, 27, 21),
    agreed_at=_at(2026, 4, 8, 18),
    respondents={"Family": 9, "Educator": 7, "Administrator": 4, "Provider": 3, "Advocate": 1},
    seed=2026_03,
    standings={
        (CAE, 1): Standing(
            2.35,
            2,
            "A core group meets monthly and gives feedback; the wider community does not act on it with us yet.",
        ),
        (CAE, 2): Standing(
            None,
            2,
            "Families and agency staff saw this very differently. The right people are invited, "
            "but not all of them can take part yet.",
        ),
        (CAE, 3): Standing(1.7, 2, "Some members pass the work on to their networks; there are no shared materials."),
        (CAE, 4): Standing(2.2, 2, "Newsletters and notes reach members, but we rarely hear back from them."),
        (CAE, 5): Standing(1.35, 1, "Stakeholders hear about changes after they are made, not while they are made."),
        (BSD, 1): Standing(1.45, 1, "Data are shown at meetings, but few members feel able to explain them."),
        (BSD, 2): Standing(2.3, 2, "The core group reviewed how the data are collected; the wider team did not."),
        (BSD, 3): Standing(
            None,
            2,
            "Administrators saw agreement, families did not. Networking until families help choose the measures.",
        ),
        (BSD, 4): Standing(2.6, 3, "The quarterly data review is in place and stakeholders help read the results."),
    },
    steps={
        (CAE, 1): [
            Step("Invite the district family liaisons to the May forum", "Fran Facilitator", date(2026, 5, 15), DONE),
            Step("Hold two regional listening sessions", "Grace Chen", date(2026, 9, 30), DOING),
        ],
        (CAE, 2): [
            Step("Move meetings to early evening and offer childcare", "Fran Facilitator", date(2026, 6, 1), DONE),
            Step("Recruit two more provider representatives", "Ana Silva", date(2026, 10, 31), TODO),
        ],
        (CAE, 3): [Step("Draft a parent-friendly toolkit for local sessions", "Maria López", date(2026, 7, 31), DONE)],
        (CAE, 4): [Step("Send a one-page update after each meeting", "Fran Facilitator", date(2026, 5, 1), DOING)],
        (CAE, 5): [
            Step("Invite stakeholders to co-lead the pilot site visits", "Tom Becker", date(2026, 9, 15), DONE),
            Step("Share short stories of change from the pilot sites", "Jordan Smith", date(2026, 12, 15), TODO),
        ],
        (BSD, 1): [
            Step("Run a data walk at the September meeting", "Lee Lead", date(2026, 9, 20), DONE),
            Step("Write a plain-language guide to the SSIP measures", "Grace Chen", date(2026, 11, 30), TODO),
        ],
        (BSD, 2): [Step("Map how each district collects the outcomes data", "Tom Becker", date(2026, 8, 15), DONE)],
        (BSD, 3): [
            Step("Hold a workshop where families help choose the measures", "Ahmed Khan", date(2027, 1, 31), TODO)
        ],
        (BSD, 4): [Step("Add a stakeholder slot to the quarterly data review", "Lee Lead", date(2026, 6, 30), DONE)],
    },
)
FALL = PastRound(
    name="Fall 2026",
    opens_at=_at(2026, 9, 14),
    closes_at=_at(2026, 10, 9, 21),
    agreed_at=_at(2026, 10, 21, 18),
    respondents={"Family": 9, "Educator": 8, "Administrator": 4, "Provider": 3, "Advocate": 1},
    seed=2026_09,
    standings={
        (CAE, 1): Standing(2.75, 3, "New partners joined the summer forums and now act on the issue with us."),
        (CAE, 2): Standing(
            2.35, 2, "Evening meetings and interpreters widened participation; we want to see it hold first."
        ),
        (CAE, 3): Standing(2.7, 3, "With the toolkit, members run their own local sessions."),
        (CAE, 4): Standing(
            None,
            2,
            "Views split: some members get every update, others none. We stay at Networking and fix the mailing first.",
        ),
        (CAE, 5): Standing(1.9, 2, "Stakeholders co-led two pilot site visits and saw the changes first-hand."),
        (BSD, 1): Standing(2.1, 2, "The data walk helped: more members now discuss the data with confidence."),
        (BSD, 2): Standing(2.65, 3, "Stakeholders joined the review of the outcomes survey and changed how it is run."),
        (BSD, 3): Standing(
            None, 2, "Still the widest spread of views. Families want local data; the workshop in January comes first."
        ),
        (BSD, 4): Standing(2.65, 3, "The quarterly review goes on, though fewer members came over the summer."),
    },
)
# The second team's only round: consensus on one rubric, so that the overview
# shows both agreed levels and medians.
SECOND_TEAM_FALL = PastRound(
    name="Fall 2026",
    opens_at=_at(2026, 9, 21),
    closes_at=_at(2026, 10, 16, 21),
    agreed_at=_at(2026, 10, 28, 18),
    respondents={"Family": 7, "Educator": 6, "Administrator": 2, "Provider": 3},
    seed=2026_10,
    standings={
        (CAE, 1): Standing(2.2, 2, "The transition issue is shared by a core group."),
        (CAE, 2): Standing(1.8, 2, "Providers joined this year; school districts are missing."),
        (CAE, 3): Standing(2.4, 2, "Families share the transition checklist with each other."),
        (CAE, 4): Standing(2.9, 3, "Updates are discussed at every meeting."),
        (CAE, 5): Standing(1.6, 2, "Two families helped redesign the transition meeting."),
        (BSD, 1): Standing(1.3),
        (BSD, 2): Standing(1.9),
        (BSD, 3): Standing(2.2),
        (BSD, 4): Standing(1.7),
    },
)
# The second team looked at its data again in November; its meeting to agree
# on levels is still to come, so the facilitator's home lists the round.
SECOND_TEAM_DATA_CHECK = PastRound(
    name="November 2026 data check",
    opens_at=_at(2026, 11, 2),
    closes_at=_at(2026, 11, 20, 21),
    respondents={"Family": 6, "Educator": 6, "Administrator": 3, "Provider": 2},
    seed=2026_11,
    rubrics=(BSD,),
    standings={
        (BSD, 1): Standing(1.8),
        (BSD, 2): Standing(2.1),
        (BSD, 3): Standing(2.2),
        (BSD, 4): Standing(1.4),
    },
)
# The second team's next round, not opened yet.
DRAFT_ROUND = "Spring 2027"
DRAFT_OPENS_IN_DAYS = 21
DRAFT_ROUND_DAYS = 28
OPEN_ROUND = "Winter 2027"
OPEN_ROUND_DAYS = 28
# How far some demo stakeholders have got in the open round (key actions
# rated; all of them: submitted), so that the facilitator's progress shows.
# Maria López has not begun: her login (or her personal link, printed last) is the one to try rating with.
OPEN_ROUND_PROGRESS = {f"family2@{DOMAIN}": None, f"educator@{DOMAIN}": 4, f"administrator@{DOMAIN}": None}
OPEN_ROUND_SEED = 2027_01
FIRST_RATER = "family1"

# Ratings lean by group on a broadly agreed key action (families see less of
# the agency's work than administrators do) ...
GROUP_LEAN = {"Family": -0.15, "Educator": 0.0, "Administrator": 0.25, "Provider": 0.05, "Advocate": -0.2}
# ... and spread over all levels where the team disagrees (weights of levels 1–4).
DISAGREEMENT = {
    "Family": (4, 3, 2, 1),
    "Educator": (2, 3, 3, 2),
    "Administrator": (1, 2, 3, 4),
    "Provider": (1, 3, 3, 2),
    "Advocate": (4, 3, 2, 1),
}
NOT_SURE_CHANCE = 0.05
# Families and advocates see little of how data are handled.
NOT_SURE_CHANCE_DATA = {"Family": 0.12, "Advocate": 0.12}
EVIDENCE_CHANCE = 0.22
# Comments per key action: (for levels 1–2, for levels 3–4).
EVIDENCE = {
    (CAE, 1): (
        [
            "The core group agrees on the issue; families in rural districts have not heard of it.",
            "We meet, but mostly to hear updates from the agency.",
        ],
        [
            "We wrote a shared goal statement together at the retreat.",
            "New partners joined the forums and now act on the issue with us.",
        ],
    ),
    (CAE, 2): (
        [
            "Meetings are in the daytime, which rules out most working parents.",
            "Invitations go to the same agencies every year.",
        ],
        [
            "Interpreters and childcare made it possible for me to attend.",
            "Providers and families are now at every meeting.",
        ],
    ),
    (CAE, 3): (
        ["There is nothing we can hand on to others yet.", "I am not sure how to share this work with my community."],
        [
            "I ran a session for my parent group with the toolkit.",
            "Teachers in my district used the materials at a staff meeting.",
        ],
    ),
    (CAE, 4): (
        ["The newsletter arrives, but nobody asks what we think.", "I only hear about changes from colleagues."],
        [
            "Meeting notes come out within a week and invite comments.",
            "We talk through each update together at the meetings.",
        ],
    ),
    (CAE, 5): (
        ["Changes are announced after they are decided.", "We have not seen the work in practice."],
        ["We visited the pilot site and saw the new intake process.", "Families helped test the new referral form."],
    ),
    (BSD, 1): (
        ["The data slides go too fast for most of us.", "Only agency staff can explain the indicators."],
        ["The data walk helped me read the outcome charts.", "I can explain the indicators to other parents now."],
    ),
    (BSD, 2): (
        ["Only agency staff know how the data are collected.", "We were told about the survey, not asked about it."],
        ["We looked at how districts enter the outcomes data.", "The survey questions changed after our feedback."],
    ),
    (BSD, 3): (
        ["Families were not asked which data matter to them.", "The measures were chosen before the meeting."],
        ["We voted on the three measures together.", "Everyone agreed the outcomes data are the right focus."],
    ),
    (BSD, 4): (
        ["We see the dashboard, but no one follows up.", "I do not know when the data are reviewed."],
        [
            "The quarterly review is on the calendar and we take part.",
            "Stakeholders present one indicator at each review.",
        ],
    ),
}
NOT_SURE_EVIDENCE = ["I have not been to the data meetings.", "New to the team this year.", "I do not see this part."]


class Command(BaseCommand):
    help = "Loads demo organizations, teams, people with a known password and rounds with results; prints the logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Run even though DEBUG is off (never on a real server)."
        )

    def handle(self, *args: Any, force: bool = False, **options: object) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a published password, so it runs only with DEBUG=true. "
                "Use --force if this really is a throw-away server."
            )
        # The demo addresses (.test) can receive nothing, and the console
        # backend would bury the logins under thirty e-mails: the messages are
        # recorded and marked sent as usual, but go nowhere. (A worker, when a
        # broker is set, sends them with its own settings.) They are delivered
        # as the transaction commits, so it ends inside both contexts.
        # Its events on the audit trail say they are the demo's, not the schedule's.
        with (
            override_settings(EMAIL_BACKEND=DROP_EMAIL),
            _quiet(TASK_LOGGER),
            audit_actor("demo data (manage.py seed_demo)"),
            transaction.atomic(),
        ):
            self._seed()
        _backdate_sent_messages()
        self._print_rounds()
        self._print_logins()
        self._print_demo_link()

    def _seed(self) -> None:
        organization = _organization(ORGANIZATION)
        neighbour = _organization(NEIGHBOUR)
        team = _team(organization, TEAM, TEAM_DESCRIPTION)
        second_team = _team(organization, SECOND_TEAM, SECOND_TEAM_DESCRIPTION)
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

        rubrics = _lbc_rubrics()
        facilitator = User.objects.get(email=FACILITATOR_EMAIL)
        past = ((team, SPRING), (team, FALL), (second_team, SECOND_TEAM_FALL), (second_team, SECOND_TEAM_DATA_CHECK))
        for round_team in (team, second_team):
            _respondents_join(round_team, [spec for spec_team, spec in past if spec_team == round_team], groups)
        for round_team, spec in past:
            _past_round(
                round_team, spec, [rubric for rubric in rubrics if rubric.slug in spec.rubrics], groups, facilitator
            )
        _open_round(team, rubrics, facilitator)
        _draft_round(second_team, rubrics, facilitator)

    def _print_rounds(self) -> None:
        self.stdout.write(f"Rounds in {ORGANIZATION}:")
        rounds = Round.objects.filter(organization__name=ORGANIZATION).select_related("team")
        for round_ in rounds.order_by("team__name", "opens_at"):
            self.stdout.write(f"  {round_.team.name}: {round_.name} ({round_.get_status_display().lower()})")

    def _print_logins(self) -> None:
        rows = [("E-mail", "Password", "Role")]
        for local_part, _name, role, group in PEOPLE:
            description = f"{role.label} in {ORGANIZATION}" + (f" ({group})" if group else "")
            if local_part in NEIGHBOUR_LEADS:
                description += f"; Lead in {NEIGHBOUR}"
            if local_part == FIRST_RATER:
                description += f"; has not begun rating {OPEN_ROUND}"
            rows.append((f"{local_part}@{DOMAIN}", PASSWORD, description))
        rows.append((ADMIN_EMAIL, PASSWORD, "Site administrator (Django admin at /admin/)"))
        widths = [max(len(row[column]) for row in rows) for column in range(2)]
        self.stdout.write(self.style.SUCCESS(f"Demo data is ready. Open {_site_url()} and log in as:"))
        for email, password, description in rows:
            self.stdout.write(f"  {email:<{widths[0]}}  {password:<{widths[1]}}  {description}")

    def _print_demo_link(self) -> None:
        """A stakeholder's personal link, as their invitation e-mail carries it: the rating page opened with no
        password, as most stakeholders will first see it."""
        invitation = (
            Invitation.objects.select_related("user")
            .filter(round__team__name=TEAM, round__name=OPEN_ROUND, user__email=f"{FIRST_RATER}@{DOMAIN}")
            .first()
        )
        if invitation is None:
            return
        link = settings.SITE_URL.rstrip("/") + invitation_link_path(invitation)
        name = invitation.user.name if invitation.user else FIRST_RATER
        self.stdout.write(f"{name}'s personal link to {OPEN_ROUND} (a stakeholder's rating page, no password):")
        self.stdout.write(f"  {link}")


def _site_url() -> str:
    return settings.SITE_URL.rstrip("/") + "/"


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _organization(name: str) -> Organization:
    return Organization.objects.filter(name=name).first() or services.organization_create(name=name)


def _team(organization: Organization, name: str, description: str) -> Team:
    return organization.teams.filter(name=name).first() or services.team_create(
        organization=organization, name=name, description=description
    )


def _person(email: str, name: str) -> User:
    """The demo person, given the demo password when first created only (so
    that running the command again changes nothing)."""
    user, created = services.person_get_or_create(email=email, name=name)
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return user


def _lbc_rubrics() -> list[Rubric]:
    """The newest version of each built-in Leading by Convening rubric."""
    newest: dict[str, Rubric] = {}
    for rubric in Rubric.objects.filter(organization__isnull=True, slug__in=RUBRICS).order_by("slug", "-version"):
        newest.setdefault(rubric.slug, rubric)
    if len(newest) != len(RUBRICS):
        raise CommandError("The built-in Leading by Convening rubrics are missing; run `manage.py migrate` first.")
    return [newest[slug] for slug in RUBRICS]


def _respondent_email(group: str, index: int) -> str:
    return f"{slugify(group)}-{index + 1}@{DOMAIN}"


def _respondents_join(team: Team, specs: list[PastRound], groups: dict[str, StakeholderGroup]) -> None:
    """Everyone who rated the team's rounds online is on the team, so that its
    members and its respondents add up: the demo people first, then as many
    more people per group as its largest round had. Families rated on paper
    (PAPER_GROUPS) and are counted by their forms, not as members."""
    members = _members_by_group(team)
    for group in groups:
        if group in PAPER_GROUPS:
            continue
        count = max((spec.respondents.get(group, 0) for spec in specs), default=0)
        for index in range(len(members.get(group, [])), count):
            email = _respondent_email(group, index)
            user = _person(email, f"{group} respondent {index + 1}")
            services.team_member_add(team=team, email=user.email, name=user.name, stakeholder_group=groups[group])


def _members_by_group(team: Team) -> dict[str, list[TeamMember]]:
    """The team's members per stakeholder group: the demo people in the order of PEOPLE, then the other
    respondents by their number."""
    people = [f"{local_part}@{DOMAIN}" for local_part, _name, _role, _group in PEOPLE]
    members = sorted(
        team.members.select_related("user", "stakeholder_group"),
        key=lambda member: (
            people.index(member.user.email) if member.user.email in people else len(people),
            len(member.user.email),
            member.user.email,
        ),
    )
    by_group: dict[str, list[TeamMember]] = {}
    for member in members:
        by_group.setdefault(member.stakeholder_group.name, []).append(member)
    return by_group


class _Answers:
    """Draws one respondent's answers to every key action of a round."""

    def __init__(self, rubrics: list[Rubric], rng: random.Random) -> None:
        self.rng = rng
        self.key_actions = [
            ((rubric.slug, key_action.position), key_action.pk)
            for rubric in rubrics
            for key_action in rubric.key_actions.order_by("position")
        ]
        self.levels = {rubric.slug: [level.pk for level in rubric.levels.order_by("position")] for rubric in rubrics}

    def draw(self, standings: dict[KeyActionRef, Standing], group: str) -> list[PaperAnswer]:
        return [self._answer(ref, key_action_id, standings[ref], group) for ref, key_action_id in self.key_actions]

    def _answer(self, ref: KeyActionRef, key_action_id: int, standing: Standing, group: str) -> PaperAnswer:
        rng = self.rng
        not_sure_chance = NOT_SURE_CHANCE_DATA.get(group, NOT_SURE_CHANCE) if ref[0] == BSD else NOT_SURE_CHANCE
        if rng.random() < not_sure_chance:
            evidence = rng.choice(NOT_SURE_EVIDENCE) if rng.random() < EVIDENCE_CHANCE else ""
            return PaperAnswer(key_action_id=key_action_id, level_id=None, not_sure=True, evidence=evidence)
        levels = self.levels[ref[0]]
        if standing.center is None:
            level = rng.choices(range(1, len(levels) + 1), weights=DISAGREEMENT[group])[0]
        else:
            # Two neighbouring levels only: broad agreement, never flagged for discussion.
            lower = min(int(standing.center), len(levels) - 1)
            upper_chance = min(max(standing.center + GROUP_LEAN[group] - lower, 0.05), 0.95)
            level = lower + (rng.random() < upper_chance)
        evidence = ""
        if rng.random() < EVIDENCE_CHANCE:
            low, high = EVIDENCE[ref]
            evidence = rng.choice(low if level <= 2 else high)
        return PaperAnswer(key_action_id=key_action_id, level_id=levels[level - 1], not_sure=False, evidence=evidence)


def _past_round(
    team: Team,
    spec: PastRound,
    rubrics: list[Rubric],
    groups: dict[str, StakeholderGroup],
    facilitator: User,
) -> None:
    """A closed round as it happened: the families rated on paper at the
    closing meeting, everyone else online (the team's members; a group
    mixing the two would stay hidden, SPEC §5.1 rule 3);
    then the team agreed on each key action and planned its next steps. Dates are the round's own, not today."""
    if team.rounds.filter(name=spec.name).exists():
        return
    round_ = round_create(
        team=team,
        name=spec.name,
        rubrics=rubrics,
        opens_at=spec.opens_at,
        closes_at=spec.closes_at,
        threshold=DEFAULT_THRESHOLD,
        created_by=facilitator,
    )
    rng = random.Random(spec.seed)
    answers = _Answers(rubrics, rng)
    members = _members_by_group(team)
    online: list[tuple[Invitee, list[PaperAnswer]]] = []
    on_paper: list[tuple[StakeholderGroup, list[PaperAnswer]]] = []
    for group, count in spec.respondents.items():
        group_members = members.get(group, [])
        for index in range(count):
            drawn = answers.draw(spec.standings, group)
            if group in PAPER_GROUPS:
                on_paper.append((groups[group], drawn))
            else:
                # _respondents_join put as many members in each group as its largest round had.
                member = group_members[index]
                online.append((Invitee(user=member.user, stakeholder_group=member.stakeholder_group), drawn))

    # Invited while a draft, so that the invitations go out when it opens.
    invitations = invitations_create(
        round=round_,
        invitees=[invitee for invitee, _answers in online],
    )
    round_open(round=round_, now=spec.opens_at)
    for invitation, (_member, drawn) in zip(invitations, online, strict=True):
        _rate(invitation, drawn)
        submitted_at = spec.opens_at + timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 8))
        response_submit(invitation=invitation, now=submitted_at)
    for number, (paper_group, drawn) in enumerate(on_paper, start=1):
        paper_response_create(
            round=round_,
            respondent_code=f"P-{number:03d}",
            stakeholder_group=paper_group,
            answers=drawn,
            entered_by=facilitator,
        )
    round_close(round=round_, now=spec.closes_at)

    for rubric in rubrics:
        levels = {level.position: level for level in rubric.levels.all()}
        for key_action in rubric.key_actions.order_by("position"):
            ref = (rubric.slug, key_action.position)
            standing = spec.standings[ref]
            if standing.consensus is not None:
                consensus_record(
                    round=round_,
                    key_action=key_action,
                    level=levels[standing.consensus],
                    rationale=standing.rationale,
                    recorded_by=facilitator,
                )
            if ref in spec.steps and standing.consensus is not None:
                target = levels[min(standing.consensus + 1, len(levels))]
                action_plan_set_target(round=round_, key_action=key_action, target_level=target)
            for step in spec.steps.get(ref, []):
                action_step_add(
                    round=round_,
                    key_action=key_action,
                    description=step.description,
                    owner=step.owner,
                    due_date=step.due_date,
                    status=step.status,
                )

    # The services stamp these with the time they run; the round's own dates
    # are what its pages should show.
    Response.objects.filter(round=round_, entered_by_proxy=True).update(submitted_at=spec.closes_at)
    if spec.agreed_at is not None:
        Consensus.objects.filter(round=round_).update(recorded_at=spec.agreed_at)
    messages = SentMessage.objects.filter(invitation__round=round_)
    messages.filter(kind=MessageKind.INVITATION).update(created_at=spec.opens_at)
    messages.filter(kind=MessageKind.ROUND_CLOSED).update(created_at=spec.closes_at)


def _rate(invitation: Invitation, answers: list[PaperAnswer]) -> None:
    for answer in answers:
        rating_save(
            invitation=invitation,
            key_action_id=answer.key_action_id,
            level_id=answer.level_id,
            not_sure=answer.not_sure,
            evidence=answer.evidence,
        )


def _open_round(team: Team, rubrics: list[Rubric], facilitator: User) -> None:
    """The round the demo stakeholders are invited to now, so that a
    stakeholder's login finds it under "My rounds"."""
    if team.rounds.filter(name=OPEN_ROUND).exists():
        return
    opens_at = timezone.now().replace(minute=0, second=0, microsecond=0)
    round_ = round_create(
        team=team,
        name=OPEN_ROUND,
        rubrics=rubrics,
        opens_at=opens_at,
        closes_at=opens_at + timedelta(days=OPEN_ROUND_DAYS),
        threshold=DEFAULT_THRESHOLD,
        reminder_days_before=3,
        created_by=facilitator,
    )
    members = [member for group_members in _members_by_group(team).values() for member in group_members]
    invitations = invitations_create(
        round=round_,
        invitees=[Invitee(user=member.user, stakeholder_group=member.stakeholder_group) for member in members],
    )
    round_open(round=round_, now=opens_at)
    answers = _Answers(rubrics, random.Random(OPEN_ROUND_SEED))
    for invitation in invitations:
        email = invitation.user.email if invitation.user else ""
        if email not in OPEN_ROUND_PROGRESS:
            continue
        rated = OPEN_ROUND_PROGRESS[email]
        drawn = answers.draw(FALL.standings, invitation.stakeholder_group.name)
        _rate(invitation, drawn[:rated])
        if rated is None:
            response_submit(invitation=invitation)


def _draft_round(team: Team, rubrics: list[Rubric], facilitator: User) -> None:
    """The team's next round, planned but not opened: the facilitator's home lists it."""
    if team.rounds.filter(name=DRAFT_ROUND).exists():
        return
    opens_at = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=DRAFT_OPENS_IN_DAYS)
    round_create(
        team=team,
        name=DRAFT_ROUND,
        rubrics=rubrics,
        opens_at=opens_at,
        closes_at=opens_at + timedelta(days=DRAFT_ROUND_DAYS),
        threshold=DEFAULT_THRESHOLD,
        reminder_days_before=3,
        created_by=facilitator,
    )


def _backdate_sent_messages() -> None:
    """The closed rounds' e-mails were sent when those rounds opened and
    closed, not today. Delivery stamps them as it sends, after the commit;
    this runs after it (with a broker, a worker stamps them later)."""
    past = Round.objects.filter(organization__name=ORGANIZATION, closes_at__lt=timezone.now())
    (
        SentMessage.objects.filter(invitation__round__in=past, sent_at__isnull=False)
        .exclude(sent_at=F("created_at"))
        .update(sent_at=F("created_at"))
    )
