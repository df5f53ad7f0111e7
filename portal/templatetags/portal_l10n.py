"""Numbers, money and days on pages, emails and PDFs, as the active language writes them (``portal.l10n``).

- ``{{ line.product_qty|qty }}``: en 1,234.5 / de 1.234,5 / fr 1 234,5 (up to 4 decimals);
- ``{{ score|num:1 }}``: exactly one decimal; ``{{ x|num }}``: as many as it has;
- ``{{ po.amount_total|money:po.currency }}``: en €1,234.50 / de 1.234,50 €;
- ``{{ rate|pct }}``: a value in percent, en 12.5% / de 12,5 %;
- ``{{ asn.ship_date|day }}``: en 20 Dec 2026 / de 20.12.2026 / fr 20 déc. 2026; ``|day_long``.

Never for values machines read (inputs of type date, data attributes, CSV, API): those stay ISO.
"""

from __future__ import annotations

from django import template

from portal import l10n

register = template.Library()


@register.filter
def qty(value) -> str:
    return l10n.qty(value)


@register.filter
def num(value, places=None) -> str:
    return l10n.num(value, None if places in (None, "") else places)


@register.filter
def money(value, currency=None) -> str:
    return l10n.money(value, currency)


@register.filter
def pct(value, places=2) -> str:
    return l10n.pct(value, int(places))


@register.filter
def day(value) -> str:
    return l10n.day(value)


@register.filter
def day_long(value) -> str:
    return l10n.day(value, "long")


@register.filter
def plural_n(value) -> int:
    """The integer that picks a plural form for ``value`` in ``{% blocktranslate count n=x|plural_n %}``
    (gettext takes integers only): the value when it is whole, else 2, since a fraction reads as plural
    ("1.5 points", "23.2 points"). Print the value itself with ``|num``."""
    number = l10n._decimal(value)
    if number is None:
        return 0
    number = abs(number)
    return int(number) if number == number.to_integral_value() else 2
