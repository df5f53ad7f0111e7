"""The scorecard as PDF for supplier reviews: for staff from a partner's scorecard, for the supplier from
its own.

One document (``quality.scorecard_documents``); each audience has its own URL, as the 8D report does. Staff
(``SCORECARD_STAFF``) get any partner they see (``selectors.scorecard_partner``: a buyer scoped to some
partners only those); a supplier's people only their own partner, whatever they ask. ``?month=YYYY-MM``
picks the month (default: the tenant's current month); a month that is malformed, in the future or older
than the months the batch run keeps has no scorecard: 404. Out of scope answers 404 before the PDF budget
is spent.
"""

from __future__ import annotations

import datetime as dt
import re

from django.http import Http404, HttpResponse
from django.utils.text import slugify
from django.views import View

from portal.models import SUPPLIER_ROLES
from portal.views.mixins import TenantViewMixin
from portal.web_limits import throttled
from quality.scorecard_documents import scorecard_pdf
from quality.scorecards.months import KEPT_MONTHS, add_months, current_month
from quality.scorecards.selectors import own_scorecard_partner, scorecard_partner
from quality.views.scorecard_ranking import SCORECARD_STAFF

MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")


def report_month(tenant, raw: str | None) -> dt.date:
    """The month ``?month=`` names (a first day), the current month when absent; Http404 when malformed,
    after the current month, or before the oldest month kept (``months.KEPT_MONTHS``)."""
    current = current_month(tenant)
    if not raw:
        return current
    found = MONTH.match(raw.strip())
    if not found or int(found.group(1)) < 1 or not 1 <= int(found.group(2)) <= 12:
        raise Http404("No scorecard for that month.")
    month = dt.date(int(found.group(1)), int(found.group(2)), 1)
    if not add_months(current, 1 - KEPT_MONTHS) <= month <= current:
        raise Http404("No scorecard for that month.")
    return month


class ScorecardReportView(TenantViewMixin, View):
    """GET: one partner's scorecard for a month, inline (``scorecard-<partner>-2026-03.pdf``)."""

    allowed_roles = SCORECARD_STAFF

    def partner(self, kwargs):
        return scorecard_partner(self.membership, kwargs["partner_pk"])

    def get(self, request, *args, **kwargs):
        partner = self.partner(kwargs)
        month = report_month(self.membership.tenant, request.GET.get("month"))
        if refused := throttled(request, "documents"):  # PDFs have a budget of their own
            return refused
        response = HttpResponse(
            scorecard_pdf(membership=self.membership, partner=partner, month=month), content_type="application/pdf"
        )
        # The partner's name is typed in Odoo: slugified, it is safe in a header.
        name = slugify(partner.name)[:60] or f"partner-{partner.pk}"
        response["Content-Disposition"] = f'inline; filename="scorecard-{name}-{month:%Y-%m}.pdf"'
        return response


class SupplierScorecardReportView(ScorecardReportView):
    """The same document for the supplier's people, of their own partner only."""

    allowed_roles = SUPPLIER_ROLES

    def partner(self, kwargs):
        return own_scorecard_partner(self.membership)
