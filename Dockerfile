# Convening's production image: gunicorn serving Django, static files by WhiteNoise.
# The same image runs the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000

WORKDIR /app

# Pango, HarfBuzz and a font for WeasyPrint's PDF reports.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b \
        libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so that a code change does not reinstall them. The lock pins every package, direct or not,
# with its hashes: the image gets the files CI tested, and a file changed on the index is refused.
COPY requirements.lock .
RUN pip install --require-hashes -r requirements.lock

COPY . .
# Static files are part of the image. The key only satisfies the settings during the build; it is never used.
RUN SECRET_KEY=build-only-dummy-key-never-used-at-run-time-0123456789abcdef \
    python manage.py collectstatic --no-input

# The code stays owned by root and read-only to the process that runs it; only the
# media directory (generated reports, a shared volume in docker-compose.yml) is its to write.
RUN useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin convening \
    && mkdir -p /app/media && chown convening: /app/media
USER convening

EXPOSE 8000
CMD ["gunicorn", "convening.wsgi:application"]
