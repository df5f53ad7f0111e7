"""A person's own settings: the language they read and the time zone they see times in."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.dates import validate_time_zone
from portal.models import Membership, User
from portal.services.audit import audit_record


def user_time_zone_set(*, membership: Membership, time_zone: str) -> User:
    """Set the zone ``membership``'s person sees times in; empty follows each tenant's zone.

    Raises ``ValidationError({"time_zone": ...})`` for a name that is not an IANA zone.
    Audited in the tenant it was set from.
    """
    time_zone = (time_zone or "").strip()
    try:
        validate_time_zone(time_zone)
    except ValidationError as exc:
        raise ValidationError({"time_zone": exc.messages}) from None
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=membership.user_id)
        before = user.time_zone
        if before != time_zone:
            user.time_zone = time_zone
            user.save(update_fields=["time_zone"])
            audit_record(
                tenant=membership.tenant,
                actor=user,
                action="user.time_zone_set",
                obj=user,
                changes={"time_zone": [before or None, time_zone or None]},
            )
    return user


def user_language_set(*, membership: Membership, language: str) -> User:
    """Set the language ``membership``'s person reads pages and emails in; empty follows the browser
    (then the tenant). Raises ``ValidationError({"language": ...})`` for a language the portal does not
    speak. Audited in the tenant it was set from."""
    language = (language or "").strip()
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("The portal does not speak this language.")})
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=membership.user_id)
        before = user.language
        if before != language:
            user.language = language
            user.save(update_fields=["language"])
            audit_record(
                tenant=membership.tenant,
                actor=user,
                action="user.language_set",
                obj=user,
                changes={"language": [before or None, language or None]},
            )
    return user
