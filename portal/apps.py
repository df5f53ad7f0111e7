from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from portal import checks, dashboard, navigation  # noqa: F401 - checks registers on import

        navigation.register()  # portal's own entries; each app registers its own in its ready()
        dashboard.register()
