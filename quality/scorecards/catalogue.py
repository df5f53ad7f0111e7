"""The scorecard's measures: what each one's inputs hold, how a figure, a score and a weighted score follow.

A period's ``inputs`` are ``{measure key: {name: number}}`` (integers, or decimals written as strings so
JSON keeps them exact); several months' inputs add up name by name (``combine``), so a rolling figure is
the figure of the summed inputs, never an average of monthly figures. A measure with no input rows in a
period is absent: "no data", neither 100 % nor 0 %.

Scores (0-100 per measure): a measure where higher is better scores ``value / target x 100``; one where
lower is better scores 100 at or below its target and ``target / value x 100`` above it (0 when the target
is 0). Both are capped at 100. The weighted score is the weight-averaged score of the scored measures that
have data; weights of measures without data are left out, not counted as 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from portal import l10n

HUNDRED = Decimal(100)
MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: str  # "%", "PPM", "count", "money"
    higher_is_better: bool
    weight: int  # default weight
    target: Decimal  # default target
    scored: bool = True
    help: str = ""


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure(
            "otd", gettext_lazy("On-time delivery"), "%", True, 25, Decimal(95),
            help=gettext_lazy(
                "Quantity received within the on-time window around the promised date (the requested date "
                "where no acknowledgement promised one)."
            ),
        ),
        Measure(
            "quantity", gettext_lazy("Quantity accuracy"), "%", True, 10, Decimal(98),
            help=gettext_lazy("PO lines whose received quantity is within the tolerance of the ordered quantity."),
        ),
        Measure(
            "ack", gettext_lazy("Acknowledgement on time"), "%", True, 10, Decimal(95),
            help=gettext_lazy("POs acknowledged within the target hours of their publication."),
        ),
        Measure(
            "asn", gettext_lazy("ASN accuracy"), "%", True, 10, Decimal(98),
            help=gettext_lazy("ASNs whose receipts matched what they announced (products, quantities, lots)."),
        ),
        Measure(
            "lots", gettext_lazy("Lot acceptance"), "%", True, 15, Decimal(98),
            help=gettext_lazy("Inspected lots accepted at incoming inspection."),
        ),
        Measure(
            "ppm", gettext_lazy("Defective parts per million"), "PPM", False, 15, Decimal(500),
            help=gettext_lazy("Nonconforming quantity per million received."),
        ),
        Measure(
            "ncrs", gettext_lazy("NCRs"), "count", False, 0, Decimal(0),
            help=gettext_lazy("Nonconformance reports opened against the partner, by severity."),
        ),
        Measure(
            "copq", gettext_lazy("Cost of poor quality"), "money", False, 0, Decimal(0), scored=False,
            help=gettext_lazy("NCR quantities at the PO price plus the handling charge, per currency."),
        ),
        Measure(
            "scar", gettext_lazy("SCAR steps on time"), "%", True, 10, Decimal(90),
            help=gettext_lazy("8D steps answered by their due date."),
        ),
        Measure(
            "certificates", gettext_lazy("Certificate accuracy"), "%", True, 5, Decimal(98),
            help=gettext_lazy("Certificate values that agreed with what incoming inspection measured."),
        ),
    )
}  # fmt: skip

# What each measure's inputs hold (the sources in delivery.py and quality_inputs.py write exactly these names).
INPUT_NAMES: dict[str, tuple[str, ...]] = {
    # receipt moves done in the month, against the promised (else requested) date of their PO line
    "otd": ("lines", "lines_on_time", "quantity", "quantity_on_time", "early", "late", "undated"),
    # PO lines whose receiving ended in the month (last done receipt), received vs ordered
    "quantity": ("lines", "accurate", "over", "under"),
    # POs published in the month (confirmed in Odoo): acknowledged within the target hours or not
    "ack": ("orders", "in_time", "acknowledged", "hours_total"),
    # ASNs whose receipts were done in the month; receipts done in the month announced before arrival
    "asn": ("asns", "accurate", "receipts", "announced_before"),
    # original inspections signed in the month (their latest revision)
    "lots": ("lots", "accepted", "rejected"),
    # received quantity (receipt moves done in the month) and nonconforming quantity (NCR lots opened in it)
    "ppm": ("received", "rejected"),
    # NCRs opened in the month, cancelled ones left out
    "ncrs": ("total", "minor", "major", "critical"),
    # NCRs opened in the month: {"EUR": "123.40"} under "by_currency" (a nested dict of decimals)
    "copq": ("by_currency",),
    # 8D steps due in the month; SCARs issued in the month: containment (D3 accepted) and closure days
    "scar": (
        "steps_due", "steps_on_time", "overdue_open", "contained", "containment_days_total", "closed",
        "closure_days_total",
    ),
    # certificate values compared with measurements in inspections signed in the month
    "certificates": ("values", "disagreeing"),
}  # fmt: skip


def _num(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, dict) or isinstance(b, dict):
        out = dict(a or {})
        for k, v in (b or {}).items():
            out[k] = _add(out.get(k), v)
        return out
    if a is None:
        return b
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    return plain(_num(a) + _num(b))


def plain(value: Decimal) -> str:
    """A decimal as JSON keeps it: no exponent, no trailing zeros."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "") else text


