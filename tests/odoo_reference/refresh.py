"""Copy the shared reference's recordings here and rewrite MANIFEST.sha256.

Usage: ``python tests/odoo_reference/refresh.py <the shared odoo-reference folder>``
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
KINDS = {"odoo18": ("fields", "transcripts", "measurements"), "odoo19": ("fields", "transcripts")}


def files(root: Path) -> list[Path]:
    return sorted(
        path.relative_to(root)
        for series, kinds in KINDS.items()
        for kind in kinds
        for path in (root / series / kind).glob("*.json")
    )


def manifest(root: Path) -> str:
    return "".join(f"{hashlib.sha256((root / p).read_bytes()).hexdigest()}  {p.as_posix()}\n" for p in files(root))


def main(source: str) -> None:
    src = Path(source).resolve()
    for relative in files(src):
        (HERE / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / relative, HERE / relative)
    (HERE / "MANIFEST.sha256").write_text(manifest(HERE))


if __name__ == "__main__":
    main(sys.argv[1])
