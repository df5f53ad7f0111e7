from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "quality"

    def ready(self) -> None:
        from quality import entries  # noqa: F401  (registers its dashboard cards and date rules)
        from quality.api import registration
        from quality.services import inspections

        inspections.register_reactions()  # inspections from receipts the pull finds done
        registration.register()  # the partner API's quality:read scope, routes and enum names
