from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.core.management.base import BaseCommand, CommandError
from kombu.exceptions import OperationalError
from kombu.utils.url import maybe_sanitize_url

from convening.celery import app
from convening.tasks import ping


class Command(BaseCommand):
    help = "Sends a ping task through the broker and waits for a Celery worker to answer it."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=30.0, help="Seconds to wait for the answer.")

    def handle(self, *args, timeout: float, **options):
        if app.conf.task_always_eager:
            # An eager task runs right here, so its success would prove nothing about any worker.
            raise CommandError("CELERY_BROKER_URL is not set: tasks run in-process and there is no worker to check.")
        # Sanitized, so that a broker password never ends up in a CI log.
        broker = maybe_sanitize_url(app.conf.broker_url)
        # Checked first because publishing to a dead broker would retry for a long time before failing.
        try:
            with app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=5)
        except OperationalError as error:
            raise CommandError(f"Cannot reach the broker at {broker}: {error}") from None
        try:
            answer = ping.apply_async().get(timeout=timeout)
        except CeleryTimeoutError:
            raise CommandError(
                f"No Celery worker answered the ping within {timeout:g} s: is a worker running against "
                f"the broker at {broker}, and is the result backend reachable?"
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Worker {answer['pong']} answered the ping."))
