from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from karpear.evidence.models import Recipient


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin[Recipient]):
    """The register of disclosure recipients, read-only here: the lead or administrator keeps
    it on the desk (audited). No evidence is reachable from the admin."""

    list_display = ["name", "agency", "kind", "organisation", "active"]
    list_filter = ["organisation", "active", "kind"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
