"""Field definitions per Odoo series: the recorded catalogue of that version plus the models it lacks.

``data/odoo18_fields.json`` and ``data/odoo19_fields.json`` are the
``fields_get`` recordings of ``shared/odoo-reference/odoo1x/fields/`` compacted
by ``data/build_catalogue.py`` (its docstring has the command). Models the
recordings lack are in ``extra_models.py``.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from .extra_models import BY_VERSION, COMMON, MODEL_DESCRIPTIONS, supplierinfo_18  # noqa: F401 (re-exported)

DATA = Path(__file__).parent / "data"
CATALOGUES = {18: DATA / "odoo18_fields.json", 19: DATA / "odoo19_fields.json"}

MAGIC = {
    "id": {"type": "integer", "string": "ID", "readonly": True, "store": True},
    "display_name": {"type": "char", "string": "Display Name", "readonly": True, "store": False},
    "create_date": {"type": "datetime", "string": "Created on", "readonly": True, "store": True},
    "write_date": {"type": "datetime", "string": "Last Updated on", "readonly": True, "store": True},
    "create_uid": {
        "type": "many2one",
        "relation": "res.users",
        "string": "Created by",
        "readonly": True,
        "store": True,
    },
    "write_uid": {
        "type": "many2one",
        "relation": "res.users",
        "string": "Last Updated by",
        "readonly": True,
        "store": True,
    },
}

# Fields that exist only when an optional module is installed (delivery).
OPTIONAL_FIELDS = {
    "delivery": {
        "stock.picking": {
            "carrier_tracking_ref": {"type": "char", "string": "Tracking Reference", "store": True},
            "carrier_id": {"type": "many2one", "relation": "delivery.carrier", "string": "Carrier", "store": True},
        }
    }
}

EMPTY_BY_TYPE = {"integer": 0, "float": 0.0, "monetary": 0.0, "one2many": [], "many2many": []}


@cache
def recorded(version: int = 18) -> dict[str, dict[str, dict[str, Any]]]:
    """The recorded fields_get answers of one Odoo series (18 or 19)."""
    return json.loads(CATALOGUES[version].read_text())


@cache
def extra_models(version: int = 18) -> dict[str, dict[str, dict[str, Any]]]:
    extra = {**COMMON, **BY_VERSION[version]}
    if version == 18:
        extra["product.supplierinfo"] = supplierinfo_18(recorded(19)["product.supplierinfo"])
    return extra


def model_fields(model: str, modules: frozenset[str] = frozenset(), version: int = 18) -> dict[str, dict[str, Any]]:
    fields = dict(recorded(version).get(model) or extra_models(version).get(model) or {})
    for module in modules:
        fields.update(OPTIONAL_FIELDS.get(module, {}).get(model, {}))
    for name, attrs in MAGIC.items():
        fields.setdefault(name, attrs)
    return fields


def known_models(version: int = 18) -> set[str]:
    return set(recorded(version)) | set(extra_models(version))


def invalid_field(model: str, name: str, version: int, *, writing: bool = False) -> str:
    """The ValueError text for a field the model lacks, as each series words it.

    19: "Invalid field 'x' on 'model'" (read) / "... in 'model'" (create, write);
    18: "Invalid field 'x' on model 'model'" (read; writes were not recorded on 18).
    """
    if version >= 19:
        return f"Invalid field '{name}' {'in' if writing else 'on'} '{model}'"
    return f"Invalid field '{name}' on model '{model}'"


def empty(ftype: str) -> Any:
    return list(EMPTY_BY_TYPE[ftype]) if ftype in ("one2many", "many2many") else EMPTY_BY_TYPE.get(ftype, False)


def format_datetime(value: datetime) -> str:
    """Odoo's wire format: naive UTC, seconds, no fraction."""
    return value.strftime("%Y-%m-%d %H:%M:%S")


def stored_datetime(value: datetime) -> str:
    """What the database keeps: microseconds included (flow 6)."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def parse_datetime(value: str) -> datetime:
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise ValueError(f"'{value}' is not a valid datetime")
