"""The supplier's quality pages in German and French: the corrective actions list and "My scorecard" speak the
supplier's language (Accept-Language here), days are written the way that language writes them, and an
English page stays English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from portal import l10n
from portal.dates import tenant_today
from quality.models import ScarStep
from tests.quality.test_scar_pages import client_of, url
from tests.quality.test_scar_services import issue

pytestmark = pytest.mark.django_db


def _list_in(world, language: str) -> tuple[str, dt.date]:
    scar = issue(world)
    due = tenant_today(world.a) + dt.timedelta(days=20)
    ScarStep.objects.filter(scar=scar).update(due_date=due)
    page = client_of(world.p1_user).get(url("supplier_scar_list"), HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    return page.content.decode(), due


def test_the_corrective_actions_list_in_german(world):
    html, due = _list_in(world, "de")
    with translation.override("de"):
        day = l10n.day(due)
    assert "Korrekturmaßnahmen" in html
    assert f"Nächster Schritt: D1 Team · fällig am {day}" in html
    assert due.strftime("%d.%m.%Y") == day  # de writes 20.12.2026
    assert "Corrective actions" not in html


def test_the_corrective_actions_list_in_french(world):
    html, due = _list_in(world, "fr")
    with translation.override("fr"):
        day = l10n.day(due)
    assert "Actions correctives" in html
    assert f"Suivant : D1 Équipe · échéance le {day}" in html
    assert "Next:" not in html


def test_my_scorecard_before_the_first_run_in_german_and_english(world):
    german = client_of(world.p1_user).get(url("supplier_scorecard"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Ihre erste Lieferantenbewertung erscheint nach Ihrer ersten Lieferung." in german
    english = client_of(world.p1_user).get(url("supplier_scorecard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your first scorecard appears after your first delivery." in english
