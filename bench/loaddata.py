"""Synthetic data at state and national scale, for the benchmarks in bench/
(`manage.py generate_load_data`). Rows are written with PostgreSQL COPY in one
transaction per organization; ids are allocated here, so no row needs a round
trip, and the sequences are moved past them at the end.

Everything is drawn from a `random.Random` seeded per organization, so a
profile gives the same data on every run, and a larger profile extends a
smaller one: `national` keeps `state`'s first organization as it was."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.db import connection, transaction

from assessments.invitations import tokens
from assessments.models import Response
from assessments.results.releases import answers_digests_refresh
from convening import languages
from convening.models import DEFAULT_STAKEHOLDER_GROUPS, Organization
from rubrics.models import Rubric

LBC_RUBRICS = ["creating-active-engagement", "building-support-through-data"]
# Uneven on purpose: families outnumber everyone, and the advocates' group is
# small enough to be suppressed in some rounds.
GROUP_WEIGHTS = [0.38, 0.22, 0.10, 0.16, 0.03, 0.11]
NOT_SURE_RATE = 0.06
EVIDENCE_RATE = 0.10
PAPER_RATE = 0.05  # responses entered by a facilitator from a paper form
NON_RESPONSE_RATE = 0.10  # invitees of a round who never submit
EVIDENCE = [
    "We discussed this at the spring meeting.",
    "Families were invited but few could attend.",
    "Data are shared with the team each quarter.",
    "Meeting notes are posted online afterwards.",
    "Educators and parents co-chaired the work group.",
    "Not everyone knows where to find the reports.",
    "Interpreters were available at every session.",
    "The team reviewed the survey results together.",
]
STEPS = ["Share the data summary before meetings", "Invite two more family members", "Plan an evening session"]
SURVEY_ORGANIZATION = "Load survey organization"
BENCH_PASSWORD = "bench-password-not-secret"  # noqa: S105 — loopback benchmark data only
START = datetime(2022, 1, 10, 15, tzinfo=UTC)


@dataclass(frozen=True)
class Profile:
    organizations: int
    teams: int
    rounds: int  # closed rounds per team, two a year
    respondents: int  # per round
    big_rounds: tuple[int, ...]  # single closed rounds of the survey organization
    open_invitees: int  # invitations to the survey organization's open round (load test)


PROFILES = {
    "tiny": Profile(organizations=2, teams=2, rounds=2, respondents=12, big_rounds=(30,), open_invitees=5),
    "state": Profile(organizations=1, teams=20, rounds=8, respondents=200, big_rounds=(2000, 20000), open_invitees=400),
    # The exports' targets (issue 16): the anonymized ratings and the workbook at 20,000 and 100,000.
    "exports": Profile(organizations=0, teams=0, rounds=0, respondents=0, big_rounds=(20000, 100000), open_invitees=0),
    "national": Profile(
        organizations=50, teams=20, rounds=8, respondents=200, big_rounds=(2000, 20000), open_invitees=400
    ),
}


def organization_name(index: int) -> str:
    return f"Load organization {index:03d}"


def lead_email(index: int) -> str:
    return f"lead-{index:03d}@load.test"


SURVEY_LEAD_EMAIL = "lead-survey@load.test"


class _Ids:
    """The next free id of each table, read once and handed out locally."""

    def __init__(self, cursor) -> None:
        self.cursor = cursor
        self.next: dict[str, int] = {}

    def take(self, table: str, count: int = 1) -> int:
        if table not in self.next:
            self.cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 — our table names
            self.next[table] = self.cursor.fetchone()[0]
        first = self.next[table]
        self.next[table] += count
        return first

    def sync_sequences(self) -> None:
        for table, following in self.next.items():
            self.cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [table, max(following, 1)]
            )


def _text(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


class _Writer:
    """Rows buffered per table and sent with one COPY per table."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[Sequence[str], list[str]]] = {}

    def add(self, table: str, columns: Sequence[str], values: Iterable[object]) -> None:
        self.add_line(table, columns, "\t".join(_text(value) for value in values))

    def add_line(self, table: str, columns: Sequence[str], line: str) -> None:
        self.rows.setdefault(table, (columns, []))[1].append(line)

    def flush(self, cursor) -> int:
        written = 0
        for table, (columns, lines) in self.rows.items():
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for start in range(0, len(lines), 10000):
                    copy.write("\n".join(lines[start : start + 10000]) + "\n")
            written += len(lines)
        self.rows.clear()
        return written


