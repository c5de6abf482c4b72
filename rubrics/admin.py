from django.contrib import admin

from .models import Descriptor, KeyAction, Level, Rubric


class LevelInline(admin.TabularInline):
    model = Level
    extra = 0


class KeyActionInline(admin.TabularInline):
    model = KeyAction
    extra = 0


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "version", "organization", "frozen"]
    list_filter = ["frozen", "organization"]
    search_fields = ["title", "slug"]
    inlines = [LevelInline, KeyActionInline]


class DescriptorInline(admin.TabularInline):
    model = Descriptor
    extra = 0


@admin.register(KeyAction)
class KeyActionAdmin(admin.ModelAdmin):
    list_display = ["title", "rubric", "position"]
    list_filter = ["rubric"]
    inlines = [DescriptorInline]


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = ["name", "rubric", "position"]
    list_filter = ["rubric"]


@admin.register(Descriptor)
class DescriptorAdmin(admin.ModelAdmin):
    list_display = ["__str__", "key_action", "level"]
    list_filter = ["key_action__rubric"]
