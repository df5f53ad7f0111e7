from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"

    def ready(self) -> None:
        from integrations import entries  # noqa: F401  (registers its pages, navigation, cards)