USER = ("id", "password", "is_superuser", "email", "name", "language", "is_staff", "is_active", "date_joined")
MEMBERSHIP = ("id", "role", "created_at", "user_id", "organization_id")
GROUP = ("id", "name", "names", "position", "organization_id")
TEAM = ("id", "name", "description", "created_at", "organization_id")
TEAM_MEMBER = ("id", "created_at", "stakeholder_group_id", "team_id", "user_id")
ROUND = (
    "id",
    "name",
    "opens_at",
    "closes_at",
    "threshold",
    "share_results",
    "status",
    "opened_at",
    "closed_at",
    "created_at",
    "created_by_id",
    "organization_id",
    "team_id",
    "results_revealed",
    "results_revision",
)
ROUND_RUBRIC = ("id", "position", "round_id", "rubric_id")
INVITATION = (
    "id",
    "token_nonce",
    "token_hash",
    "replaced_token_hash",
    "created_at",
    "stakeholder_group_id",
    "user_id",
    "round_id",
)
RESPONSE = (
    "id",
    "respondent_code",
    "entered_by_proxy",
    "submitted_at",
    "created_at",
    "updated_at",
    "entered_by_id",
    "invitation_id",
    "stakeholder_group_id",
    "round_id",
    "answers_digest",
)
RATING = (
    "id",
    "not_sure",
    "evidence",
    "updated_at",
    "key_action_id",
    "level_id",
    "response_id",
    "level_version",
    "evidence_version",
)
CONSENSUS = ("id", "rationale", "recorded_at", "key_action_id", "level_id", "recorded_by_id", "round_id")
ACTION_PLAN = ("id", "updated_at", "key_action_id", "round_id", "target_level_id")
ACTION_STEP = ("id", "description", "owner", "due_date", "status", "created_at", "updated_at", "plan_id")


@dataclass(frozen=True)
class _RubricShape:
    id: int
    key_actions: list[int]  # ids, by position
    levels: list[int]  # ids, by position


def _rubrics() -> list[_RubricShape]:
    shapes = []
    for slug in LBC_RUBRICS:
        rubric = Rubric.objects.filter(organization__isnull=True, slug=slug).order_by("-version").first()
        if rubric is None:
            raise LookupError(f"the built-in rubric {slug} is missing: run `manage.py migrate` first")
        shapes.append(
            _RubricShape(
                id=rubric.pk,
                key_actions=list(rubric.key_actions.order_by("position").values_list("pk", flat=True)),
                levels=list(rubric.levels.order_by("position").values_list("pk", flat=True)),
            )
        )
    return shapes


