from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from convening.models import Organization, StakeholderGroup, Team
from rubrics.models import DESCRIPTOR_MAX_LENGTH, KeyAction, Level, Rubric

MIN_THRESHOLD = 3
DEFAULT_THRESHOLD = 5
EVIDENCE_MAX_LENGTH = DESCRIPTOR_MAX_LENGTH


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Round(models.Model):
    """One assessment round of a team: everyone invited rates every key action
    of the round's rubrics between the opening and closing dates."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="rounds")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="rounds")
    name = models.CharField(_("name"), max_length=200)
    rubrics: models.ManyToManyField[Rubric, RoundRubric] = models.ManyToManyField(
        Rubric, through="RoundRubric", related_name="rounds"
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    threshold = models.PositiveSmallIntegerField(
        _("anonymity threshold"),
        default=DEFAULT_THRESHOLD,
        help_text=_("Results of a stakeholder group with fewer respondents than this are never shown."),
    )
    share_results = models.BooleanField(
        _("share results with stakeholders"),
        default=False,
        help_text=_("After closing, invited stakeholders may see the team's aggregated results."),
    )
    results_revealed = models.BooleanField(
        _("results revealed while open"),
        default=False,
        help_text=_("Shows the results to facilitators and leads before closing, e.g. live during a meeting."),
    )
    reminder_days_before = models.PositiveSmallIntegerField(
        _("automatic reminder (days before closing)"), null=True, blank=True
    )
    status = models.CharField(_("status"), max_length=8, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Claimed by a conditional update, so the automatic reminder goes out once
    # per opening whatever the number of beat ticks or workers.
    auto_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # Moved on, in the same transaction, by every write that can change what a
    # release would hold (a submission, a revision after submitting, a paper
    # form, a withdrawal), so that reading a release needs no comparison with
    # the responses until it moves (see results.releases).
    results_revision = models.PositiveBigIntegerField(default=0)
    # The revision at which the responses allowed no release yet (too few,
    # say): until it moves, every output knows so without comparing again.
    results_withheld_revision = models.PositiveBigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(condition=Q(threshold__gte=MIN_THRESHOLD), name="round_threshold_min"),
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="round_closes_after_opening"),
            models.CheckConstraint(condition=Q(status__in=RoundStatus.values), name="round_status_valid"),
        ]
        indexes = [models.Index(fields=["status", "opens_at"]), models.Index(fields=["status", "closes_at"])]

    def __str__(self) -> str:
        return f"{self.team} — {self.name}"


class RoundRubric(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="round_rubrics")
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="round_rubrics")
    position = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["round", "position"]
        constraints = [models.UniqueConstraint(fields=["round", "rubric"], name="round_rubric_unique")]

    def __str__(self) -> str:
        return f"{self.round} · {self.rubric}"


class Invitation(models.Model):
    """A person's place in a round, with their personal link.

    The link's token is salted_hmac(SECRET_KEY, id + a random 128-bit nonce)
    (`invitations.tokens`, which also accepts SECRET_KEY_FALLBACKS) and only
    its SHA-256 hash is stored: the database alone yields no working link, yet
    every e-mail (invitation, reminders) can carry the same link without the
    token ever being stored or passed through the broker. A new nonce makes a
    new link and kills the old one."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="invitations")
    # None for a walk-in: someone in a meeting's room without an invitation,
    # who chose their group there and answers as a private respondent.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    walk_in_meeting = models.ForeignKey(
        "Meeting", null=True, blank=True, on_delete=models.SET_NULL, related_name="walk_ins"
    )
    stakeholder_group = models.ForeignKey(StakeholderGroup, on_delete=models.PROTECT, related_name="invitations")
    token_nonce = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    # The hash of the link that "Send a new link" last replaced, so that the old link can say a newer one was
    # sent instead of calling itself not valid. It opens nothing.
    replaced_token_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="invitation_unique_person"),
            # A walk-in keeps no person; an invitation of a person came from no meeting's room.
            models.CheckConstraint(
                condition=Q(user__isnull=False, walk_in_meeting__isnull=True) | Q(user__isnull=True),
                name="invitation_person_or_walk_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or _('Walk-in')} → {self.round}"

    @property
    def is_walk_in(self) -> bool:
        return self.user_id is None


class Response(models.Model):
    """Everything one respondent answered in one round: an invitee's online
    answers, or a paper form entered by a facilitator (by proxy, with a
    respondent code instead of a person)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="responses")
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.CASCADE, related_name="response"
    )
    respondent_code = models.CharField(_("respondent code"), max_length=50, blank=True)
    stakeholder_group = models.ForeignKey(StakeholderGroup, on_delete=models.PROTECT, related_name="responses")
    entered_by_proxy = models.BooleanField(_("entered by proxy"), default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The digest of the answers as submitted (or as revised since), which
    # releases compare: kept by `results.releases.results_changed`.
    answers_digest = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "respondent_code"],
                condition=~Q(respondent_code=""),
                name="response_unique_respondent_code",
            ),
            # Online answers belong to an invitation; paper answers carry a code.
            models.CheckConstraint(
                condition=Q(invitation__isnull=False, respondent_code="", entered_by_proxy=False)
                | Q(invitation__isnull=True, entered_by_proxy=True) & ~Q(respondent_code=""),
                name="response_invitation_or_paper",
            ),
        ]
        indexes = [models.Index(fields=["round", "submitted_at"])]

    def __str__(self) -> str:
        return self.respondent_code or f"{self.invitation}"


class Rating(models.Model):
    """One answer to one key action: a level or "Not sure", and evidence."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="ratings")
    key_action = models.ForeignKey(KeyAction, on_delete=models.PROTECT, related_name="ratings")
    level = models.ForeignKey(Level, null=True, blank=True, on_delete=models.PROTECT, related_name="ratings")
    not_sure = models.BooleanField(_("not sure"), default=False)
    evidence = models.TextField(_("evidence"), blank=True, max_length=EVIDENCE_MAX_LENGTH)
    # How many times each part was written: a page writes a part only over the
    # version it showed, so a stale tab or a late request never overwrites a
    # newer answer (see rating.autosave.AnswerChange).
    level_version = models.PositiveIntegerField(default=0)
    evidence_version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(fields=["response", "key_action"], name="rating_unique_per_key_action"),
            # Evidence may be saved before a level is chosen, so a row may hold
            # neither; it counts as rated once it has a level or "Not sure".
            models.CheckConstraint(condition=~Q(level__isnull=False, not_sure=True), name="rating_level_or_not_sure"),
        ]

    def __str__(self) -> str:
        return f"{self.key_action}: {self.level or (_('Not sure') if self.not_sure else '—')}"

    @property
    def is_rated(self) -> bool:
        return self.level_id is not None or self.not_sure


class MessageKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    REMINDER = "reminder", _("Reminder")
    ROUND_CLOSED = "round_closed", _("Round closed")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class SentMessage(models.Model):
    """One e-mail to one invitee, created before the send task is enqueued.
    Its row is the idempotency record: a retried or redelivered task finds it
    already sent and does nothing."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=16, choices=MessageKind.choices)
    status = models.CharField(max_length=8, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    recipient = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)
    # When its delivery was last put on the queue; pending long after that, its worker died (the beat sweep).
    queued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("sent message")
        verbose_name_plural = _("sent messages")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=MessageKind.values), name="sent_message_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=MessageStatus.values), name="sent_message_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"


class Consensus(models.Model):
    """The level a team agreed on for one key action after discussing the
    distribution. Rows are never updated: each change is a new row, so the
    history says who recorded what and when; the latest row is current."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="consensus_records")
    key_action = models.ForeignKey(KeyAction, on_delete=models.PROTECT, related_name="consensus_records")
    level = models.ForeignKey(Level, on_delete=models.PROTECT, related_name="+", verbose_name=_("agreed level"))
    rationale = models.TextField(_("rationale"), blank=True, max_length=EVIDENCE_MAX_LENGTH)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consensus")
        verbose_name_plural = _("consensus records")
        ordering = ["round", "key_action", "-recorded_at", "-pk"]
        indexes = [models.Index(fields=["round", "key_action", "-recorded_at"])]

    def __str__(self) -> str:
        return f"{self.key_action}: {self.level}"


class Release(models.Model):
    """What every output of a round shows (SPEC §5.1): the figures of its
    submitted responses at one moment, kept until enough respondents differ
    from it. `figures` holds the counts behind every figure shown (see
    `results.releases`); figures that must not be shown are never stored."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="releases")
    made_at = models.DateTimeField()
    is_current = models.BooleanField(default=True)
    # A release nobody has been shown constrains nothing and is simply replaced.
    shown_at = models.DateTimeField(null=True, blank=True)
    # Its stakeholder groups' figures, shown only once the round has closed.
    groups_shown_at = models.DateTimeField(null=True, blank=True)
    respondents = models.PositiveIntegerField()
    private = models.PositiveIntegerField()  # of them, those who answered online (not on paper)
    figures = models.JSONField()
    # The round's results_revision when the responses were last compared with
    # this release, and how many of them differed from it then.
    checked_revision = models.PositiveBigIntegerField()
    waiting = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        ordering = ["round", "-made_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["round"], condition=Q(is_current=True), name="release_one_current"),
            models.CheckConstraint(condition=Q(private__lte=F("respondents")), name="release_private_within"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.made_at:%Y-%m-%d %H:%M}"


class ReleaseMember(models.Model):
    """A response as a release counted it. The response is named by its id,
    not a foreign key, so that a response deleted since still counts as
    differing from the release instead of vanishing from it."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="members")
    response_id = models.BigIntegerField()
    group_id = models.BigIntegerField()
    private = models.BooleanField()
    # A digest of everything of the response the figures and comments read:
    # equal digests, equal contributions.
    digest = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "response_id"], name="release_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.release_id} · {self.response_id}"


