"""Proves with real Celery workers, the real Redis broker and the real database that an invitation e-mail
is delivered once when its task is retried and once when the worker process dies in the middle of the send,
pins down the one window where no mail system can promise that, and shows that work whose whole worker was
killed is finished by beat's sweep within its period, without anyone clicking.

    python tests/worker/prove_exactly_once.py

Runs with the production environment of a migrated database (DATABASE_URL, SECRET_KEY, ...). It starts a Redis
server of its own as the broker (redis-server must be installed), serves a small SMTP server, starts two workers
and beat (production's commands) whose EMAIL_URL points at it, with a short task time limit and sweep period
(TASK_TIME_LIMIT_SECONDS, STUCK_WORK_SWEEP_SECONDS below) so that the proof takes seconds, not minutes; queues
invitations and a PDF report through the real services and makes the SMTP server misbehave on cue:

  retry             the server refuses the first DATA with 451: the task retries and the mail goes out once.
  killed mid-send   the server holds the reply to DATA, the pool process doing the send gets SIGKILL: nothing was
                    accepted, its transaction dies with it, the redelivered task sends the mail once.
  killed after 250  the server accepts, then holds the reply to QUIT, the process gets SIGKILL before its commit:
                    the redelivered task sends the mail again. SMTP has no two-phase commit, so this window is
                    at-least-once by nature; both copies carry the same Message-ID, by which receivers drop the
                    repeat.
  worker killed     the server holds the reply to DATA and the whole worker (main process and pool) gets SIGKILL,
  in a stalled send as when its machine dies: its task stays unacknowledged in the broker until the visibility
                    timeout; beat's sweep finds the message pending past the time limit, another worker sends it
                    once.
  worker killed     the report's worker is held inside the build (the proof locks a table the PDF reads) and the
  making a PDF      whole worker gets SIGKILL with the report "being made": beat's sweep finds it past the time
                    limit, another worker makes it, and it is ready.

Prints what happened and PASS or FAIL; exits 1 on any failure. Stops everything it started.
"""

from __future__ import annotations

import contextlib
import email
import os
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUDGET_SECONDS = 170.0
# Short enough for a proof, long enough for a cold pool process to make a PDF within the limit.
TIME_LIMIT_SECONDS = 15
SWEEP_SECONDS = 2.0
# From the moment the work is stuck to the sweep's tick, its task's start on another worker and a PDF made.
SWEEP_SLACK_SECONDS = 10.0
START = time.monotonic()
DEADLINE = START + BUDGET_SECONDS
# How long the SMTP server holds a reply for a kill that must come much sooner.
HOLD_SECONDS = 30.0


class ProofFailed(Exception):
    pass


def log(text: str) -> None:
    print(f"[{time.monotonic() - START:5.1f}s] {text}", flush=True)


def wait_until(what: str, condition: Callable[[], object], timeout: float = 30.0) -> object:
    limit = min(time.monotonic() + timeout, DEADLINE)
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= limit:
            raise ProofFailed(f"timed out waiting for {what}")
        time.sleep(0.1)


# ---------------------------------------------------------------- the SMTP server


