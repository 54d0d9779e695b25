from django.contrib import admin

from karpear.evidence.models import Recipient


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin[Recipient]):
    """The register of law-enforcement recipients (no evidence is reachable from the admin)."""

    list_display = ["name", "agency", "organisation", "active"]
    list_filter = ["organisation", "active"]