def format_figure(value: Decimal | None, unit: str) -> str:
    """A figure or a target as people read it, the one way pages, PDFs, emails, charts and the reasons of a
    standing (which Odoo's purchase warning shows) write it: ``"96.5 %"`` (one decimal place at most),
    ``"1,250 PPM"`` and ``"1,234"`` (counts) as whole numbers with thousands separators, ``"1,234.50 EUR"``
    (``unit`` a currency code; ``"money"`` or ``""``: the amount alone), ``"no data"`` for None.

    Rounded half up, as the stored figures are; separators and words by the active language
    (``portal.l10n``: de "96,5 %", "1.250 PPM").
    """
    if value is None:
        return _("no data")
    if unit == "%":
        return f"{l10n.num(_rounded(value, '0.1'))} %"
    if unit == "PPM":
        return f"{l10n.num(_rounded(value, '1'))} PPM"
    if unit == "count":
        return l10n.num(_rounded(value, "1"))
    text = l10n.num(_rounded(value, "0.01"), 2)
    return text if unit in ("money", "") else f"{text} {unit}"


def format_quantity(value: Decimal | str | int) -> str:
    """A quantity as the drill lists and their notes write it: thousands separators, its decimals kept
    without trailing zeros (``"14,428"``, ``"1,250.5"``)."""
    return l10n.num(_num(value) + 0)


def _rounded(value: Decimal, places: str) -> Decimal:
    rounded = Decimal(value).quantize(Decimal(places), ROUND_HALF_UP)
    return rounded + 0  # "-0" (a tiny negative rounded away) reads as "0"


def format_measure(key: str, value: str | Decimal | None) -> str:
    """A stored figure or target of measure ``key`` (a decimal string as ``figures`` keeps it, a Decimal,
    or None / "" for no data) written by ``format_figure`` with the measure's unit."""
    if value in (None, ""):
        return format_figure(None, MEASURES[key].unit)
    return format_figure(_num(value), MEASURES[key].unit)


def combine(periods: list[dict]) -> dict:
    """Several periods' ``inputs`` added up name by name; a measure absent from all stays absent."""
    out: dict[str, dict] = {}
    for inputs in periods:
        for key, values in inputs.items():
            out[key] = _add(out.get(key), values)
    return out


def complete(inputs: dict) -> dict:
    """A period's inputs with what "nothing happened" means filled in: a month with received quantity and
    no NCR has 0 NCRs and costs nothing (``copq`` with no currency), which is data, unlike a month with no
    deliveries at all."""
    if _num((inputs.get("ppm") or {}).get("received")) > 0:
        if "ncrs" not in inputs:
            inputs = {**inputs, "ncrs": {"total": 0, "minor": 0, "major": 0, "critical": 0}}
        if "copq" not in inputs:
            inputs = {**inputs, "copq": {"by_currency": {}}}
    return inputs


def _pct(part: Any, whole: Any) -> Decimal | None:
    whole = _num(whole)
    return None if whole == 0 else _num(part) * HUNDRED / whole


def value(key: str, inputs: dict) -> Decimal | None:
    """The figure of measure ``key`` from one measure's inputs; None is "no data".

    otd: % of quantity on time; quantity: % of lines accurate; ack: % of POs in time; asn: % of ASNs
    accurate; lots: % accepted; ppm: rejected / received x 1,000,000; ncrs: count; copq: None (per
    currency, see ``copq_by_currency``); scar: % of due steps answered on time; certificates: % agreeing.
    """
    if not inputs:
        return None
    if key == "otd":
        return _pct(inputs.get("quantity_on_time"), inputs.get("quantity"))
    if key == "quantity":
        return _pct(inputs.get("accurate"), inputs.get("lines"))
    if key == "ack":
        return _pct(inputs.get("in_time"), inputs.get("orders"))
    if key == "asn":
        return _pct(inputs.get("accurate"), inputs.get("asns"))
    if key == "lots":
        return _pct(inputs.get("accepted"), inputs.get("lots"))
    if key == "ppm":
        received = _num(inputs.get("received"))
        return None if received == 0 else _num(inputs.get("rejected")) * MILLION / received
    if key == "ncrs":
        return Decimal(int(inputs.get("total") or 0))
    if key == "scar":
        return _pct(inputs.get("steps_on_time"), inputs.get("steps_due"))
    if key == "certificates":
        values = _num(inputs.get("values"))
        return None if values == 0 else (values - _num(inputs.get("disagreeing"))) * HUNDRED / values
    return None


