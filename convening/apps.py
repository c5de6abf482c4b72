from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConveningConfig(AppConfig):
    name = "convening"
    verbose_name = _("Organizations, teams and people")
