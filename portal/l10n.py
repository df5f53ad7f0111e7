"""Whose language a text is in, and numbers, money and dates the way that language writes them.

Language (codes of ``settings.LANGUAGES``: en, de, fr, es):

- a page: the person's own setting (``User.language``), else the first language their browser
  asks for that the portal speaks (``Accept-Language``), else the tenant's (``Tenant.language``),
  else English (``request_language``);
- an API answer: ``Accept-Language`` when it names one the portal speaks, else the token's
  partner's, else the tenant's (``portal.api``);
- an email: each recipient's own setting, else their partner's, else the tenant's (``language_of``);
- a PDF: the partner's it is for, unless the tenant chose one language for all documents
  (``document_language``);
- a note posted in Odoo: the tenant's (``tenant_language``).

Formatting follows the active language (``django.utils.translation.get_language``) through Babel's
CLDR data: "1.234,5" in German, "1 234,5" in French (a narrow no-break space groups), "1,234.5" in
English. English days read "20 Dec 2026" (CLDR's en_GB medium form), which no reader can take for
another day. The API, CSV and XLSX never use these: they keep ISO dates and dot decimals.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal, format_percent
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation.trans_real import get_supported_language_variant, parse_accept_lang_header

# The CLDR locale each portal language formats with.
_CLDR = {"en": "en_GB", "de": "de_DE", "fr": "fr_FR", "es": "es_ES"}
QTY_PLACES = 4  # a quantity's places (suppliers.quantities.QUANTITY_PLACES)


def supported(code: str | None) -> str | None:
    """``code`` as one of the portal's languages ("de-AT" -> "de"), or None."""
    if not code:
        return None
    try:
        return get_supported_language_variant(code)
    except LookupError:
        return None


def language_from_header(request) -> str | None:
    """The first language of the request's ``Accept-Language`` the portal speaks, or None."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, quality in parse_accept_lang_header(header[:1000]):
        if quality <= 0:  # q=0: "not acceptable" (RFC 9110, 12.4.2)
            continue
        if code == "*":
            break
        found = supported(code)
        if found:
            return found
    return None


def tenant_language(tenant) -> str:
    """The tenant's language (notes posted in Odoo, people without a choice), else English."""
    return supported(getattr(tenant, "language", None)) or settings.LANGUAGE_CODE


def language_of(*, user=None, partner=None, tenant=None) -> str:
    """The language to write to someone in, with no request to ask: theirs, their partner's, the tenant's."""
    for owner in (user, partner):
        found = supported(getattr(owner, "language", None))
        if found:
            return found
    if tenant is None and partner is not None:
        tenant = partner.tenant
    return tenant_language(tenant)


def request_language(request) -> str:
    """A page's language: the signed-in person's setting, the browser's, the URL's tenant's, English."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        found = supported(user.language)
        if found:
            return found
    return language_from_header(request) or tenant_language(getattr(request, "tenant", None))


def document_language(partner, tenant=None) -> str:
    """The language of a PDF for ``partner`` (None: a tenant's own document) by ``Tenant.document_language``."""
    tenant = tenant if tenant is not None else getattr(partner, "tenant", None)
    chosen = getattr(tenant, "document_language", "partner")
    if chosen and chosen != "partner":
        return supported(chosen) or tenant_language(tenant)
    return language_of(partner=partner, tenant=tenant)


def cldr_locale(language: str | None = None) -> Locale:
    code = supported(language or translation.get_language()) or settings.LANGUAGE_CODE
    return Locale.parse(_CLDR.get(code, code))


def _decimal(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def num(value, places: int | None = None) -> str:
    """A number grouped by the locale: exactly ``places`` decimals, or as many as it has (at most 4).

    A value that is no number is returned as text unchanged (never an error on a page).
    """
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    if places is None:
        pattern = "#,##0." + "#" * QTY_PLACES
    else:
        places = max(0, min(int(places), 8))
        pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(number, format=pattern, locale=cldr_locale())


def qty(value) -> str:
    """A quantity: grouped, up to 4 decimals, no trailing zeros (de "1.234,5", fr "1 234,5")."""
    return num(value)


def money(value, currency: str | None = None) -> str:
    """An amount with its currency by the locale (en "€1,234.50", de "1.234,50 €"); no currency: 2 decimals."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    code = (currency or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        return num(number, 2)
    return format_currency(number, code, locale=cldr_locale())


def pct(value, places: int = 2) -> str:
    """A percentage given in percent (12.5 -> en "12.5%", de "12,5 %"), up to ``places`` decimals."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    fraction = (number / 100).quantize(Decimal(1).scaleb(-(places + 2)))
    # The locale's own pattern (de "12,5 %" with a no-break space); decimals kept, not rounded to none.
    return format_percent(fraction, locale=cldr_locale(), decimal_quantization=False)


def day(value, form: str = "medium") -> str:
    """A calendar day: medium (en "20 Dec 2026", de "20.12.2026", fr "20 déc. 2026") or long."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if not isinstance(value, dt.date):
        return "" if value is None else str(value)
    return format_date(value, form, locale=cldr_locale())


def clock(value) -> str:
    """A wall-clock time as the locale writes it, hours and minutes ("09:00", en "09:00")."""
    if isinstance(value, dt.datetime):
        value = value.timetz()
    if not isinstance(value, dt.time):
        return "" if value is None else str(value)
    return format_time(value, "HH:mm", locale=cldr_locale())


def instant(moment: dt.datetime, zone: dt.tzinfo | None = None) -> str:
    """A moment in ``zone`` (default: the active one) as day, time and zone ("20.12.2026 09:00 CET")."""
    if not isinstance(moment, dt.datetime):
        return ""
    from portal import dates

    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=dt.UTC)
    local = dates.local(moment, zone or timezone.get_current_timezone())
    return f"{day(local.date())} {clock(local.time())} {local.tzname()}"
