"""Quality's NCR and SCAR settings in the demo tenant: a defect code catalogue and a material review rule.

The demo's bracket is inspected for hole spacing (major) and finish (minor); the catalogue names those
defects the way a quality team would, so an NCR opened from a rejected demo lot can be coded at once.
Material review from severity major, so that returning or scrapping the demo lot asks a second person
(``admin@acme.example``) to sign, as the README's walk-through shows. Created once; a tenant that already
has rules or codes keeps them.
"""

from __future__ import annotations

from portal.models import Tenant
from quality.models import DefectClass, DefectCode, QualityRules

DEFECT_CODES = [
    ("DIM-HOLE", "Hole spacing out of tolerance", DefectClass.MAJOR),
    ("DIM-OTH", "Other dimension out of tolerance", DefectClass.MAJOR),
    ("FIN-SCR", "Scratches on the anodised finish", DefectClass.MINOR),
    ("BURR", "Burrs on cut or drilled edges", DefectClass.MINOR),
    ("MAT-CERT", "Material certificate missing or wrong", DefectClass.CRITICAL),
    ("PKG-DMG", "Packaging damaged in transit", DefectClass.MINOR),
]


def demo_quality_rules(tenant: Tenant) -> None:
    """The demo tenant's defect codes and NCR/SCAR rules, once."""
    if not DefectCode.objects.filter(tenant=tenant).exists():
        DefectCode.objects.bulk_create(
            DefectCode(tenant=tenant, code=code, description=text, defect_class=klass)
            for code, text, klass in DEFECT_CODES
        )
    QualityRules.objects.get_or_create(
        tenant=tenant, defaults={"approval_severity": DefectClass.MAJOR, "approval_value": 500}
    )
