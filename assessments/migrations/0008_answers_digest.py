"""Each response keeps the digest of its answers, so that comparing a round's
responses with its releases reads no rating; then the first release of every
closed round (SPEC §5.1), recorded as shown: people have read these results
already, so what they read stays, and any later change must reach k before
it shows. Rounds that the rules allow no release (fewer than k respondents,
or 1 to k − 1 of them online beside paper forms) show no figures from now on.

Both steps run the application's own code rather than the historical
models: the digests and figures must be exactly those every output computes.
So they read the models as they are when this runs; a later migration that
changes Round, Response, Rating or the release models must come after this
one has been applied (it is, on every database migrated in order). On a
database where 0007 made the releases already, they are still current and
stay as they are."""

from django.db import migrations, models


def digests_and_first_releases(apps, schema_editor):
    from assessments.models import Response, Round, RoundStatus
    from assessments.results.releases import answers_digests_refresh, release_to_show

    answers_digests_refresh(responses=Response.objects.filter(submitted_at__isnull=False))
    for round_ in Round.objects.filter(status=RoundStatus.CLOSED).order_by("pk"):
        release_to_show(round=round_)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0007_first_releases"),
    ]

    operations = [
        migrations.AddField(
            model_name="response",
            name="answers_digest",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(digests_and_first_releases, migrations.RunPython.noop),
    ]
