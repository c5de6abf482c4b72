"""Releases (SPEC §5.1): what every output of a round shows, made, kept and
replaced here, under the round's row lock, by the rules of `disclosure`.

Reading a release costs one query while the round's `results_revision` has
not moved since the release was last compared with the responses. Every
service that can change what a release would hold moves it in the same
transaction (`results_changed`): a submission, a revision after submitting
(`rating`'s slow path), a paper form, a withdrawal; and takes again the
digests of the responses it wrote, which each response keeps. Only then are
the responses compared again (their digests in one query, no rating read),
and a new release made when the rules allow.

`figures` holds, as JSON (ids as strings):
- `"groups"`: group id → {"respondents", "private", "hidden": "" or a `Withheld`};
- `"team"`: key action id → {level id or "not_sure": count};
- `"by_group"`: group id → key action id → the same, for groups not hidden only;
- `"comments"`: key action id → how many comments the release holds (their
  texts are its `ReleaseComment` rows)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    Count,
    Expression,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from assessments.models import (
    Invitation,
    MeetingReveal,
    Rating,
    Release,
    ReleaseComment,
    ReleaseMember,
    Response,
    Round,
    RoundStatus,
)

from .disclosure import (
    Alongside,
    Answerer,
    Earlier,
    Snapshot,
    Withheld,
    differing,
    hidden_groups,
    release_withheld,
)


class ContentHash(Func):
    """A 52-bit integer hash of a text, the same on both databases: the first
    13 hex digits of its MD5 (PostgreSQL's md5; on SQLite the function that
    `assessments.apps` registers). Summed over a response's answers, it is a
    digest that no order of rows changes, and 52 bits leave room for the sum
    in a bigint."""

    function = "convening_hash52"
    arity = 1
    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        template = "('x' || substr(md5(%(expressions)s), 1, 13))::bit(52)::bigint"
        return self.as_sql(compiler, connection, template=template, **extra)


def results_changed(*, round_id: int, response_ids: Sequence[int] = ()) -> None:
    """Called by every write that can change a release's contents, inside its
    transaction and after the write, with the responses whose answers it
    wrote: their digests are taken again. The round's row lock it takes also
    waits for a release being made, so nothing the write changed is seen
    before its revision has moved."""
    Round.objects.filter(pk=round_id).update(results_revision=F("results_revision") + 1)
    if response_ids:
        Response.objects.filter(pk__in=response_ids).update(answers_digest=_digest_of(OuterRef("pk")))


def standing_invitations(round: Round) -> QuerySet[Invitation]:
    """The round's invitations not revoked, as a subquery: read through the
    round's index, where joining every response's invitation scanned every
    round's (24 ms for a 2,000 round among 60,000 invitations)."""
    return Invitation.objects.filter(round=round, revoked_at__isnull=True)


def counted_responses(round: Round) -> QuerySet[Response]:
    """The responses the figures count: submitted, and not withdrawn (a
    revoked invitation withdraws its response; paper forms have none)."""
    return Response.objects.filter(_counted(round))


def _counted_ratings(round: Round) -> QuerySet[Rating]:
    """The ratings of the counted responses, the rule on the one join to the
    responses that the figures also read the groups through: as
    `response__in=<subquery>`, PostgreSQL's stock settings joined the
    responses twice and scanned all of them (25 against 18 ms for a 2,000
    round; bench/results/plans)."""
    return Rating.objects.filter(_counted(round, prefix="response__"))


def _counted(round: Round, prefix: str = "") -> Q:
    return Q(**{f"{prefix}round": round, f"{prefix}submitted_at__isnull": False}) & (
        Q(**{f"{prefix}invitation__isnull": True}) | Q(**{f"{prefix}invitation__in": standing_invitations(round)})
    )


def _contributes(prefix: str = "") -> Q:
    """Ratings that count for something: a level, "Not sure" or a comment."""
    return Q(**{f"{prefix}level__isnull": False}) | Q(**{f"{prefix}not_sure": True}) | ~Q(**{f"{prefix}evidence": ""})


