from django.contrib import admin

from karpear.staff.models import StaffMember


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin[StaffMember]):
    list_display = ["user", "organisation", "role", "failed_sign_ins"]
    list_filter = ["organisation", "role"]
    readonly_fields = ["session_epoch"]
