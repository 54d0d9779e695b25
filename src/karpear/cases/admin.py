"""Admin for the editable directories and settings of the desk (not case content)."""

from django.contrib import admin

from karpear.cases.models import ReferralService, SlaPolicy


@admin.register(ReferralService)
class ReferralServiceAdmin(admin.ModelAdmin[ReferralService]):
    list_display = ["name_en", "phone", "organisation", "active"]
    list_filter = ["organisation", "active"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin[SlaPolicy]):
    list_display = ["organisation", "category", "review_minutes", "action_minutes"]