class _Organization:
    """Writes one organization: people, teams, rounds, answers and plans."""

    def __init__(self, ids: _Ids, writer: _Writer, rubrics: list[_RubricShape], rng: random.Random, password: str):
        self.ids, self.out, self.rubrics, self.rng, self.password = ids, writer, rubrics, rng, password

    def create(self, name: str, lead: str) -> None:
        self.org_id = self.ids.take("convening_organization")
        self.out.add(
            "convening_organization",
            (
                "id",
                "name",
                "time_zone",
                "created_at",
                "require_two_factor",
                "audit_retention_days",
                "sign_in_domain",
                "paper_size",
            ),
            [self.org_id, name, "America/Chicago", START, False, 730, "", "letter"],
        )
        self.groups = []
        for position, group in enumerate(DEFAULT_STAKEHOLDER_GROUPS, start=1):
            group_id = self.ids.take("convening_stakeholdergroup")
            self.out.add(
                "convening_stakeholdergroup",
                GROUP,
                [group_id, group, json.dumps(languages.catalogue_names(group)), position, self.org_id],
            )
            self.groups.append(group_id)
        self.lead_id = self._user(lead, "Load lead", password=self.password)
        for role in ("facilitator", "lead"):
            self._membership(self.lead_id, role)
        self.slug = name.lower().replace(" ", "-")
        self.users = 0

    def _user(self, email: str, name: str, password: str = UNUSABLE_PASSWORD_PREFIX) -> int:
        user_id = self.ids.take("convening_user")
        self.out.add("convening_user", USER, [user_id, password, False, email, name, "en", False, True, START])
        return user_id

    def _membership(self, user_id: int, role: str) -> None:
        self.out.add(
            "convening_membership",
            MEMBERSHIP,
            [self.ids.take("convening_membership"), role, START, user_id, self.org_id],
        )

    def team(self, name: str, members: int) -> tuple[int, list[tuple[int, int]]]:
        """A team with `members` stakeholders: (team id, [(user id, group id)])."""
        team_id = self.ids.take("convening_team")
        self.out.add("convening_team", TEAM, [team_id, name, "Generated for benchmarks.", START, self.org_id])
        people = []
        for _ in range(members):
            self.users += 1
            group_id = self.rng.choices(self.groups, GROUP_WEIGHTS)[0]
            user_id = self._user(f"p{self.users}@{self.slug}.load.test", f"Stakeholder {self.users}")
            self._membership(user_id, "stakeholder")
            self.out.add(
                "convening_teammember",
                TEAM_MEMBER,
                [self.ids.take("convening_teammember"), START, group_id, team_id, user_id],
            )
            people.append((user_id, group_id))
        return team_id, people

    def round(
        self,
        team_id: int,
        people: list[tuple[int, int]],
        *,
        name: str,
        opens_at: datetime,
        respondents: int,
        standing: dict[int, float],
        closed: bool = True,
    ) -> int:
        """A round inviting everyone in `people`; `respondents` of them (a few
        on paper) submit answers drawn around the team's `standing`."""
        round_id = self.ids.take("assessments_round")
        closes_at = opens_at + timedelta(days=21)
        self.out.add(
            "assessments_round",
            ROUND,
            [
                round_id,
                name,
                opens_at,
                closes_at,
                5,
                True,
                "closed" if closed else "open",
                opens_at,
                closes_at if closed else None,
                opens_at - timedelta(days=7),
                self.lead_id,
                self.org_id,
                team_id,
                False,
                0,
            ],
        )
        for position, rubric in enumerate(self.rubrics, start=1):
            self.out.add(
                "assessments_roundrubric",
                ROUND_RUBRIC,
                [self.ids.take("assessments_roundrubric"), position, round_id, rubric.id],
            )
        invited = people if not closed else people[: int(respondents / (1 - NON_RESPONSE_RATE))]
        on_paper = 0 if not closed else int(respondents * PAPER_RATE)
        online = respondents - on_paper
        for index, (user_id, group_id) in enumerate(invited):
            invitation_id = self.ids.take("assessments_invitation")
            nonce = f"{self.rng.getrandbits(128):032x}"
            token_hash = tokens.hash_token(tokens.make_token(invitation_id, nonce))
            values = [invitation_id, nonce, token_hash, "", opens_at, group_id, user_id, round_id]
            self.out.add("assessments_invitation", INVITATION, values)
            if closed and index < online:
                self._response(round_id, group_id, opens_at, standing, invitation_id=invitation_id)
        for number in range(1, on_paper + 1):
            group_id = self.rng.choices(self.groups, GROUP_WEIGHTS)[0]
            self._response(round_id, group_id, opens_at, standing, code=f"P-{number:04d}")
        if closed:
            self._consensus_and_plans(round_id, closes_at, standing)
        return round_id

    def _response(self, round_id, group_id, opens_at, standing, *, invitation_id=None, code=""):
        response_id = self.ids.take("assessments_response")
        submitted = opens_at + timedelta(minutes=self.rng.randrange(1, 20 * 24 * 60))
        self.out.add(
            "assessments_response",
            RESPONSE,
            [
                response_id,
                code,
                bool(code),
                submitted,
                submitted,
                submitted,
                self.lead_id if code else None,
                invitation_id,
                group_id,
                round_id,
                0,  # taken once the answers are written
            ],
        )
        # Groups see the team a little differently (families lower, administrators higher).
        bias = (group_id - self.groups[0] - 2.5) * 0.15
        stamp = submitted.isoformat()
        first = self.ids.take("assessments_rating", sum(len(rubric.key_actions) for rubric in self.rubrics))
        rng = self.rng
        for rubric in self.rubrics:
            top = len(rubric.levels)
            for key_action_id in rubric.key_actions:
                if rng.random() < NOT_SURE_RATE:
                    not_sure, level = "t", "\\N"
                else:
                    position = round(rng.gauss(standing[key_action_id] + bias, 0.9))
                    not_sure, level = "f", rubric.levels[min(max(position, 1), top) - 1]
                evidence = rng.choice(EVIDENCE) if rng.random() < EVIDENCE_RATE else ""
                # Formatted by hand: this line is written millions of times.
                # Each part written once, as by one autosave each.
                line = f"{first}\t{not_sure}\t{evidence}\t{stamp}\t{key_action_id}\t{level}\t{response_id}\t1\t1"
                self.out.add_line("assessments_rating", RATING, line)
                first += 1

    def _consensus_and_plans(self, round_id, closes_at, standing) -> None:
        for rubric in self.rubrics:
            top = len(rubric.levels)
            for key_action_id in rubric.key_actions:
                agreed = min(max(round(standing[key_action_id]), 1), top)
                if self.rng.random() < 0.8:
                    # Sometimes the team revisits its first decision: a second, later record.
                    for revision in range(1 + (self.rng.random() < 0.2)):
                        level = min(agreed + revision, top)
                        self.out.add(
                            "assessments_consensus",
                            CONSENSUS,
                            [
                                self.ids.take("assessments_consensus"),
                                "Agreed after discussing the distribution.",
                                closes_at + timedelta(days=3 + revision),
                                key_action_id,
                                rubric.levels[level - 1],
                                self.lead_id,
                                round_id,
                            ],
                        )
                if self.rng.random() < 0.35:
                    plan_id = self.ids.take("assessments_actionplan")
                    target = rubric.levels[min(agreed + 1, top) - 1]
                    self.out.add(
                        "assessments_actionplan", ACTION_PLAN, [plan_id, closes_at, key_action_id, round_id, target]
                    )
                    for step in self.rng.sample(STEPS, 2):
                        status = self.rng.choice(["open", "in_progress", "done"])
                        due = (closes_at + timedelta(days=self.rng.randrange(30, 180))).date()
                        values = [
                            self.ids.take("assessments_actionstep"),
                            step,
                            "Team lead",
                            due,
                            status,
                            closes_at,
                            closes_at,
                            plan_id,
                        ]
                        self.out.add("assessments_actionstep", ACTION_STEP, values)

    def standing(self) -> dict[int, float]:
        return {key_action: self.rng.uniform(1.5, 3.5) for rubric in self.rubrics for key_action in rubric.key_actions}


