from django.contrib import admin

from kineco2.structures.models import (
    Coordinator,
    FinessEstablishment,
    MemberPractice,
    OtherProfessional,
    SharedPremises,
    Structure,
)


class CoordinatorInline(admin.TabularInline):
    model = Coordinator
    extra = 0
    raw_id_fields = ("user",)


class MemberInline(admin.TabularInline):
    model = MemberPractice
    extra = 0
    raw_id_fields = ("practice",)


class ProfessionalInline(admin.TabularInline):
    model = OtherProfessional
    extra = 0


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "commune_name", "departement", "finess")
    list_filter = ("kind",)
    search_fields = ("name", "commune_name", "finess")
    inlines = (CoordinatorInline, MemberInline, ProfessionalInline)


@admin.register(SharedPremises)
class SharedPremisesAdmin(admin.ModelAdmin):
    list_display = ("structure", "reference_year", "updated_at")


@admin.register(FinessEstablishment)
class FinessAdmin(admin.ModelAdmin):
    list_display = ("finess", "name", "kind", "commune_name", "departement")
    list_filter = ("kind",)
    search_fields = ("finess", "name", "commune_name")
