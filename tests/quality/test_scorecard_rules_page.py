"""The tenant's scorecard rules page (quality.views.scorecard_rules, quality.scorecards.rules_service): the
rules, each measure's weight and target and the standings, saved in one transaction by a tenant admin only,
re-scoring queued once it commits; every error next to its field, what was typed kept, nothing half-saved."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEntry
from quality.models import PartnerScore, ScorecardRules, Standing
from quality.scorecards import catalogue
from quality.scorecards.standings import standings_for
from tests.conftest import login

pytestmark = pytest.mark.django_db

URL = reverse("scorecard_rules", args=["alpha"])
SCORED = [key for key, m in catalogue.MEASURES.items() if m.scored]


def rows_of(world) -> list[dict]:
    return [
        {"id": s.pk, "name": s.name, "min_score": catalogue.plain(s.min_score), "warns": s.warns, "blocks": s.blocks}
        for s in standings_for(world.a)
    ]


def form_data(rows: list[dict], *, blank_row: bool = True, **overrides) -> dict:
    """What the page posts: the default rules and weights, ``rows`` as the standings (best first) and the
    empty row to add one, with ``overrides`` by field name."""
    data = {
        "on_time_days_early": "2",
        "on_time_days_late": "0",
        "quantity_over_pct": "5",
        "quantity_under_pct": "5",
        "ack_target_hours": "48",
        "standing_months": "3",
    }
    for key in SCORED:
        data[f"weight_{key}"] = str(catalogue.MEASURES[key].weight)
        data[f"target_{key}"] = catalogue.plain(catalogue.MEASURES[key].target)
    total = len(rows) + (1 if blank_row else 0)
    data.update(
        {
            "standings-TOTAL_FORMS": str(total),
            "standings-INITIAL_FORMS": str(sum(1 for r in rows if r.get("id"))),
            "standings-MIN_NUM_FORMS": "0",
            "standings-MAX_NUM_FORMS": "10",
        }
    )
    for i, row in enumerate(rows):
        data[f"standings-{i}-id"] = str(row["id"]) if row.get("id") else ""
        data[f"standings-{i}-name"] = row["name"]
        data[f"standings-{i}-min_score"] = row["min_score"]
        for flag in ("warns", "blocks", "DELETE"):
            if row.get(flag):
                data[f"standings-{i}-{flag}"] = "on"
    if blank_row:
        data.update(
            {f"standings-{total - 1}-id": "", f"standings-{total - 1}-name": "", f"standings-{total - 1}-min_score": ""}
        )
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def queued(monkeypatch):
    """The re-scoring tasks queued (tenant id, recompute), instead of sending them to a broker."""
    from quality import tasks

    calls = []
    monkeypatch.setattr(
        tasks.scorecards_rescore_task, "delay", lambda tenant_id, recompute=False: calls.append((tenant_id, recompute))
    )
    return calls


def post(membership, data):
    return login(Client(), membership).post(URL, data)


def state(world) -> tuple:
    rules = ScorecardRules.objects.filter(tenant=world.a).values().first()
    if rules:
        rules.pop("updated_at")
    standings = list(
        Standing.objects.filter(tenant=world.a)
        .order_by("rank")
        .values_list("pk", "name", "min_score", "warns", "blocks")
    )
    return rules, standings


def test_the_admin_sees_the_defaults_the_measures_and_the_odoo_19_note(world):
    response = login(Client(), world.a_admin).get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert [f["name"].value() for f in response.context["formset"].forms][:5] == [
        "Preferred", "Approved", "Conditional", "Probation", "Disqualified",
    ]  # fmt: skip
    assert response.context["form"]["weight_otd"].value() == 25 and "On-time delivery" in html
    assert "Odoo 19 has no blocking warning; a blocking standing shows as a warning there." in html
    assert "Cost of poor quality: weight" not in html  # not scored: no weight to give


def test_a_save_changes_rules_weights_and_standings_in_place_and_queues_the_rescoring(
    world, queued, django_capture_on_commit_callbacks
):
    rows = rows_of(world)
    approved = Standing.objects.get(tenant=world.a, name="Approved")
    PartnerScore.objects.create(
        tenant=world.a, partner=world.p1, as_of=timezone.now().date().replace(day=1), score=Decimal(80),
        standing=approved, computed_at=timezone.now(),
    )  # fmt: skip
    rows[1]["name"] = "Good"  # renamed: its partners stay in it
    rows[3]["DELETE"] = True  # Probation removed
    rows.insert(4, {"name": "Watch", "min_score": "30", "warns": True})  # added above Disqualified

    with django_capture_on_commit_callbacks(execute=True):
        response = post(world.a_admin, form_data(rows, weight_otd="30", target_otd="90", push_purchase_warning="on"))

    assert response.status_code == 302, response.content.decode()[:2000]
    standings = list(Standing.objects.filter(tenant=world.a).order_by("rank"))
    assert [(s.rank, s.name, s.min_score, s.warns) for s in standings] == [
        (1, "Preferred", 90, False),
        (2, "Good", 75, False),
        (3, "Conditional", 60, True),
        (4, "Watch", 30, True),
        (5, "Disqualified", 0, True),
    ]
    assert standings[1].pk == approved.pk and PartnerScore.objects.get(partner=world.p1).standing_id == approved.pk
    rules = ScorecardRules.objects.get(tenant=world.a)
    assert rules.measures["otd"] == {"weight": 30, "target": "90"} and rules.push_purchase_warning
    entry = AuditEntry.objects.get(action="quality.scorecard_rules_saved")
    assert set(entry.changes) == {"measures", "push_purchase_warning", "standings"}
    assert queued == [(world.a.pk, False)]  # weights and standings: rescored from the stored periods


def test_a_changed_on_time_window_recomputes_the_periods_first(world, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert post(world.a_admin, form_data(rows_of(world), on_time_days_late="1")).status_code == 302

    assert queued == [(world.a.pk, True)] and ScorecardRules.objects.get(tenant=world.a).on_time_days_late == 1


def test_saving_unchanged_rules_writes_and_queues_nothing(world, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert post(world.a_admin, form_data(rows_of(world))).status_code == 302

    assert queued == [] and not AuditEntry.objects.filter(action="quality.scorecard_rules_saved").exists()


def test_two_standings_may_swap_names(world, queued):
    rows = rows_of(world)
    rows[0]["name"], rows[1]["name"] = rows[1]["name"], rows[0]["name"]

    assert post(world.a_admin, form_data(rows)).status_code == 302

    assert list(Standing.objects.filter(tenant=world.a).order_by("rank").values_list("name", flat=True))[:2] == [
        "Approved",
        "Preferred",
    ]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda rows: rows[2].update(name=" preferred "), "name", "is the name of standing 1 already"),
        (lambda rows: rows[2].update(min_score="80"), "min_score", "Give less than 75"),
        (lambda rows: rows[4].update(min_score="10"), "min_score", "Give 0 to the last standing"),
        (lambda rows: rows[0].update(blocks=True), "blocks", "Only a standing that warns can block."),
        (lambda rows: rows[1].update(name=""), "name", "Give a name of 1 to 60 characters"),
    ],
)
def test_standings_errors_show_next_to_the_row_and_nothing_is_saved(world, queued, change, field, message):
    rows = rows_of(world)
    change(rows)
    before = state(world)

    response = post(world.a_admin, form_data(rows, weight_otd="40"))

    assert response.status_code == 400
    forms = response.context["formset"].forms
    assert any(message in " ".join(f.errors.get(field, [])) for f in forms), [f.errors for f in forms]
    assert response.context["form"]["weight_otd"].value() == "40"  # what was typed is kept
    assert state(world) == before and queued == []


def test_rules_errors_show_next_to_their_fields(world, queued):
    zero = {f"weight_{key}": "0" for key in SCORED}
    rows = rows_of(world)  # the defaults, created by the page's first look
    before = state(world)

    blocking = post(world.a_admin, form_data(rows, allow_block="on"))
    no_weight = post(world.a_admin, form_data(rows, **zero))
    out_of_range = post(world.a_admin, form_data(rows, standing_months="13", target_ppm="-1"))

    assert blocking.status_code == 400 and "turn on the warnings in Odoo first" in str(
        blocking.context["form"].errors["allow_block"]
    )
    assert no_weight.status_code == 400 and "at least one measure a weight" in no_weight.content.decode()
    assert set(out_of_range.context["form"].errors) == {"standing_months", "target_ppm"}
    assert state(world) == before and queued == []


def test_removing_every_standing_is_refused(world, queued):
    rows = [{**row, "DELETE": True} for row in rows_of(world)]

    response = post(world.a_admin, form_data(rows))

    assert response.status_code == 400 and "Keep at least one standing" in response.content.decode()
    assert Standing.objects.filter(tenant=world.a).count() == 5


@pytest.mark.parametrize("who", ["a_buyer", "a_engineer", "a_inspector", "p1_admin", "p1_user", "b_admin"])
def test_only_the_tenants_admin_reaches_the_page(world, queued, who):
    membership = getattr(world, who)
    rows = rows_of(world)
    rows[0]["name"] = "Hijacked"

    assert login(Client(), membership).get(URL).status_code == 404
    assert post(membership, form_data(rows, weight_otd="99")).status_code == 404
    assert not Standing.objects.filter(name="Hijacked").exists() and not ScorecardRules.objects.exists()


def test_the_quality_rules_page_links_the_admin_to_it_not_the_navigation(world):
    """No entry of its own in the top navigation (it wrapped an admin's to three rows at 1366 px): the
    Quality rules page leads there, for the tenant admin only (engineers read those rules, not these)."""
    rules = reverse("quality_settings", args=["alpha"])
    dashboard = login(Client(), world.a_admin).get(reverse("dashboard", args=["alpha"])).content.decode()
    admin = login(Client(), world.a_admin).get(rules).content.decode()
    engineer = login(Client(), world.a_engineer).get(rules)

    assert rules in dashboard and URL not in dashboard
    assert f'href="{URL}">Scorecard rules</a>' in admin
    assert engineer.status_code == 200 and URL not in engineer.content.decode()