def _drift(standing: dict[int, float], rng: random.Random) -> dict[int, float]:
    """Half a year later: mostly a little better."""
    return {key: min(4.0, max(1.0, value + rng.gauss(0.12, 0.25))) for key, value in standing.items()}


def generate(profile: Profile, *, seed: int, progress: Callable[[str], None]) -> dict[str, int]:
    """Adds the profile's organizations that do not exist yet (by name).
    Returns rows written per table."""
    rubrics = _rubrics()
    password = make_password(BENCH_PASSWORD)
    written = 0
    existing = set(Organization.objects.values_list("name", flat=True))
    plans = [(organization_name(index), index) for index in range(1, profile.organizations + 1)]
    plans.append((SURVEY_ORGANIZATION, 0))
    for name, index in plans:
        if name in existing:
            progress(f"{name}: exists, kept")
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            # The data are consistent by construction: foreign keys are not
            # re-checked row by row during the load (a superuser setting that
            # ends with the transaction). Unique and check constraints still hold.
            cursor.execute("SET LOCAL session_replication_role = replica")
            ids = _Ids(cursor)
            writer = _Writer()
            rng = random.Random(f"{seed}:{name}")
            organization = _Organization(ids, writer, rubrics, rng, password)
            if index:
                organization.create(name, lead_email(index))
                _teams(organization, profile, rng)
            else:
                organization.create(name, SURVEY_LEAD_EMAIL)
                _survey(organization, profile)
            count = writer.flush(cursor)
            ids.sync_sequences()
            # What the services keep for each response they write (results.releases).
            submitted = Response.objects.filter(round__organization_id=organization.org_id, submitted_at__isnull=False)
            answers_digests_refresh(responses=submitted)
        written += count
        progress(f"{name}: {count:,} rows")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"rows": written}


def _teams(organization: _Organization, profile: Profile, rng: random.Random) -> None:
    for number in range(1, profile.teams + 1):
        members = int(profile.respondents / (1 - NON_RESPONSE_RATE)) + rng.randrange(0, 10)
        team_id, people = organization.team(f"Team {number:02d}", members)
        standing = organization.standing()
        for half_year in range(profile.rounds):
            opens_at = START + timedelta(days=182 * half_year + rng.randrange(0, 30))
            rng.shuffle(people)
            organization.round(
                team_id,
                people,
                name=f"Round {half_year + 1}",
                opens_at=opens_at,
                respondents=profile.respondents,
                standing=standing,
            )
            standing = _drift(standing, rng)


def _survey(organization: _Organization, profile: Profile) -> None:
    """The large single rounds, and the open round the load test rates in."""
    for size in profile.big_rounds:
        members = int(size / (1 - NON_RESPONSE_RATE)) + 1
        team_id, people = organization.team(f"Survey of {size:,}", members)
        name = f"Survey round {size}"
        organization.round(
            team_id, people, name=name, opens_at=START, respondents=size, standing=organization.standing()
        )
    if profile.open_invitees:
        team_id, people = organization.team("Load test", profile.open_invitees)
        now = datetime.now(UTC)
        organization.round(
            team_id,
            people,
            name="Open round",
            opens_at=now - timedelta(days=1),
            respondents=0,
            standing=organization.standing(),
            closed=False,
        )
