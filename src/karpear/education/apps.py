from django.apps import AppConfig


class EducationConfig(AppConfig):
    name = "karpear.education"
    default_auto_field = "django.db.models.BigAutoField"