def copq_by_currency(inputs: dict) -> dict[str, Decimal]:
    """The cost of poor quality per currency code, from the ``copq`` inputs."""
    return {code: _num(v) for code, v in sorted(((inputs or {}).get("by_currency") or {}).items())}


def figures(inputs: dict) -> dict[str, str | None]:
    """``{measure key: figure as a string, or None}`` for every measure (rounded to 2 places)."""
    out: dict[str, str | None] = {}
    for key in MEASURES:
        v = value(key, inputs.get(key) or {})
        out[key] = None if v is None else plain(v.quantize(Decimal("0.01"), ROUND_HALF_UP))
    return out


def weights_targets(rules_measures: dict) -> dict[str, tuple[Decimal, Decimal]]:
    """``{key: (weight, target)}`` from a tenant's ``ScorecardRules.measures`` over the catalogue's defaults."""
    out = {}
    for key, m in MEASURES.items():
        own = (rules_measures or {}).get(key) or {}
        weight = _num(own.get("weight", m.weight)) if m.scored else Decimal(0)
        out[key] = (weight, _num(own.get("target", m.target)))
    return out


def measure_score(key: str, figure: Decimal | None, target: Decimal) -> Decimal | None:
    """0-100 for one measure (module docstring); None without data."""
    if figure is None:
        return None
    m = MEASURES[key]
    if m.higher_is_better:
        raw = HUNDRED if target <= 0 else figure * HUNDRED / target
    elif figure <= target:
        raw = HUNDRED
    else:
        raw = Decimal(0) if target <= 0 else target * HUNDRED / figure
    return min(HUNDRED, max(Decimal(0), raw)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def weighted_score(inputs: dict, rules_measures: dict) -> tuple[Decimal | None, dict[str, dict]]:
    """The weighted score of summed ``inputs`` and, per measure, ``{"value", "score", "target", "weight"}``
    (decimals as strings, None for no data) plus what ``details`` adds (the cost per currency, the NCRs by
    severity, the receipts announced before arrival). The score is None when no weighted measure has data."""
    detail: dict[str, dict] = {}
    total = weight_sum = Decimal(0)
    for key, (weight, target) in weights_targets(rules_measures).items():
        figure = value(key, inputs.get(key) or {})
        score = measure_score(key, figure, target) if MEASURES[key].scored else None
        detail[key] = {
            "value": None if figure is None else plain(figure.quantize(Decimal("0.01"), ROUND_HALF_UP)),
            "score": None if score is None else plain(score),
            "target": plain(target),
            "weight": plain(weight),
            **details(key, inputs.get(key)),
        }
        if score is not None and weight > 0:
            total += score * weight
            weight_sum += weight
    if weight_sum == 0:
        return None, detail
    return (total / weight_sum).quantize(Decimal("0.01"), ROUND_HALF_UP), detail


def details(key: str, inputs: dict | None) -> dict:
    """What a measure's figure alone does not say, kept beside it in the stored detail: ``copq``
    ``{"costs": {"EUR": "120.55"}}`` (``{}`` when it cost nothing; no "costs" without data); ``ncrs``
    ``{"severity": {"critical": 0, "major": 1, "minor": 1}}``; ``asn`` ``{"before_arrival": {"receipts": 16,
    "announced_before": 0}}`` (unscored: the issue's "ASN before arrival"). Other measures: ``{}``."""
    if not inputs:
        return {}
    if key == "copq":
        return {"costs": {code: plain(amount) for code, amount in copq_by_currency(inputs).items()}}
    if key == "ncrs":
        return {"severity": {name: int(inputs.get(name) or 0) for name in SEVERITIES}}
    if key == "asn" and int(inputs.get("receipts") or 0) > 0:
        return {"before_arrival": {n: int(inputs.get(n) or 0) for n in ("receipts", "announced_before")}}
    return {}


SEVERITIES = ("critical", "major", "minor")  # worst first, as "2 (1 major, 1 minor)" lists them
# A severity after its count ("1 major"); the stored names stay English.
SEVERITY_WORDS = {
    "critical": pgettext_lazy("NCR severity after a count", "critical"),
    "major": pgettext_lazy("NCR severity after a count", "major"),
    "minor": pgettext_lazy("NCR severity after a count", "minor"),
}


def format_costs(costs: dict | None) -> str:
    """The cost of poor quality per currency as written: ``"1,234.50 EUR, 80.00 USD"``; ``"0.00"`` when
    there was data and no cost (deliveries without NCRs); ``"no data"`` for None."""
    if costs is None:
        return format_figure(None, "money")
    return ", ".join(format_figure(_num(v), code) for code, v in sorted(costs.items())) or format_figure(
        Decimal(0), "money"
    )


def severity_text(severity: dict | None) -> str:
    """NCR counts by severity, the ones with NCRs only, worst first: ``"1 major, 1 minor"``; "" for none."""
    return ", ".join(
        f"{l10n.num(int(n))} {SEVERITY_WORDS[name]}" for name in SEVERITIES if (n := (severity or {}).get(name))
    )


def detail_parts(key: str, detail: dict | None) -> tuple[str, str]:
    """A stored measure as ``(figure, note)``: the figure (``format_measure``; for ``copq`` the cost per
    currency, ``format_costs``) and what the detail adds, "" when nothing: the NCRs' severities
    (``"1 major, 1 minor"``), the receipts announced before arrival (``"0 of 16 receipts announced before
    arrival"``). Tables put the note on a line of its own; ``format_detail`` joins them."""
    detail = detail or {}
    if key == "copq":
        return format_costs(detail.get("costs")), ""
    text = format_measure(key, detail.get("value"))
    if key == "ncrs":
        return text, severity_text(detail.get("severity"))
    if key == "asn" and (before := detail.get("before_arrival")):
        receipts = int(before.get("receipts") or 0)
        announced = int(before.get("announced_before") or 0)
        note = ngettext(
            "%(announced)s of %(receipts)s receipt announced before arrival",
            "%(announced)s of %(receipts)s receipts announced before arrival",
            receipts,
        ) % {"announced": l10n.num(announced), "receipts": l10n.num(receipts)}
        return text, note
    return text, ""


def format_detail(key: str, detail: dict | None) -> str:
    """One stored measure (an item of ``PartnerScore.figures`` / ``figures_12``) in one line, as pages,
    drills and documents write it (``detail_parts``): ``"120.55 EUR, 80.00 USD"``, ``"2 (1 major, 1 minor)"``,
    ``"66.7 % · 0 of 16 receipts announced before arrival"``, ``"81.5 %"``."""
    text, note = detail_parts(key, detail)
    if not note:
        return text
    return f"{text} ({note})" if key == "ncrs" else f"{text} · {note}"


PULLING_DOWN_MAX = 3  # how many measures "what pulls the score down" names: pages, PDF, emails, Odoo


def points_lost(detail: dict) -> list[tuple[str, Decimal]]:
    """What pulls the score down: ``[(measure key, points)]`` of the scored measures below 100, most points
    first (ties: by key), where points = (100 - score) x weight / total weight of the
    measures with data, to 0.1; they add up to 100 minus the score. A measure losing less than 0.05 points
    is left out (it would read "costs 0.0 points"). ``detail``: ``PartnerScore.figures``."""
    weighed = [
        (key, _num(item.get("score")), _num(item.get("weight")))
        for key, item in (detail or {}).items()
        if item.get("score") is not None
    ]
    total = sum((w for _, _, w in weighed if w > 0), Decimal(0))
    if total == 0:
        return []
    lost = [
        (key, ((HUNDRED - s) * w / total).quantize(Decimal("0.1"), ROUND_HALF_UP))
        for key, s, w in weighed
        if w > 0 and s < HUNDRED
    ]
    return sorted(((key, p) for key, p in lost if p > 0), key=lambda item: (-item[1], item[0]))


def worst_measure(detail: dict[str, dict]) -> str:
    """The weighted measure with data whose score is lowest (ties: the heavier weight), or ""."""
    scored = [
        (_num(d["score"]), -_num(d["weight"]), key)
        for key, d in detail.items()
        if d.get("score") is not None and _num(d["weight"]) > 0
    ]
    return min(scored)[2] if scored else ""
