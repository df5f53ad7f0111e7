from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "quality"

    def ready(self) -> None:
        from quality import entries  # noqa: F401  (registers its dashboard cards)
