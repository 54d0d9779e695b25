from __future__ import annotations

from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "karpear.documents"
    label = "documents"
    verbose_name = "Terms, code of conduct and privacy notice that children can read"
