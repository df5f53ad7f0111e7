"""The quality measures' sources and drill-downs: lots, ppm, ncrs, copq, scar, certificates.

Each source answers ``(partner id, month first day, inputs of its measure)`` for the months asked for
(``quality.scorecards.months``: calendar months in the tenant's time zone), with exactly the names of
``catalogue.INPUT_NAMES[key]``, and only for (partner, month) pairs with input rows. Each drill-down lists the
records a figure was computed from with the same predicates (the one queryset function both use). What counts,
measure by measure:

- ``lots``, ``certificates`` (``quality_inputs_lots``): original inspections, once per lot at their latest
  signed revision, in the month the lot was first signed; re-inspections are not lots and do not change the
  verdict (the original inspection's verdict is the one counted: ISO 2859-1 counts lots on original inspection,
  and a rejected lot sorted and presented again was still delivered nonconforming). Certificates: each
  certificate value of such a lot matched to a measured characteristic of its plan, compared by
  ``quality.services.certificates.certificate_disagreement``.
- ``ppm``, ``ncrs``, ``copq`` (``quality_inputs_ncrs``): received = quantity done in the partner's receipts done
  in the month; rejected = affected quantity of the lots of its NCRs opened in the month; NCRs by severity;
  cost by ``quality.services.ncrs.ncr_cost`` per currency. Cancelled NCRs are left out.
- ``scar`` (``quality_inputs_scar``): 8D steps by due date, answered on time or not, overdue ones; SCARs
  issued in the month, their days to containment (D3 accepted) and to closure. Cancelled SCARs left out.

The rules' details are in each module's docstring.
"""

from __future__ import annotations

from .quality_inputs_lots import certificates_drill, certificates_inputs, lots_drill, lots_inputs
from .quality_inputs_ncrs import copq_drill, copq_inputs, ncrs_drill, ncrs_inputs, ppm_drill, ppm_inputs
from .quality_inputs_scar import scar_drill, scar_inputs

SOURCES = {
    "lots": lots_inputs,
    "ppm": ppm_inputs,
    "ncrs": ncrs_inputs,
    "copq": copq_inputs,
    "scar": scar_inputs,
    "certificates": certificates_inputs,
}

DRILLS = {
    "lots": lots_drill,
    "ppm": ppm_drill,
    "ncrs": ncrs_drill,
    "copq": copq_drill,
    "scar": scar_drill,
    "certificates": certificates_drill,
}

__all__ = ["DRILLS", "SOURCES"]