class MailSink(socketserver.ThreadingTCPServer):
    """Accepts mail on 127.0.0.1 and records every conversation. A mail counts as delivered only once the
    server has answered its DATA with 250, as with any real server. Each new connection takes the next fault
    from `faults` (none when it is empty)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.port = self.server_address[1]
        self.faults: deque[str] = deque()
        self.events: list[dict] = []
        self.changed = threading.Condition()

    def record(self, **event: object) -> None:
        with self.changed:
            self.events.append({"at": time.monotonic() - START, **event})
            self.changed.notify_all()

    def find(self, **fields: object) -> list[dict]:
        with self.changed:
            return [e for e in self.events if all(e.get(k) == v for k, v in fields.items())]


class SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        sink = self.server
        assert isinstance(sink, MailSink)
        with sink.changed:
            fault = sink.faults.popleft() if sink.faults else ""
        client_port = self.client_address[1]
        recipients: list[str] = []
        self.reply("220 sink ESMTP")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.reply("250-sink", "250 8BITMIME")
            elif verb == b"MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == b"RCPT":
                recipients.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == b"DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                data = self.read_data()
                to = ",".join(recipients)
                message_id = email.message_from_bytes(data)["Message-ID"]
                if fault == "refuse-data":
                    self.reply("451 4.3.0 try again later")
                    sink.record(kind="refused", to=to, message_id=message_id)
                elif fault == "hold-data":
                    sink.record(kind="holding", to=to, client_port=client_port, stage="DATA")
                    sink.record(kind="dropped" if self.client_gone() else "hold expired", to=to)
                    return
                else:
                    self.reply("250 OK queued")
                    sink.record(kind="delivered", to=to, message_id=message_id)
            elif verb == b"QUIT":
                if fault == "hold-quit":
                    to = ",".join(recipients)
                    sink.record(kind="holding", to=to, client_port=client_port, stage="QUIT")
                    sink.record(kind="gone after delivery" if self.client_gone() else "hold expired", to=to)
                    return
                self.reply("221 bye")
                return
            elif verb in (b"HELO", b"RSET", b"NOOP"):
                self.reply("250 OK")
            else:
                self.reply("502 not implemented")

    def reply(self, *lines: str) -> None:
        self.wfile.write("".join(f"{line}\r\n" for line in lines).encode())

    def read_data(self) -> bytes:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)

    def client_gone(self) -> bool:
        """Holds the reply until the client goes away (True) or HOLD_SECONDS pass (False)."""
        self.request.settimeout(HOLD_SECONDS)
        try:
            return self.request.recv(1) == b""
        except TimeoutError:
            return False


# ---------------------------------------------------------------- the broker


class PrivateRedis:
    """A redis-server of the proof's own on a free port: on a shared Redis any other worker pointed at the same
    database (a benchmark's, a colleague's) would take the proof's tasks and send its mail elsewhere."""

    def __init__(self, log_path: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ProofFailed("redis-server is not installed")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{port}/0"
        self.log_file = log_path.open("w")
        self.process = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
            + ["--dir", str(log_path.parent)],
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until("the Redis server to answer", self.answers, timeout=10)
        except ProofFailed:
            self.stop()
            raise

    def answers(self) -> bool:
        import redis

        try:
            return redis.Redis.from_url(self.url).ping()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log_file.close()


# ---------------------------------------------------------------- the worker


class Worker:
    def __init__(self, env: dict[str, str], log_path: Path, *, beat: bool = False) -> None:
        self.log_path = log_path
        self.log_file = log_path.open("w")
        self.name = f"exactly-once-{log_path.stem}-{os.getpid()}@{socket.gethostname()}"
        # Production's commands (docker-compose.yml), a worker with a node name of its own.
        if beat:
            command = ["beat", "--loglevel=INFO", "--schedule", str(log_path.with_suffix(".schedule"))]
        else:
            command = ["worker", "--loglevel=INFO", "--concurrency=2", "--hostname", self.name]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "convening", *command],
            cwd=ROOT,
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            # Its own process group, so that no pool process outlives the proof.
            start_new_session=True,
        )

    def pool_processes(self) -> list[int]:
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                # The parent pid is the second field after the parenthesized command name.
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    children.append(int(stat.parent.name))
            except (OSError, IndexError, ValueError):
                continue
        return children

    def process_with_connection_from(self, client_port: int, server_port: int) -> int | None:
        """The pool process that holds the TCP connection from `client_port` to the SMTP server."""
        wanted = None
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if int(local.split(":")[1], 16) == client_port and int(remote.split(":")[1], 16) == server_port:
                wanted = f"socket:[{inode}]"
        for pid in self.pool_processes():
            try:
                if any(os.readlink(fd) == wanted for fd in Path(f"/proc/{pid}/fd").iterdir()):
                    return pid
            except OSError:
                continue
        return None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL to the worker and its pool processes at once, as when its machine dies: no process is left
        to report the lost task, which stays unacknowledged in the broker."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.log_file.close()


# ---------------------------------------------------------------- the proof


