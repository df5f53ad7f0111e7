"""The tenant's supplier collaboration rules in a template: ``{% with rules=tenant|collaboration_rules %}``."""

from __future__ import annotations

from django import template

from suppliers.models import CollaborationRules, rules_for

register = template.Library()


@register.filter
def collaboration_rules(tenant) -> CollaborationRules:
    """The tenant's rules, or the defaults while its admin has not saved any (``rules_for``)."""
    return rules_for(tenant)
