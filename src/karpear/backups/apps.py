from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "karpear.backups"
    label = "backups"
    verbose_name = "Backup and restore"

    def ready(self) -> None:
        from karpear.backups import journal

        journal.connect()  # erasures are journalled outside the database (issue #23, item 4)