class Proof:
    def __init__(
        self, sink: MailSink, workers: list[Worker], dead: list[Worker], start_worker: Callable[[], Worker]
    ) -> None:
        from convening import services as convening_services
        from rubrics.models import Rubric

        self.sink = sink
        self.workers = workers
        self.dead = dead
        self.start_worker = start_worker
        self.run = f"{int(time.time())}-{os.getpid()}"
        self.organization = convening_services.organization_create(name=f"Exactly-once proof {self.run}")
        self.team = convening_services.team_create(organization=self.organization, name="Mail")
        group = self.organization.stakeholder_groups.first()
        assert group is not None  # organization_create seeds the default groups
        self.group = group
        self.expected: list[tuple[str, object, int]] = []
        self.rubrics = list(Rubric.objects.filter(organization__isnull=True).order_by("slug"))

    def queue_invitation(self, label: str):
        """Invites one new person to a draft round and opens it, as a facilitator does: the round's services
        record the message and enqueue its delivery when the transaction commits."""
        from django.utils import timezone

        from assessments.invitations.services import Invitee, invitations_create
        from assessments.models import SentMessage
        from assessments.rounds.services import round_create, round_open
        from convening import services as convening_services

        member, _ = convening_services.team_member_add(
            team=self.team, email=f"{label}.{self.run}@example.org", name=label, stakeholder_group=self.group
        )
        now = timezone.now()
        # Opening in the future keeps beat's rounds_tick away from it; the round is opened by hand right after.
        round_ = round_create(
            team=self.team,
            name=label,
            rubrics=self.rubrics,
            opens_at=now + timedelta(days=1),
            closes_at=now + timedelta(days=30),
            threshold=5,
        )
        invitations_create(round=round_, invitees=[Invitee(user=member.user, stakeholder_group=self.group)])
        round_open(round=round_)
        message = SentMessage.objects.get(invitation__round=round_)
        log(f"{label}: queued SentMessage {message.pk} to {message.recipient}")
        return message

    def settle(self, message) -> None:
        """Waits for the message to be marked sent and for the broker to hold no copy of its task any more,
        after which nothing can send it again."""
        from assessments.models import MessageStatus

        wait_until(f"message {message.pk} to be marked sent", lambda: _refreshed(message).status == MessageStatus.SENT)
        wait_until("the broker to hold no task", lambda: broker_load() == (0, 0))

    def kill_the_sender(self, label: str, message, stage: str) -> float:
        from assessments.models import MessageStatus

        worker, pid = self.sender(label, message, stage)
        row = _refreshed(message)
        log(f"{label}: pool process {pid} is inside the send ({stage}); row {row.status}, {row.attempts} attempts")
        if row.status != MessageStatus.PENDING:
            raise ProofFailed(f"{label}: the row is {row.status} before the send has finished")
        killed_at = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        log(f"{label}: SIGKILL to pool process {pid} of {worker.name}")
        return killed_at

    def sender(self, label: str, message, stage: str) -> tuple[Worker, int]:
        """The worker, and its pool process, that holds the SMTP conversation of `message` at `stage`."""
        found = wait_until(f"the worker to reach {stage}", lambda: self.sink.find(kind="holding", to=message.recipient))
        holding = found[0]  # type: ignore[index]  # find() answers a list of events
        for worker in self.workers:
            pid = worker.process_with_connection_from(holding["client_port"], self.sink.port)
            if pid is not None:
                return worker, pid
        raise ProofFailed(f"{label}: no pool process of any worker holds the SMTP connection")

    def worker_log(self) -> str:
        return "\n".join(worker.log_text() for worker in self.workers)

    def replace(self, dead: Worker) -> None:
        """Another healthy worker joins, so that two are idle while the dead one's task waits in the broker."""
        self.workers.remove(dead)
        self.dead.append(dead)
        new = self.start_worker()
        log(f"worker {new.name} started beside {', '.join(w.name for w in self.workers if w is not new)}")

    def deliveries(self, message) -> list[dict]:
        return self.sink.find(kind="delivered", to=message.recipient)

    def check(self, label: str, message, *, copies: int, attempts: int) -> None:
        from assessments.models import MessageStatus

        self.expected.append((label, message, copies))
        row = _refreshed(message)
        delivered = self.deliveries(message)
        log(f"{label}: {len(delivered)} delivered, row {row.status}, {row.attempts} attempts, error {row.error!r}")
        if len(delivered) != copies:
            raise ProofFailed(f"{label}: {len(delivered)} copies reached the server, expected {copies}")
        if row.status != MessageStatus.SENT or row.attempts != attempts:
            raise ProofFailed(f"{label}: row {row.status} with {row.attempts} attempts, expected sent after {attempts}")

    def retry(self) -> None:
        label = "retry"
        self.sink.faults.append("refuse-data")
        message = self.queue_invitation(label)
        self.settle(message)
        refused = self.sink.find(kind="refused", to=message.recipient)
        if len(refused) != 1:
            raise ProofFailed(f"{label}: the server refused {len(refused)} times, expected once")
        retries = [line for line in self.worker_log().splitlines() if "retry: Retry in" in line]
        if not retries:
            raise ProofFailed(f"{label}: the worker log shows no retry")
        log(f"{label}: worker log: {retries[-1].split('] ', 1)[-1].strip()[:110]}")
        accepted = self.deliveries(message)[0]["at"]
        log(f"{label}: refused with 451, retried, accepted {accepted - refused[0]['at']:.1f}s after the refusal")
        # The refused attempt is recorded (attempts + 1), the accepted one marks the row sent.
        self.check(label, message, copies=1, attempts=2)

    def killed_mid_send(self) -> None:
        label = "killed-mid-send"
        self.sink.faults.append("hold-data")
        message = self.queue_invitation(label)
        killed_at = self.kill_the_sender(label, message, "DATA")
        self.settle(message)
        self._check_after_kill(label, message, killed_at, "dropped")
        # The killed attempt left no trace: its transaction died with its connection.
        self.check(label, message, copies=1, attempts=1)

    def killed_after_acceptance(self) -> None:
        label = "killed-after-250"
        self.sink.faults.append("hold-quit")
        message = self.queue_invitation(label)
        killed_at = self.kill_the_sender(label, message, "QUIT")
        self.settle(message)
        self._check_after_kill(label, message, killed_at, "gone after delivery")
        self.check(label, message, copies=2, attempts=1)
        ids = {d["message_id"] for d in self.deliveries(message)}
        log(f"{label}: both copies carry Message-ID {' and '.join(sorted(ids))}")
        if len(ids) != 1:
            raise ProofFailed(f"{label}: the two copies carry different Message-IDs, so no receiver can drop one")

    def _check_after_kill(self, label: str, message, killed_at: float, server_saw: str) -> None:
        # The server saw the killed process's connection close: it was the one in the conversation.
        if not self.sink.find(kind=server_saw, to=message.recipient):
            raise ProofFailed(f"{label}: the SMTP server did not see the killed connection close")
        lost = [line for line in self.worker_log().splitlines() if "WorkerLostError: " in line]
        if not lost:
            raise ProofFailed(f"{label}: the worker log does not report the lost pool process")
        log(f"{label}: worker log: {lost[-1].strip()[:110]}")
        last = self.deliveries(message)[-1]["at"] + START
        log(f"{label}: redelivered, and accepted by the server {last - killed_at:.1f}s after the kill")

    def worker_killed_in_a_stalled_send(self) -> None:
        from assessments.models import MessageStatus

        label = "worker-killed-mid-send"
        self.sink.faults.append("hold-data")
        message = self.queue_invitation(label)
        worker, pid = self.sender(label, message, "DATA")
        killed_at = time.monotonic()
        worker.kill()
        log(f"{label}: SIGKILL to the whole worker {worker.name} (pool process {pid} inside the send)")
        self.replace(worker)
        wait_until(
            f"message {message.pk} to be sent by the sweep",
            lambda: _refreshed(message).status == MessageStatus.SENT,
            timeout=TIME_LIMIT_SECONDS + SWEEP_SECONDS + SWEEP_SLACK_SECONDS,
        )
        self._within_the_sweep(label, killed_at, self.deliveries(message)[-1]["at"] + START)
        # The killed try is counted by the sweep, the next one sends it.
        self.check(label, message, copies=1, attempts=2)

    def worker_killed_making_a_pdf(self) -> None:
        import psycopg
        from django.conf import settings

        from assessments.models import ActionPlan, ReportExport, ReportStatus
        from assessments.reports.services import report_request

        label = "worker-killed-mid-pdf"
        message = self.queue_invitation(label)  # a round, and someone to ask for its report
        database = settings.DATABASES["default"]
        blocker = psycopg.connect(
            dbname=database["NAME"],
            user=database["USER"],
            password=database["PASSWORD"],
            host=database["HOST"],
            port=database["PORT"] or None,
        )
        try:
            # The report reads the round's action plans after its results: held there, "being made" at 30%.
            blocker.execute(f"LOCK TABLE {ActionPlan._meta.db_table} IN ACCESS EXCLUSIVE MODE")
            report = report_request(round=message.invitation.round, requested_by=message.invitation.user)
            wait_until(
                f"report {report.pk} to be claimed",
                lambda: ReportExport.objects.filter(pk=report.pk, status=ReportStatus.RUNNING).exists(),
            )
            builders = wait_until(
                "the worker making the report",
                # "Task …build_round_report[<id>] received"; the banner lists the task's name without an id.
                lambda: [w for w in self.workers if "build_round_report[" in w.log_text()],
            )
            worker = builders[0]  # type: ignore[index]
            wait_until("the build to wait for the locked table", lambda: _waiting_for_a_lock(blocker))
            row = ReportExport.objects.get(pk=report.pk)
            log(f"{label}: report {report.pk} is {row.get_status_display()} {row.progress}% on {worker.name}")
            killed_at = time.monotonic()
            worker.kill()
            log(f"{label}: SIGKILL to the whole worker {worker.name} making it")
        finally:
            blocker.close()  # released: the next worker can read the plans
        self.replace(worker)
        done = wait_until(
            f"report {report.pk} to be made by the sweep",
            lambda: ReportExport.objects.filter(pk=report.pk, status=ReportStatus.DONE).first(),
            timeout=TIME_LIMIT_SECONDS + SWEEP_SECONDS + SWEEP_SLACK_SECONDS,
        )
        assert isinstance(done, ReportExport)
        self._within_the_sweep(label, killed_at, time.monotonic())
        size = done.file.size
        log(f"{label}: ready after {done.attempts} attempts, {size} bytes")
        if done.attempts != 2 or size < 1000 or not done.file.open("rb").read(5) == b"%PDF-":
            raise ProofFailed(f"{label}: attempts {done.attempts}, {size} bytes: expected a PDF on the second attempt")

    def _within_the_sweep(self, label: str, killed_at: float, done_at: float) -> None:
        took = done_at - killed_at
        log(
            f"{label}: done by another worker {took:.1f}s after the kill (time limit {TIME_LIMIT_SECONDS}s, "
            f"sweep every {SWEEP_SECONDS:.0f}s, broker visibility timeout {TIME_LIMIT_SECONDS + 60}s)"
        )
        if took > TIME_LIMIT_SECONDS + SWEEP_SECONDS + SWEEP_SLACK_SECONDS:
            raise ProofFailed(f"{label}: took {took:.1f}s, longer than the time limit and the sweep's period")

    def recount(self) -> None:
        """Counts again at the end, seconds later for the first messages: still no further copy."""
        for label, message, copies in self.expected:
            if len(self.deliveries(message)) != copies:
                raise ProofFailed(f"{label}: {len(self.deliveries(message))} copies by the end, expected {copies}")
        log(f"recount at the end: {', '.join(f'{label} {copies}' for label, _, copies in self.expected)}")


