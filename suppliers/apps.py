from django.apps import AppConfig


class SuppliersConfig(AppConfig):
    name = "suppliers"

    def ready(self) -> None:
        from portal.signals import member_scope_changed
        from suppliers import entries  # noqa: F401  (registers its navigation, dashboard cards, date rules)
        from suppliers.api import registration as api_registration
        from suppliers.services import po_changes

        # A scope change (grants, a membership or partner off or on) recounts the cached PO counts at once.
        member_scope_changed.connect(_recount, dispatch_uid="suppliers-po-counts")
        po_changes.register_reactions()  # what the pull hands off (integrations.handoffs)
        api_registration.register()  # token scopes, routes and schema enum names


def _recount(sender, *, tenant_id: int, **kwargs) -> None:
    from suppliers.selectors import po_counts_changed

    po_counts_changed(tenant_id)