class ReleaseComment(models.Model):
    """A comment (evidence) as released: the comments page shows these, so a
    comment written or changed later waits for the next release."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="comments")
    key_action_id = models.BigIntegerField()
    text = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["release", "key_action_id"])]

    def __str__(self) -> str:
        return self.text[:40]


class ActionPlan(models.Model):
    """What the team means to reach next for one key action, made in a round."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="action_plans")
    key_action = models.ForeignKey(KeyAction, on_delete=models.PROTECT, related_name="action_plans")
    target_level = models.ForeignKey(Level, on_delete=models.PROTECT, related_name="+", verbose_name=_("target level"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        constraints = [models.UniqueConstraint(fields=["round", "key_action"], name="action_plan_unique")]

    def __str__(self) -> str:
        return f"{self.key_action} → {self.target_level}"


class StepStatus(models.TextChoices):
    OPEN = "open", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class ActionStep(models.Model):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="steps")
    description = models.CharField(_("step"), max_length=500)
    owner = models.CharField(_("owner"), max_length=200, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=StepStatus.choices, default=StepStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("action step")
        verbose_name_plural = _("action steps")
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=StepStatus.values), name="action_step_status_valid"),
        ]

    def __str__(self) -> str:
        return self.description


class ReportKind(models.TextChoices):
    ROUND_PDF = "round_pdf", _("Round report (PDF)")


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Being made")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ReportExport(models.Model):
    """A report made in the background (a worker), with the progress its page
    shows. The row is the idempotency record: a redelivered task finds it done
    and does not make the file again."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="report_exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ReportKind.choices, default=ReportKind.ROUND_PDF)
    status = models.CharField(_("status"), max_length=8, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    file = models.FileField(_("file"), upload_to="reports/", blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When it was last queued, claimed or moved on by a worker: waiting or being made long after that, its worker
    # died (the beat sweep), as a live one is stopped at the task's time limit.
    heartbeat_at = models.DateTimeField(default=timezone.now)
    # Workers that took it on: a report that kills its worker again and again is given up.
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ReportKind.values), name="report_export_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values), name="report_export_status_valid"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_export_progress_max"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.round}"

    @property
    def is_in_progress(self) -> bool:
        return self.status in (ReportStatus.PENDING, ReportStatus.RUNNING)


MEETING_IDLE_HOURS = 4


class Meeting(models.Model):
    """A facilitator's session in the room for an open round: one live per
    round, joined by its code, paced by the facilitator (`position` in the
    round's key actions). It ends by hand, or once nothing has happened in it
    for MEETING_IDLE_HOURS. `revision` moves with every change the screens
    show, so a poll that finds it unchanged costs one query."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="meetings")
    code = models.CharField(max_length=8)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    active_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    locked = models.BooleanField(_("joining locked"), default=False)
    free_navigation = models.BooleanField(_("phones may open any key action"), default=False)
    position = models.PositiveSmallIntegerField(default=0)
    revision = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.UniqueConstraint(fields=["round"], condition=Q(ended_at__isnull=True), name="meeting_one_live"),
            models.UniqueConstraint(fields=["code"], condition=Q(ended_at__isnull=True), name="meeting_code_live"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.code}"


class MeetingReveal(models.Model):
    """One key action's figures shown in the room at once: a release of that
    key action (SPEC §5.1), kept with who it counted and a digest of each
    one's answer, so a later reveal or release of the round can be held to
    it. `counts` holds a count per level position and "not_sure"."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reveals")
    key_action = models.ForeignKey(KeyAction, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField()
    respondents = models.PositiveIntegerField()
    # response id → [group id, answered privately, digest of the answer]
    members = models.JSONField()
    counts = models.JSONField()

    class Meta:
        verbose_name = _("reveal")
        verbose_name_plural = _("reveals")
        ordering = ["made_at", "pk"]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.key_action_id}"


class MeetingSignIn(models.Model):
    """An invitee in the room who typed their e-mail address instead of opening
    their link: a one-time code goes to that address. The code is derived
    from the row and a random nonce with the secret key (`meeting.signin`),
    so neither the database nor the broker ever holds it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="sign_ins")
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=32)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)  # the task's idempotency marker
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("meeting sign-in")
        verbose_name_plural = _("meeting sign-ins")

    def __str__(self) -> str:
        return f"{self.meeting} · {self.invitation_id}"