def _answer_text(*, with_evidence: bool) -> Concat:
    """An answer as text: its key action, level and "Not sure", and its comment when asked."""
    parts: list[Expression | F] = [
        Cast("key_action_id", CharField()),
        Value(":"),
        Coalesce(Cast("level_id", CharField()), Value("")),
        Value(":"),
        Cast("not_sure", CharField()),
    ]
    if with_evidence:
        parts += [Value(":"), F("evidence")]
    return Concat(*parts, output_field=CharField())


def _digest_of(response: OuterRef) -> Coalesce:
    """The digest of one response's answers: the sum of a hash of each."""
    total = (
        Rating.objects.filter(_contributes(), response=response)
        .values("response")
        .annotate(total=Sum(ContentHash(_answer_text(with_evidence=True))))
        .values("total")
        .order_by()
    )
    return Coalesce(Subquery(total, output_field=BigIntegerField()), 0)


def answer_hash() -> ContentHash:
    """The hash of one answer's level or "Not sure" alone: what a key
    action's figure in a meeting shows of it (comments are not shown there)."""
    return ContentHash(_answer_text(with_evidence=False))


def key_action_snapshots(
    *, responses: QuerySet[Response], key_action_ids: Iterable[int]
) -> dict[int, dict[int, Answerer]]:
    """Key action id → the responses that rated it (a level or "Not sure"),
    each with the digest of that one answer (one query)."""
    rows = (
        Rating.objects.filter(response__in=responses.values("pk"), key_action_id__in=list(key_action_ids))
        .filter(Q(level__isnull=False) | Q(not_sure=True))
        .annotate(digest=answer_hash())
        .values_list(
            "key_action_id", "response_id", "response__stakeholder_group_id", "response__invitation_id", "digest"
        )
        .order_by()
    )
    snapshots: dict[int, dict[int, Answerer]] = defaultdict(dict)
    for key_action, response, group, invitation, digest in rows:
        snapshots[key_action][response] = Answerer(group=group, private=invitation is not None, digest=digest)
    return snapshots


def reveal_members(reveal: MeetingReveal) -> dict[int, Answerer]:
    return {
        int(pk): Answerer(group=group, private=private, digest=digest)
        for pk, (group, private, digest) in reveal.members.items()
    }


def _alongside(round: Round) -> list[tuple[Snapshot, list[Earlier]]]:
    """Each key action shown in a meeting of the round: its answers among
    the counted responses now, and every reveal of it (one query, and one
    more when there are any)."""
    revealed: dict[int, list[Earlier]] = defaultdict(list)
    for reveal in MeetingReveal.objects.filter(meeting__round=round).order_by("pk"):
        revealed[reveal.key_action_id].append(Earlier(members=reveal_members(reveal), hidden_groups=None))
    if not revealed:
        return []
    answers = key_action_snapshots(responses=counted_responses(round), key_action_ids=revealed)
    return [(answers.get(key_action, {}), earlier) for key_action, earlier in revealed.items()]


def answers_digests_refresh(*, responses: QuerySet[Response]) -> int:
    """Takes the digests of these responses again (for data written without
    the services: a migration, the bench's generator). One statement."""
    return responses.update(answers_digest=_digest_of(OuterRef("pk")))


def live_snapshot(*, round: Round) -> dict[int, Answerer]:
    """Every counted response with its group, whether it was answered online,
    and the digest of its answers (one query)."""
    rows = counted_responses(round).values_list("pk", "stakeholder_group_id", "invitation_id", "answers_digest")
    return {
        pk: Answerer(group=group, private=invitation is not None, digest=digest)
        for pk, group, invitation, digest in rows
    }


def response_digests(*, response_ids: Sequence[int]) -> dict[int, int]:
    """The digests of these responses as they are now, withdrawn or not (one query)."""
    return dict(Response.objects.filter(pk__in=response_ids).values_list("pk", "answers_digest"))


def _snapshot(members) -> dict[int, Answerer]:
    return {
        member.response_id: Answerer(group=member.group_id, private=member.private, digest=member.digest)
        for member in members
    }


