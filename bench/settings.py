"""The production settings plus one URL, /bench/hello/: a Django view that
does no work, through the whole middleware stack, for the load test's
ceiling. Only the bench command runs with these settings, so no deployment
ever routes that URL. (/healthz is no ceiling: it queries the database and
opens a connection to the broker on every request.)"""

from convening.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# The benchmark data generator (manage.py generate_load_data) ships with the bench, not the product.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405

# The bench collects static files apart from the checkout's own.
STATIC_ROOT = env.path("BENCH_STATIC_ROOT", default=BASE_DIR / "bench" / "results" / "static")  # noqa: F405
