"""Gunicorn settings, read from the working directory at start-up (production
and .ci/run). Everything a deployment tunes comes from the environment."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:" + os.environ.get("PORT", "8000"))
# Sync workers: the views are short and CPU-bound; the usual rule of thumb for those.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
# Longer than any page should ever take, short enough that a stuck worker is replaced before a proxy gives up.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Behind a load balancer that keeps connections alive, a few seconds saves a TCP handshake per request.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycling workers bounds the damage of any slow memory leak; the jitter keeps them from restarting together.
# Not too often: at 1,000 a busy worker restarted every few seconds, and each restart re-imported Django
# (~1 s of CPU), a measurable share of a 2-core server's time under load (docs/performance.md).
max_requests = 10000
max_requests_jitter = 1000
# Workers are forked from a master that has imported the application: a restart costs a fork, not an
# import, and the workers share the imported code's memory. Django opens no connection at import time.
preload_app = True
# Container filesystems can be slow for the heartbeat file that the master watches; memory is not.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 — gunicorn's documented advice
accesslog = "-"
# gunicorn's default line, then the request's id (X-Request-ID), by which the application's lines of that request
# are found.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s'
# Personal and password-reset links carry secrets in their path: the access log shows them masked.
logger_class = "convening.access_log.TokenMaskingLogger"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Several instances run side by side and are managed by the orchestrator; a control socket in $HOME would be
# shared between them and needs a writable home directory that a container user may not have.
control_socket_disable = True
