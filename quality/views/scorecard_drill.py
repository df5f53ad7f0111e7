"""A figure's drill-down for the staff: the records a measure was counted from over the standing window
(``?months=12`` for the year), the ones counted against the partner first, each linked to the page its
reader may open (a PO, an ASN, an inspection, an NCR, a SCAR; a receipt opens its PO), the link on the cell naming it.
Inspections open for inspectors and quality engineers only (their page's gate): a buyer's lot list has
no links.

Thin: ``drill.drill`` answers the rows with the same predicates the batch run counted with. Buyers,
quality engineers and tenant admins who see the partner; anyone else 404, an unknown measure 404 too.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.views.generic import TemplateView

from portal.models import Role
from portal.views.mixins import TenantViewMixin
from quality.models import scorecard_rules_for
from quality.scorecards import catalogue, drill
from quality.scorecards.selectors import score_of, scorecard_partner, window_months
from quality.services.recording import RECORDER_ROLES
from quality.views.ncr_access import NCR_READERS
from quality.views.scar_list import SCAR_READERS
from quality.views.scorecard_ranking import NAV_KEY, SCORECARD_STAFF
from suppliers.asn_views import ASN_ROLES

MONTH_CHOICES = (1, 3, 6, 12)
DRILL_LIMIT = 200
# Which staff page each kind of row opens, and who may open it (the pages' own role gates); a row whose
# page the reader may not open is plain text rather than a link to a 404.
STAFF_PAGES = {
    "po": ("po_detail", frozenset(Role.values)),
    "asn": ("asn_detail", ASN_ROLES),
    "inspection": ("inspection_detail", RECORDER_ROLES),
    "ncr": ("ncr_detail", NCR_READERS),
    "scar": ("scar_detail", SCAR_READERS),
}


def staff_links(membership, rows: list[drill.DrillRow]) -> list[tuple[str, str]]:
    """Each row's ``(URL, kind)`` of the record this staff member may open, ``("", "")`` where there is none.
    A receipt has no staff page: it opens its PO, so the kind is "po" and the link goes on the PO's name
    (``drill.link_column``). One query for all the receipts."""
    from suppliers.models import Receipt

    receipt_ids = [row.link[1] for row in rows if row.link and row.link[0] == "receipt"]
    orders = dict(
        Receipt.objects.visible_to(membership).filter(pk__in=receipt_ids).values_list("pk", "order_id")
        if receipt_ids
        else []
    )
    slug = membership.tenant.slug
    out = []
    for row in rows:
        kind, pk = row.link or ("", None)
        if kind == "receipt":
            kind, pk = ("po", orders.get(pk)) if orders.get(pk) else ("", None)
        name, roles = STAFF_PAGES.get(kind, ("", frozenset()))
        if name and pk and membership.role in roles:
            out.append((reverse(name, args=[slug, pk]), kind))
        else:
            out.append(("", ""))
    return out


class ScorecardDrillView(TenantViewMixin, TemplateView):
    template_name = "quality/scorecard_drill.html"
    allowed_roles = SCORECARD_STAFF
    nav_key = NAV_KEY

    def month_count(self) -> tuple[int, list[int], int]:
        """The months asked for (``?months=``), the choices offered and the standing window (the default)."""
        default = scorecard_rules_for(self.membership.tenant).standing_months or 1
        choices = sorted({*MONTH_CHOICES, default})
        asked = self.request.GET.get("months", "")
        # ASCII digits only: "²" passes ``str.isdigit`` and ``int`` refuses it.
        n = int(asked) if asked.isascii() and asked.isdigit() and int(asked) in choices else default
        return n, choices, default

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        key = self.kwargs["measure"]
        if key not in catalogue.MEASURES:
            raise Http404()
        partner = scorecard_partner(self.membership, self.kwargs["partner_pk"])
        score = score_of(partner)
        n, choices, default = self.month_count()
        months = window_months(self.membership, score, n)
        try:
            found = drill.drill(
                tenant=self.membership.tenant, partner=partner, key=key, months=months, limit=DRILL_LIMIT
            )
        except KeyError:
            raise Http404() from None
        # The stored figure is the standing window's: shown next to the list when that is what it lists.
        stored = (score.figures if score and n == default else {}).get(key) or {}
        context.update(
            partner=partner,
            measure=catalogue.MEASURES[key],
            key=key,
            months=months,
            month_count=n,
            month_choices=choices,
            drill=found,
            rows=[
                (row, url, drill.cell_parts(row.cells), drill.link_column(found.columns, kind))
                for row, (url, kind) in zip(found.rows, staff_links(self.membership, found.rows), strict=True)
            ],
            stored_value=catalogue.format_detail(key, stored) if stored else "",
        )
        return context
