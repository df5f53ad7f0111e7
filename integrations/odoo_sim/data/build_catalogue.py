"""Compact a recorded ``fields/`` directory into the simulator's catalogue file.

The reference recordings hold one ``fields_get`` answer per model
(``odoo18/fields/<model>.json``, ``odoo19/fields/<model>.json``). The simulator
keeps them as one JSON object ``{model: {field: attributes}}`` with the
attributes it serves (``company_dependent`` and the web client's extras are
dropped), sorted keys, no spaces. Run from the repository root::

    .venv/bin/python integrations/odoo_sim/data/build_catalogue.py \\
        ../shared/odoo-reference/odoo19/fields integrations/odoo_sim/data/odoo19_fields.json

``odoo18_fields.json`` is rebuilt byte for byte the same way from ``odoo18/fields``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

KEPT = ("type", "string", "required", "readonly", "relation", "selection", "store")


def build(source: Path) -> dict[str, dict[str, dict]]:
    catalogue = {}
    for path in sorted(source.glob("*.json")):
        fields = json.loads(path.read_text())
        catalogue[path.stem] = {
            name: {key: value for key, value in attrs.items() if key in KEPT} for name, attrs in fields.items()
        }
    return catalogue


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: build_catalogue.py <recorded fields dir> <output json>\n")
        return 2
    catalogue = build(Path(argv[0]))
    Path(argv[1]).write_text(json.dumps(catalogue, sort_keys=True, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