def broker_load() -> tuple[int, int]:
    """Messages waiting in the default queue and messages delivered to a worker but not yet acknowledged
    (late acknowledgement: running tasks and retries waiting for their countdown)."""
    from convening.celery import app

    with app.connection_for_read() as connection:
        channel = connection.default_channel
        # Declared as the worker declares it (an idempotent step), since a passive look fails before it has.
        waiting = channel.queue_declare(queue=app.conf.task_default_queue).message_count
        return waiting, channel.client.hlen(channel.unacked_key)


def _waiting_for_a_lock(blocker) -> bool:
    """Whether some other session waits for a lock the blocker holds (the build, inside its query)."""
    row = blocker.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [blocker.info.backend_pid]
    ).fetchone()
    return bool(row and row[0])


def _refreshed(message):
    message.refresh_from_db()
    return message


def main() -> int:
    # SIGTERM (an interrupted CI run) must still reach the clean-up below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    log_dir = Path(tempfile.mkdtemp(prefix="exactly-once-"))
    broker = sink = beat = None
    workers: list[Worker] = []
    dead: list[Worker] = []
    try:
        broker = PrivateRedis(log_dir / "redis.log")
        # Read by the settings when Django starts, in this process, the workers and beat.
        os.environ.update(
            CELERY_BROKER_URL=broker.url,
            CELERY_RESULT_BACKEND=broker.url,
            TASK_TIME_LIMIT_SECONDS=str(TIME_LIMIT_SECONDS),
            STUCK_WORK_SWEEP_SECONDS=str(SWEEP_SECONDS),
            EMAIL_TIMEOUT="5",
            MEDIA_ROOT=str(log_dir / "media"),
        )
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "convening.settings")
        import django

        django.setup()
        from convening.tasks import ping

        sink = MailSink()
        threading.Thread(target=sink.serve_forever, daemon=True).start()
        log(f"SMTP server on 127.0.0.1:{sink.port}; Redis broker {broker.url} (pid {broker.process.pid})")
        worker_env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}"}

        def start_worker() -> Worker:
            worker = Worker(worker_env, log_dir / f"worker{len(workers) + len(dead) + 1}.log")
            workers.append(worker)
            return worker

        for _ in range(2):
            start_worker()
        proof = Proof(sink, workers, dead, start_worker)
        names = set()
        for _ in range(2):
            names.add(ping.apply_async().get(timeout=30)["pong"])
        if not names <= {w.name for w in workers}:
            raise ProofFailed(f"{names - {w.name for w in workers}}, not the proof's workers, answered the ping")
        for worker in workers:
            log(f"worker {worker.name} (pid {worker.process.pid}) is up with pool processes {worker.pool_processes()}")
        for scenario in (proof.retry, proof.killed_mid_send, proof.killed_after_acceptance):
            scenario()
        beat = Worker(worker_env, log_dir / "beat.log", beat=True)
        log(
            f"beat (pid {beat.process.pid}) sweeps every {SWEEP_SECONDS:.0f}s for work stuck past {TIME_LIMIT_SECONDS}s"
        )
        for scenario in (proof.worker_killed_in_a_stalled_send, proof.worker_killed_making_a_pdf):
            scenario()
        proof.recount()
    except Exception as error:  # noqa: BLE001 - any error fails the proof, with its story
        print(f"\n{type(error).__name__}: {error}")
        for process in [*dead, *workers, *([beat] if beat else [])]:
            lines = process.log_text().splitlines()[-40:]
            print(f"\n----- {process.log_path.name} ({process.log_path}) -----\n" + "\n".join(lines))
        if sink is not None:
            print("\n----- SMTP events -----\n" + "\n".join(map(str, sink.events)))
        print(f"\nFAIL after {time.monotonic() - START:.1f}s")
        return 1
    finally:
        for process in [*dead, *workers, *([beat] if beat else [])]:
            process.stop()
        if sink is not None:
            sink.shutdown()
        if broker is not None:
            broker.stop()
    shutil.rmtree(log_dir)
    print(
        f"\nPASS in {time.monotonic() - START:.1f}s: retried once and killed mid-send, each invitation was "
        "delivered exactly once; killed between acceptance and commit, it was delivered twice under one "
        "Message-ID (at-least-once, the limit of SMTP); with the whole worker killed in a stalled send and while "
        "making a PDF, beat's sweep had another worker deliver the mail once and make the report"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
