"""Reviewer r1's attempts to break the scorecard pages as their users would: odd query strings, hostile
form values, the wrong role or partner, another tenant's ids, a tenant west of UTC at a month's turn.
Each test is one kind of input; a fault found here is fixed in the page (or marked xfail where it is not
the pages' to fix)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse

from quality.models import QualityRules, Standing
from quality.scorecards import catalogue
from tests.conftest import login
from tests.quality import test_scorecard_pages as pages_tests
from tests.quality import test_scorecard_rules_page as rules_tests
from tests.quality.test_scorecard_rules_page import form_data, rows_of, state

# The fixtures of the pages' and the rules page's own tests: their scene, and the re-scoring tasks caught.
scene = pages_tests.scene
queued = rules_tests.queued

pytestmark = pytest.mark.django_db

# Strings that pass ``str.isdigit`` but are not numbers ``int`` reads ("²", "①"), Unicode digits it does
# read ("١٢"), signs, blanks, huge and NUL.
ODD_NUMBERS = ["-1", "0", "9999", "99999999999999999999999", "²", "①", "١٢", "12abc", " 12", "", "1e3", "nan"]


def get(membership, url, params=None):
    return login(Client(), membership).get(url, params or {})


@pytest.mark.parametrize("value", ODD_NUMBERS)
def test_the_drill_takes_any_months_value_without_an_error(world, scene, value):
    url = reverse("scorecard_drill", args=["alpha", world.p1.pk, "otd"])
    assert get(world.a_buyer, url, {"months": value}).status_code == 200


@pytest.mark.parametrize("value", ODD_NUMBERS)
def test_the_ranking_takes_any_standing_value_without_an_error(world, scene, value):
    url = reverse("scorecard_ranking", args=["alpha"])
    assert get(world.a_buyer, url, {"standing": value}).status_code == 200


@pytest.mark.parametrize("value", [*ODD_NUMBERS, "x" * 5000, "%", "_", "'; drop table x; --"])
def test_the_ranking_takes_any_text_filter_without_an_error(world, scene, value):
    url = reverse("scorecard_ranking", args=["alpha"])
    for name in ("q", "category", "buyer", "sort"):
        assert get(world.a_buyer, url, {name: value}).status_code == 200, name


@pytest.mark.parametrize("value", ["0", "-1", "99999999999999999999", "abc", "²", "last"])
def test_the_ranking_pages_odd_page_numbers_without_an_error(world, scene, value):
    url = reverse("scorecard_ranking", args=["alpha"])
    assert get(world.a_buyer, url, {"page": value}).status_code in (200, 404)


@pytest.mark.parametrize("value", ["0000-01", "0001-01", "9999-12", "2026-00", "2026-13", "²²²²-01", "-1", "x" * 500])
def test_the_pdf_takes_any_month_value_without_an_error(world, scene, value):
    for who, url in (
        (world.a_buyer, reverse("scorecard_report", args=["alpha", world.p1.pk])),
        (world.p1_admin, reverse("supplier_scorecard_report", args=["alpha"])),
    ):
        assert get(who, url, {"month": value}).status_code == 404


@pytest.mark.parametrize("value", ["12", "²", "-1", "99999999999999999999", "12 "])
def test_the_supplier_drill_takes_any_span_value_without_an_error(world, scene, value):
    url = reverse("supplier_scorecard_drill", args=["alpha", "otd"])
    assert get(world.p1_admin, url, {"span": value}).status_code == 200


def test_a_nul_in_any_query_is_refused_with_a_400_not_an_error(world, scene):
    for url in (
        reverse("scorecard_ranking", args=["alpha"]),
        reverse("scorecard_drill", args=["alpha", world.p1.pk, "otd"]),
    ):
        assert get(world.a_buyer, url, {"q": "a\x00b", "months": "\x00"}).status_code == 400


# --- The rules form with hostile values ---------------------------------------------------------------

RULES_URL = reverse("scorecard_rules", args=["alpha"])


def post_rules(data, membership=None, client=None):
    client = client or Client()
    return login(client, membership).post(RULES_URL, data)


@pytest.mark.parametrize("value", ["-1", "101", "1e9", "NaN", "nan", "Infinity", "-Infinity", "sNaN", "abc", "", "²",
                                   "99999999999999999999999999", "1.5", "0x10", " ", "1,5"])  # fmt: skip
@pytest.mark.parametrize("field", ["weight_otd", "target_otd", "target_ppm", "quantity_over_pct", "standing_months",
                                   "ack_target_hours", "on_time_days_early"])  # fmt: skip
def test_a_hostile_rule_value_is_an_error_next_to_its_field_and_nothing_is_saved(world, queued, field, value):
    rows = rows_of(world)
    before = state(world)
    response = post_rules(form_data(rows, **{field: value}), world.a_admin)
    if response.status_code == 302:  # a value in range after all (1.5 %, 101 PPM, 101 hours)
        assert (value, field[:6]) in {("1.5", "target"), ("1.5", "quanti"), ("101", "target"), ("101", "ack_ta")}
        assert field != "target_otd" or value != "101"
        return
    assert response.status_code == 400, (field, value)
    assert response.context["form"].errors.get(field), (field, value, response.context["form"].errors)
    assert state(world) == before and queued == []


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-1", "100.001", "1e400", "abc", "²"])
def test_a_hostile_standing_minimum_is_an_error_on_its_row(world, queued, value):
    rows = rows_of(world)
    rows[2]["min_score"] = value
    before = state(world)
    response = post_rules(form_data(rows), world.a_admin)
    assert response.status_code == 400
    assert response.context["formset"].forms[2].errors.get("min_score"), value
    assert state(world) == before


def test_a_target_written_with_an_exponent_is_kept_as_a_plain_number(world, queued):
    response = post_rules(form_data(rows_of(world), target_otd="9.5e1", target_ppm="1E3"), world.a_admin)
    assert response.status_code == 302
    from quality.models import ScorecardRules

    measures = ScorecardRules.objects.get(tenant=world.a).measures
    assert measures["otd"]["target"] == "95" and measures["ppm"]["target"] == "1000"
    html = login(Client(), world.a_admin).get(RULES_URL).content.decode()
    assert 'value="95"' in html and 'value="1000"' in html


def test_one_standing_posted_twice_under_two_rows_is_refused(world, queued):
    rows = rows_of(world)
    rows[4]["id"] = rows[3]["id"]  # Disqualified's row carries Probation's id
    before = state(world)
    response = post_rules(form_data(rows), world.a_admin)
    assert response.status_code == 400
    assert state(world) == before


def test_a_tampered_hidden_id_is_an_error_the_admin_sees(world, queued):
    rows = rows_of(world)
    data = form_data(rows)
    data["standings-1-id"] = "abc"
    response = post_rules(data, world.a_admin)
    assert response.status_code == 400
    assert "reload the page" in response.content.decode() or "Enter a whole number" in response.content.decode()


def test_another_tenants_standing_id_is_refused(world, queued):
    theirs = Standing.objects.create(tenant=world.b, name="Theirs", rank=1, min_score=0)
    rows = rows_of(world)
    rows[4]["id"] = theirs.pk
    before = state(world)
    response = post_rules(form_data(rows), world.a_admin)
    assert response.status_code == 400 and "reload the page" in response.content.decode()
    assert state(world) == before and Standing.objects.get(pk=theirs.pk).name == "Theirs"


@pytest.mark.parametrize("total", ["1000", "-1", "abc", "99999999999999999999", ""])
def test_a_thousand_standings_or_a_forged_count_is_refused_without_an_error(world, queued, total):
    rows = rows_of(world)
    data = form_data(rows)
    for i in range(5, 1000 if total == "1000" else 5):
        data.update({f"standings-{i}-name": f"S{i}", f"standings-{i}-min_score": "0"})
    data["standings-TOTAL_FORMS"] = total
    before = state(world)
    response = post_rules(data, world.a_admin)
    assert response.status_code == 400, total
    assert state(world) == before


@pytest.mark.parametrize(
    "name",
    ["Approved", "APPROVED", " approved ", "Appro\u200bved", "<script>x</script>", "x" * 61, "\u202eevil", "\t"],
)
def test_odd_standing_names(world, queued, name):
    rows = rows_of(world)
    rows[2]["name"] = name
    response = post_rules(form_data(rows), world.a_admin)
    if response.status_code == 302:
        got = Standing.objects.get(tenant=world.a, rank=3).name
        assert got == name.strip() and got.casefold() != "approved" and got.isprintable(), repr(got)
        assert "<script>x</script>" not in login(Client(), world.a_admin).get(RULES_URL).content.decode()
    else:
        assert response.status_code == 400 and response.context["formset"].forms[2].errors.get("name"), name


def test_an_empty_post_is_errors_not_an_error(world, queued):
    assert post_rules({}, world.a_admin).status_code == 400


# --- POSTs without CSRF or as the wrong role ----------------------------------------------------------


def test_posts_without_a_csrf_token_are_refused(world, scene, queued):
    detail = reverse("scorecard_detail", args=["alpha", world.p1.pk])
    for url, data in ((detail, {"action": "category", "category": "Forged"}), (detail, {"action": "recompute"}),
                      (RULES_URL, form_data(rows_of(world), weight_otd="99"))):  # fmt: skip
        client = Client(enforce_csrf_checks=True)
        assert post_rules(data, world.a_admin, client=client).status_code if url == RULES_URL else True
        response = login(client, world.a_admin).post(url, data)
        assert response.status_code == 403, url
    scene.p1.refresh_from_db()
    assert scene.p1.category == "Castings" and queued == []


@pytest.mark.parametrize("who", ["p1_admin", "p1_user", "p2_admin", "a_inspector", "b_admin", "q1_admin"])
def test_a_recompute_by_the_wrong_role_queues_nothing(world, scene, monkeypatch, who):
    from quality import tasks

    sent = []
    monkeypatch.setattr(tasks.scorecard_partner_task, "delay", lambda *args: sent.append(args))
    url = reverse("scorecard_detail", args=["alpha", world.p1.pk])
    assert login(Client(), getattr(world, who)).post(url, {"action": "recompute"}).status_code == 404
    assert sent == []


@pytest.mark.parametrize("who", ["p1_admin", "a_buyer", "b_admin"])
def test_posts_to_the_supplier_pages_change_nothing(world, scene, who):
    for url in (
        reverse("supplier_scorecard", args=["alpha"]),
        reverse("supplier_scorecard_drill", args=["alpha", "otd"]),
    ):
        assert login(Client(), getattr(world, who)).post(url, {"x": "1"}).status_code in (404, 405)


# --- A partner with no data, every measure, every role ------------------------------------------------

STAFF = ["a_admin", "a_buyer", "a_engineer"]


@pytest.mark.parametrize("who", STAFF)
def test_every_drill_of_a_partner_without_data_says_no_data(world, scene, who):
    membership = getattr(world, who)
    for key in catalogue.MEASURES:
        response = get(membership, reverse("scorecard_drill", args=["alpha", scene.p3.pk, key]))
        assert response.status_code == 200, key
        assert "No data." in response.content.decode(), key
    assert get(membership, reverse("scorecard_detail", args=["alpha", scene.p3.pk])).status_code == 200
    assert get(membership, reverse("scorecard_report", args=["alpha", scene.p3.pk])).status_code == 200


@pytest.mark.parametrize("measure", ["NOPE", "otd ", "OTD", "..", "%2e%2e", "x" * 300, "__class__", "copq."])
def test_an_unknown_measure_is_404_everywhere(world, scene, measure):
    assert get(world.a_buyer, f"/t/alpha/scorecards/{world.p1.pk}/{measure}/").status_code == 404
    assert get(world.p1_admin, f"/t/alpha/my-scorecard/{measure}/").status_code == 404


@pytest.mark.parametrize("pk", ["0", "-1", "99999999999999999999", "abc", "1.0"])
def test_odd_partner_ids_are_404(world, scene, pk):
    for path in ("", "otd/", "scorecard.pdf"):
        assert get(world.a_buyer, f"/t/alpha/scorecards/{pk}/{path}").status_code == 404, (pk, path)


@pytest.mark.parametrize("share", [False, True])
def test_every_supplier_drill_answers_and_costs_only_when_shared(world, scene, share):
    if share:
        QualityRules.objects.create(tenant=world.a, share_costs=True)
    for key in catalogue.MEASURES:
        response = get(world.p1_user, reverse("supplier_scorecard_drill", args=["alpha", key]))
        assert response.status_code == (404 if key == "copq" and not share else 200), key


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_no_supplier_page_or_document_names_another_partner(world, scene):
    theirs = ["Quarry Metals", "Silent Springs", "Riverside Plastics", "Fasteners", "100.00", "Preferred"]
    urls = [reverse("supplier_scorecard", args=["alpha"]), reverse("supplier_scorecard_report", args=["alpha"])]
    urls += [reverse("supplier_scorecard_drill", args=["alpha", key]) for key in catalogue.MEASURES if key != "copq"]
    for url in urls:
        response = get(world.p1_admin, url)
        assert response.status_code == 200, url
        body = _pdf_text(response.content) if url.endswith(".pdf") else response.content.decode()
        assert "Pinewood" in body or not url.endswith(".pdf"), url
        for name in theirs:
            assert name not in body, (url, name)
        assert "/scorecards/" not in body, url  # no link to the ranking or a staff scorecard


# --- A tenant west of UTC at the turn of a month ------------------------------------------------------

# 03:00 UTC on 1 April is 20:00 on 31 March in Los Angeles: the tenant's month is still March.
LA_NOW = dt.datetime(2026, 4, 1, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def los_angeles(world, monkeypatch):
    from django.utils import timezone

    from tests.quality.test_scorecard_pages import P1_INPUTS, _score

    monkeypatch.setattr(timezone, "now", lambda: LA_NOW)
    world.a.time_zone = "America/Los_Angeles"
    world.a.save(update_fields=["time_zone"])
    world.p1.tenant = world.a
    return _score(world.p1, P1_INPUTS)


def test_the_pages_of_a_tenant_west_of_utc_use_its_month(world, los_angeles):
    assert los_angeles.as_of == dt.date(2026, 3, 1)
    html = get(world.a_buyer, reverse("scorecard_detail", args=["alpha", world.p1.pk])).content.decode()
    assert "Scorecard over Jan 2026 \u2013 Mar 2026" in html
    drill = get(world.a_buyer, reverse("scorecard_drill", args=["alpha", world.p1.pk, "otd"]), {"months": 1})
    assert drill.context["months"] == [dt.date(2026, 3, 1)]
    report = reverse("scorecard_report", args=["alpha", world.p1.pk])
    assert get(world.a_buyer, report, {"month": "2026-04"}).status_code == 404  # April has not begun there
    assert get(world.a_buyer, report, {"month": "2026-03"}).status_code == 200
    assert 'filename="scorecard-pinewood-parts-2026-03.pdf"' in get(world.a_buyer, report)["Content-Disposition"]
    mine = get(world.p1_admin, reverse("supplier_scorecard_drill", args=["alpha", "otd"]))
    assert mine.context["months"] == [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)]


def test_a_line_due_today_in_los_angeles_is_not_late_yet(world, los_angeles):
    from tests.factories import PurchaseOrderFactory

    la = dt.timezone(dt.timedelta(hours=-7))  # PDT
    today = dt.datetime(2026, 3, 31, 9, 0, tzinfo=la)  # 16:00 UTC on the 31st: due today there
    yesterday = dt.datetime(2026, 3, 30, 21, 0, tzinfo=la)  # 04:00 UTC on the 31st: due yesterday there
    PurchaseOrderFactory(partner=world.p1, name="P-TODAY", state="purchase", lines=[{"date_planned": today}])
    PurchaseOrderFactory(partner=world.p1, name="P-YESTERDAY", state="purchase", lines=[{"date_planned": yesterday}])
    actions = get(world.p1_admin, reverse("supplier_scorecard", args=["alpha"])).context["actions"]
    assert [line.order.name for line in actions["lines"]] == ["P-YESTERDAY"]
    assert actions["lines"][0].promised == dt.date(2026, 3, 30)
