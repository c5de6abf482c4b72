import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def names_known_so_far(apps, schema_editor):
    """Until now a person's one name was shown to every organization they
    belong to, and who wrote it is not recorded: each of those organizations
    keeps it as its own, so no page changes, and from now on what one
    organization types is seen by it alone."""
    Membership = apps.get_model("convening", "Membership")
    PersonName = apps.get_model("convening", "PersonName")
    pairs = (
        Membership.objects.exclude(user__name="")
        .values_list("organization_id", "user_id", "user__name")
        .distinct()
        .order_by("organization_id", "user_id")
    )
    batch = []
    for organization_id, user_id, name in pairs.iterator(chunk_size=5000):
        batch.append(PersonName(organization_id=organization_id, user_id=user_id, name=name))
        if len(batch) == 5000:
            PersonName.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    PersonName.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("convening", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="PersonName",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="person_names",
                        to="convening.organization",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="names_known",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "name in an organization",
                "verbose_name_plural": "names in organizations",
                "constraints": [
                    models.UniqueConstraint(fields=("organization", "user"), name="person_name_unique"),
                    models.CheckConstraint(
                        condition=models.Q(("name", ""), _negated=True), name="person_name_not_empty"
                    ),
                ],
            },
        ),
        migrations.RunPython(names_known_so_far, migrations.RunPython.noop),
    ]
