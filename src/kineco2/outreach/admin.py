from django.contrib import admin

from kineco2.outreach.models import (
    FaqEntry,
    NewsItem,
    Subscriber,
    SupportRequest,
    Webinar,
    WebinarQuestion,
    WebinarRegistration,
)


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("email", "first_name", "last_name", "region_name", "status", "confirmed_at")
    list_filter = ("status", "region_name")
    search_fields = ("email", "last_name")
    readonly_fields = ("consent_text", "consent_at", "confirmed_at", "unsubscribed_at")
    exclude = ("confirm_nonce",)


@admin.register(NewsItem)
class NewsItemAdmin(admin.ModelAdmin):
    list_display = ("title", "audience", "region_name", "status", "sent_at", "recipients")
    list_filter = ("status", "audience")


class RegistrationInline(admin.TabularInline):
    model = WebinarRegistration
    extra = 0


class QuestionInline(admin.StackedInline):
    model = WebinarQuestion
    extra = 0


@admin.register(Webinar)
class WebinarAdmin(admin.ModelAdmin):
    list_display = ("title", "starts_at", "region_name")
    inlines = [RegistrationInline, QuestionInline]


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = ("question", "webinar", "published")
    list_filter = ("published",)


@admin.register(SupportRequest)
class SupportRequestAdmin(admin.ModelAdmin):
    list_display = ("practice", "region_name", "status", "assigned_to", "created_at")
    list_filter = ("status", "region_name")
