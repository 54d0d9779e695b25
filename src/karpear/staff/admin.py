from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from karpear.staff.models import StaffMember


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin[StaffMember]):
    """Read-only: roles are changed on the desk, by another administrator of the same
    organisation, audited with before and after (issue #15)."""

    list_display = ["user", "organisation", "role", "failed_sign_ins"]
    list_filter = ["organisation", "role"]
    readonly_fields = ["user", "organisation", "role", "session_epoch"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
