from django.contrib import admin

from kineco2.jobs.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ("to", "subject", "category", "status", "attempts", "not_before", "sent_at")
    list_filter = ("status", "category")
    search_fields = ("to", "subject", "source")
    readonly_fields = ("attempts", "last_error", "created_at", "sent_at", "updated_at")
