"""Brings back into the range a round may name (assessments.dates) the
dates stored before forms enforced it. On PostgreSQL, 9999-12-31 in a zone
behind UTC was stored in year 10000, which Python cannot read: every page
showing the round answered 500. (SQLite stored none: Python's own
conversion to UTC failed before saving.) A closing date moved back stays
after the opening date, as the round's constraint wants."""

from django.db import migrations

LATEST = "2099-12-31 23:59:59+00"
EARLIEST = "2000-01-01 00:00:00+00"


def dates_in_range(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE assessments_round SET opens_at = LEAST(GREATEST(opens_at, %s::timestamptz), "
            "%s::timestamptz - interval '1 day') "
            "WHERE opens_at < %s::timestamptz OR opens_at > %s::timestamptz - interval '1 day'",
            [EARLIEST, LATEST, EARLIEST, LATEST],
        )
        cursor.execute(
            "UPDATE assessments_round SET closes_at = GREATEST(LEAST(closes_at, %s::timestamptz), "
            "opens_at + interval '1 day') WHERE closes_at > %s::timestamptz OR closes_at < %s::timestamptz",
            [LATEST, LATEST, EARLIEST],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0010_meeting_sign_ins"),
    ]

    operations = [migrations.RunPython(dates_in_range, migrations.RunPython.noop)]
