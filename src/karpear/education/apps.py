from django.apps import AppConfig


class EducationConfig(AppConfig):
    name = "karpear.education"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from karpear.core.jobs import register_job
        from karpear.education.services import erase_expired_names

        # Names from Swipe Safe sign-in sheets, erased on schedule (issue #19, item 2).
        register_job(
            name="erase_expired_attendee_names", run=erase_expired_names, every=3600.0, erasure=True
        )
