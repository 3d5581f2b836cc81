"""Admin: moderators edit the catalogue's texts and publication, and moderate initiatives.

The fields that describe what the engine computes (posts, cost level, effort, time, scope,
version) are read-only here: they come from the data file (``sync_catalogue``).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from kineco2.ecosoins import services
from kineco2.ecosoins.models import CatalogueAction, Initiative, InitiativeStatus, PlannedAction


@admin.register(CatalogueAction)
class CatalogueActionAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "action_id",
        "cost_level",
        "effort",
        "scope_of_action",
        "published",
        "edited_by_moderator",
        "version",
        "updated_at",
    )
    list_filter = ("published", "edited_by_moderator", "cost_level", "effort", "scope_of_action")
    list_editable = ("published",)
    search_fields = ("action_id", "title", "description")
    readonly_fields = (
        "action_id",
        "version",
        "posts",
        "cost_level",
        "effort",
        "time_to_implement",
        "scope_of_action",
        "edited_by_moderator",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("action_id", "version", "published")}),
        (
            "Textes (modifiables : conservés à la prochaine synchronisation tant que la "
            "version du fichier ne change pas)",
            {"fields": ("title", "description", "saving", "safeguards", "sources")},
        ),
        (
            "Données du fichier (calcul : non modifiables ici)",
            {
                "fields": (
                    "posts",
                    "cost_level",
                    "effort",
                    "time_to_implement",
                    "scope_of_action",
                    "edited_by_moderator",
                    "updated_at",
                )
            },
        ),
    )

    def has_add_permission(self, request):
        return False  # rows come from the data file (sync_catalogue)

    def save_model(self, request, obj, form, change):
        if change and any(name in form.changed_data for name in services.TEXT_FIELDS):
            obj.edited_by_moderator = True
        super().save_model(request, obj, form, change)


@admin.register(PlannedAction)
class PlannedActionAdmin(admin.ModelAdmin):
    list_display = ("practice", "action_id", "status", "target_date", "owner", "updated_at")
    list_filter = ("status",)
    search_fields = ("practice__name", "action_id")
    raw_id_fields = ("practice", "owner")


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "sector",
        "region_name",
        "scope_of_action",
        "cost_eur",
        "status",
        "created_at",
    )
    list_filter = ("status", "sector", "scope_of_action", "time_to_implement")
    search_fields = ("title", "description", "commune_name")
    readonly_fields = ("submitted_by", "moderated_by", "moderated_at", "created_at", "updated_at")
    actions = ("publish",)

    @admin.action(description="Publier les initiatives choisies")
    def publish(self, request, queryset):
        done = 0
        for initiative in queryset.exclude(status=InitiativeStatus.PUBLIEE):
            try:
                services.initiative_moderate(
                    initiative=initiative, moderator=request.user, decision="publier", note=""
                )
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
            done += 1
        self.message_user(request, f"{done} initiative(s) publiée(s).", messages.SUCCESS)
