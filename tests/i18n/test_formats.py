"""Numbers, money, percentages and days as each language writes them (``portal.l10n``, CLDR via Babel)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from portal import l10n

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.mark.parametrize(
    ("language", "qty", "money_eur", "money_usd", "pct", "day", "long_day"),
    [
        ("en", "1,234.5", "€1,234.50", "US$1,234.50", "12.5%", "20 Dec 2026", "20 December 2026"),
        ("de", "1.234,5", f"1.234,50{NBSP}€", f"1.234,50{NBSP}$", f"12,5{NBSP}%", "20.12.2026", "20. Dezember 2026"),
        (
            "fr",
            f"1{NNBSP}234,5",
            f"1{NNBSP}234,50{NBSP}€",
            f"1{NNBSP}234,50{NBSP}$US",
            f"12,5{NBSP}%",
            "20 déc. 2026",
            "20 décembre 2026",
        ),
        (
            "es",
            "1.234,5",
            f"1.234,50{NBSP}€",
            f"1.234,50{NBSP}US$",
            f"12,5{NBSP}%",
            "20 dic 2026",
            "20 de diciembre de 2026",
        ),
    ],
)
def test_each_language_writes_numbers_and_days_its_way(language, qty, money_eur, money_usd, pct, day, long_day):
    with translation.override(language):
        assert l10n.qty(Decimal("1234.5000")) == qty
        assert l10n.money(Decimal("1234.5"), "EUR") == money_eur
        assert l10n.money("1234.5", "usd") == money_usd
        assert l10n.pct(12.5) == pct
        assert l10n.day(dt.date(2026, 12, 20)) == day
        assert l10n.day(dt.date(2026, 12, 20), "long") == long_day


def test_places_grouping_and_what_is_no_number():
    with translation.override("de"):
        assert l10n.num(Decimal("1234567.891"), 2) == "1.234.567,89"
        assert l10n.num(3, 0) == "3"
        assert l10n.qty("0.0001") == "0,0001"
        assert l10n.qty(Decimal("99999999999.9999")) == "99.999.999.999,9999"
        assert l10n.qty(None) == "" and l10n.qty("") == ""
        assert l10n.qty("n/a") == "n/a" and l10n.qty("NaN") == "NaN" and l10n.qty(True) == "True"
        assert l10n.money(5, "") == "5,00" and l10n.money(5, "€€€") == "5,00"
        assert l10n.day(None) == "" and l10n.day("2026-12-20") == "2026-12-20"


def test_an_instant_is_the_viewers_wall_time_with_its_zone():
    moment = dt.datetime(2026, 12, 20, 8, 0, tzinfo=dt.UTC)
    with translation.override("de"), timezone.override("Europe/Berlin"):
        assert l10n.instant(moment) == "20.12.2026 09:00 CET"
    with translation.override("en"), timezone.override("America/Los_Angeles"):
        assert l10n.instant(moment) == "20 Dec 2026 00:00 PST"
    with translation.override("fr"), timezone.override("Europe/Paris"):
        assert l10n.instant(dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)) == "1 juil. 2026 10:00 CEST"


def test_the_template_filters_follow_the_active_language():
    template = Template(
        "{% load portal_l10n portal_dates %}{{ q|qty }}|{{ m|money:'EUR' }}|{{ d|day }}|{{ p|pct }}|{{ t|instant }}"
    )
    context = Context(
        {
            "q": Decimal("2500.25"),
            "m": Decimal("10"),
            "d": dt.date(2027, 1, 5),
            "p": Decimal("3"),
            "t": dt.datetime(2027, 1, 5, 23, 30, tzinfo=dt.UTC),
        }
    )
    with translation.override("fr"), timezone.override("UTC"):
        assert template.render(context) == f"2{NNBSP}500,25|10,00{NBSP}€|5 janv. 2027|3{NBSP}%|5 janv. 2027 23:30 UTC"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("de-CH,de;q=0.9", "de"),
        ("pt-BR, es;q=0.4", "es"),
        ("*", None),
        ("", None),
        ("x" * 5000, None),
        ("fr;q=0.1, en;q=0.9", "en"),
    ],
)
def test_the_browsers_language(rf, header, expected):
    assert l10n.language_from_header(rf.get("/", HTTP_ACCEPT_LANGUAGE=header)) == expected
