from django.apps import AppConfig


class RegulatorConfig(AppConfig):
    """The regulator's side (issue #20; guidelines section 3): registry, submissions, requests for
    information, the sector dashboard and the public sector summary; and, on a company's side,
    the link to its regulator."""

    name = "karpear.regulator"
    default_auto_field = "django.db.models.BigAutoField"
