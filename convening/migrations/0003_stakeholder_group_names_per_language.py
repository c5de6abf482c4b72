from django.db import migrations, models
from django.db.models.functions import Lower

# The default groups as every organization got them (convening.models.DEFAULT_STAKEHOLDER_GROUPS, frozen here).
DEFAULT_NAMES = ["Family", "Educator", "Administrator", "Provider", "Advocate", "Other"]


def name_default_groups_in_every_language(apps, schema_editor):
    """The default groups of every organization get their names in the site's
    other languages from the message catalogue (Spanish: Familia, Educador,
    …), so that lists and imports in those languages find them. A name an
    organization gave already stays."""
    from django.conf import settings
    from django.utils import translation

    StakeholderGroup = apps.get_model("convening", "StakeholderGroup")
    others = [code for code, _label in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
    translated: dict[str, dict[str, str]] = {}
    for default in DEFAULT_NAMES:
        for code in others:
            with translation.override(code):
                name = translation.gettext(default)
            if name != default:
                translated.setdefault(default.lower(), {})[code] = name
    groups = list(StakeholderGroup.objects.annotate(name_lower=Lower("name")).filter(name_lower__in=list(translated)))
    for group in groups:
        group.names = {**translated[group.name_lower], **group.names}
    StakeholderGroup.objects.bulk_update(groups, ["names"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("convening", "0002_person_names_per_organization"),
    ]

    operations = [
        migrations.AddField(
            model_name="stakeholdergroup",
            name="names",
            field=models.JSONField(blank=True, default=dict, verbose_name="names in other languages"),
        ),
        migrations.RunPython(name_default_groups_in_every_language, migrations.RunPython.noop),
    ]
