from django.contrib import admin

from kineco2.panel.models import (
    Campaign,
    Candidate,
    Draw,
    PanelInvitation,
    PanelParticipation,
    PanelRole,
    Quota,
    ReviewComment,
)


@admin.register(PanelRole)
class PanelRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "region_code", "created_by", "created_at")
    list_filter = ("role", "region_code")
    search_fields = ("user__email",)
    raw_id_fields = ("user", "created_by")


@admin.register(PanelInvitation)
class PanelInvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "role", "region_code", "invited_by", "created_at", "accepted_at")
    list_filter = ("role",)
    readonly_fields = ("token_hash", "created_at", "accepted_at", "accepted_by")


class QuotaInline(admin.TabularInline):
    model = Quota
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "reference_year", "candidatures_open", "frozen_at", "drawn_at")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("frozen_at", "candidates_hash", "frozen_candidates", "seed", "drawn_at")
    inlines = [QuotaInline]


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ("ref", "campaign", "practice_name", "commune_name", "region_name", "zone")
    list_filter = ("campaign", "region_name", "size", "practice_mode", "territory_group")
    search_fields = ("ref", "practice_name", "email", "commune_name")


@admin.register(Draw)
class DrawAdmin(admin.ModelAdmin):
    list_display = ("campaign", "seed", "candidates_hash", "algorithm_version", "drawn_at")

    def has_change_permission(self, request, obj=None):  # a published draw never changes
        return False


@admin.register(PanelParticipation)
class PanelParticipationAdmin(admin.ModelAdmin):
    list_display = ("candidate", "campaign", "region_code", "status", "invited_at")
    list_filter = ("campaign", "status", "region_code")
    raw_id_fields = ("candidate", "practice", "replaces", "validated_by")


@admin.register(ReviewComment)
class ReviewCommentAdmin(admin.ModelAdmin):
    list_display = ("participation", "post_id", "author", "created_at")
