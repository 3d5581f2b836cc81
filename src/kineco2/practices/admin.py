from django.contrib import admin

from kineco2.practices.models import Assessment, Invitation, Membership, Practice, ResultSnapshot


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):
    list_display = ("name", "commune_name", "region_name", "practitioners", "practice_mode")
    list_filter = ("practice_mode", "territory", "region_name")
    search_fields = ("name", "commune_name")
    inlines = [MembershipInline]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ("practice", "reference_year", "level", "completed_at", "updated_at")
    list_filter = ("level", "reference_year")
    search_fields = ("practice__name",)


@admin.register(ResultSnapshot)
class ResultSnapshotAdmin(admin.ModelAdmin):
    list_display = (
        "assessment",
        "total_kgco2e",
        "per_session_kgco2e",
        "factors_version",
        "computed_at",
    )
    list_filter = ("factors_version",)


admin.site.register(Invitation)