def _shown_releases(round: Round) -> list[tuple[Release, dict[int, Answerer]]]:
    """The releases already shown, each with its members (two queries)."""
    releases = list(Release.objects.filter(round=round, shown_at__isnull=False).order_by("pk"))
    members: dict[int, list[ReleaseMember]] = defaultdict(list)
    for member in ReleaseMember.objects.filter(release__in=[release.pk for release in releases]).order_by():
        members[member.release_id].append(member)
    return [(release, _snapshot(members[release.pk])) for release in releases]


def _earlier(release: Release, members: Snapshot) -> Earlier:
    if release.groups_shown_at is None:
        return Earlier(members=members, hidden_groups=None)
    hidden = frozenset(int(group) for group, entry in release.figures["groups"].items() if entry["hidden"])
    return Earlier(members=members, hidden_groups=hidden)


def _cell_key(level_id: int | None) -> str:
    return "not_sure" if level_id is None else str(level_id)


def _figures(round: Round, live: Snapshot, hidden: dict[int, Withheld]) -> dict:
    groups: dict[str, dict] = {}
    for answerer in live.values():
        entry = groups.setdefault(str(answerer.group), {"respondents": 0, "private": 0, "hidden": ""})
        entry["respondents"] += 1
        entry["private"] += answerer.private
    for group, reason in hidden.items():
        groups[str(group)]["hidden"] = str(reason)
    team: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_group: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    comments: dict[str, int] = defaultdict(int)
    rows = (
        _counted_ratings(round)
        .filter(_contributes())
        .values("key_action_id", "response__stakeholder_group_id", "level_id", "not_sure")
        .annotate(count=Count("pk"), comments=Count("pk", filter=~Q(evidence="")))
        .order_by()
    )
    for row in rows:
        key_action, group = str(row["key_action_id"]), row["response__stakeholder_group_id"]
        if row["level_id"] is not None or row["not_sure"]:
            cell = _cell_key(row["level_id"])
            team[key_action][cell] += row["count"]
            if group not in hidden:
                by_group[str(group)][key_action][cell] = row["count"]
        if row["comments"]:
            comments[key_action] += row["comments"]
    return {"groups": groups, "team": team, "by_group": by_group, "comments": comments}


def _insert_select(model, columns: list[str], rows: QuerySet) -> None:
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) {sql}", params)  # noqa: S608


def _release_make(
    round: Round, live: Snapshot, shown: Sequence[Earlier], alongside: Alongside, revision: int
) -> Release:
    hidden = hidden_groups(live, shown=shown, k=round.threshold, alongside=alongside)
    private = sum(answerer.private for answerer in live.values())
    release = Release.objects.create(
        round=round,
        made_at=timezone.now(),
        respondents=len(live),
        private=private,
        figures=_figures(round, live, hidden),
        checked_revision=revision,
    )
    # The members and comments go in by INSERT … SELECT under the same lock
    # (nothing they read can change meanwhile): a fixed number of statements,
    # and no row travels through Python.
    member_rows = (
        counted_responses(round)
        .annotate(
            release_ref=Value(release.pk, output_field=BigIntegerField()),
            response_ref=F("pk"),
            group_ref=F("stakeholder_group_id"),
            private_ref=ExpressionWrapper(Q(invitation__isnull=False), output_field=BooleanField()),
        )
        .values_list("release_ref", "response_ref", "group_ref", "private_ref", "answers_digest")
        .order_by()
    )
    _insert_select(ReleaseMember, ["release_id", "response_id", "group_id", "private", "digest"], member_rows)
    comment_rows = (
        _counted_ratings(round)
        .exclude(evidence="")
        .annotate(release_ref=Value(release.pk, output_field=BigIntegerField()), key_action_ref=F("key_action_id"))
        .values_list("release_ref", "key_action_ref", "evidence")
        .order_by()
    )
    _insert_select(ReleaseComment, ["release_id", "key_action_id", "text"], comment_rows)
    return release


