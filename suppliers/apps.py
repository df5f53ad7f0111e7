from django.apps import AppConfig


class SuppliersConfig(AppConfig):
    name = "suppliers"

    def ready(self) -> None:
        from suppliers import entries  # noqa: F401  (registers its navigation, dashboard cards, date rules)
        from suppliers.api import registration as api_registration
        from suppliers.services import po_changes

        po_changes.register_reactions()  # what the pull hands off (integrations.handoffs)
        api_registration.register()  # token scopes, routes and schema enum names
