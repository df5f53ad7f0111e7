from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from portal import dashboard, navigation

        navigation.register()  # portal's own entries; each app registers its own in its ready()
        dashboard.register()