@transaction.atomic
def round_release_refresh(*, round: Round) -> Release | None:
    """The round's current release, made anew first when the rules allow and
    the responses differ from it: under the round's row lock, so concurrent
    requests make one release, and no write that changes the figures runs
    half-way through. None while the rules allow no release yet."""
    revision = Round.objects.select_for_update().values_list("results_revision", flat=True).get(pk=round.pk)
    round.results_revision = revision
    current = Release.objects.filter(round=round, is_current=True).first()
    if current is not None and current.checked_revision == revision:
        return current
    live = live_snapshot(round=round)
    shown_releases = _shown_releases(round)
    current_members: Snapshot = {}
    if current is not None:
        shown_members = {release.pk: members for release, members in shown_releases}
        current_members = shown_members.get(current.pk) or _snapshot(current.members.all())
    changes = differing(current_members, live)
    shown = [_earlier(release, members) for release, members in shown_releases]
    alongside = _alongside(round) if changes else []
    if changes and release_withheld(live, shown=shown, k=round.threshold, alongside=alongside) is None:
        if current is not None:
            if current.shown_at is None:
                current.delete()
            else:
                Release.objects.filter(pk=current.pk).update(is_current=False)
        return _release_make(round, live, shown, alongside, revision)
    if current is not None:
        Release.objects.filter(pk=current.pk).update(checked_revision=revision, waiting=len(changes))
        current.checked_revision, current.waiting = revision, len(changes)
    else:
        Round.objects.filter(pk=round.pk).update(results_withheld_revision=revision)
        round.results_withheld_revision = revision
    return current


def _is_fresh(round: Round, release: Release | None) -> bool:
    """Whether `release` (None: no release) is still what the round's responses allow."""
    if release is None:
        return round.results_withheld_revision == round.results_revision
    return release.checked_revision == round.results_revision


def current_release(*, round: Round) -> Release | None:
    """The release every output reads: one query while nothing changed."""
    current = Release.objects.filter(round=round, is_current=True).first()
    if _is_fresh(round, current):
        return current
    return round_release_refresh(round=round)


def release_mark_shown(*, release: Release, groups: bool, now: datetime | None = None) -> bool:
    """Records that `release` (and, with `groups`, its groups' figures) is
    being shown, under the round's lock so that it cannot be replaced
    unseen meanwhile. False when it was replaced first: read again."""
    fields: dict[str, object] = {}
    now = now or timezone.now()
    if release.shown_at is None:
        fields["shown_at"] = now
    if groups and release.groups_shown_at is None:
        fields["groups_shown_at"] = now
    if not fields:
        return True
    with transaction.atomic():
        Round.objects.select_for_update().filter(pk=release.round_id).values_list("pk", flat=True).get()
        if not Release.objects.filter(pk=release.pk, is_current=True).update(**fields):
            return False
    for name, value in fields.items():
        setattr(release, name, value)
    return True


def release_to_show(*, round: Round, groups: bool | None = None) -> Release | None:
    """The current release, recorded as shown (with its groups, by default
    once the round has closed) before anyone reads it."""
    groups = round.status == RoundStatus.CLOSED if groups is None else groups
    release = current_release(round=round)
    while release is not None and not release_mark_shown(release=release, groups=groups):
        release = round_release_refresh(round=round)
    return release


def releases_to_show(*, rounds: Sequence[Round]) -> dict[int, Release]:
    """Round id → the current release of each round that has one, recorded
    as shown, for the team figures of many rounds (history, overview): one
    query while none of them changed or was first shown."""
    current = {
        release.round_id: release
        for release in Release.objects.filter(round__in=[round_.pk for round_ in rounds], is_current=True)
    }
    releases = {}
    # In id order: a request may lock several rounds, and every request locks them in the same order.
    for round_ in sorted(rounds, key=lambda round_: round_.pk):
        release = current.get(round_.pk)
        if not _is_fresh(round_, release) or (release is not None and release.shown_at is None):
            release = release_to_show(round=round_, groups=False)
        if release is not None:
            releases[round_.pk] = release
    return releases
