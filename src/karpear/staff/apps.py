from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "karpear.staff"
    label = "staff"
    verbose_name = "Staff"
