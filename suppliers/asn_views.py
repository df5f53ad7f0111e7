"""Shipment (ASN) pages: list, new from open orders, the draft editor, and its actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext, gettext_lazy
from django.views.generic import ListView, TemplateView

from portal.models import SUPPLIER_ROLES, Role
from portal.services.errors import error_messages
from portal.stored_files import stored_file_response
from portal.views.mixins import TenantViewMixin
from suppliers.forms.asns import AsnEditor, AsnNewForm, CertificateChoiceForm, CertificateLineForm
from suppliers.models import Certificate, Package, PurchaseOrderLine
from suppliers.selectors import ASN_FILTERS, asn_counts, asn_detail, asn_lines, asn_list, po_list
from suppliers.services.asn_certificates import asn_attach_certificate, asn_remove_certificate
from suppliers.services.asn_checks import errors_as_sent, on_asns, open_quantity
from suppliers.services.asn_drafts import asn_create, asn_update
from suppliers.services.asn_submission import asn_cancel, asn_mark_shipped, asn_submit
from suppliers.services.asn_values import MAX_LOT_VALUES, values_text

ASN_ROLES = SUPPLIER_ROLES | {Role.BUYER, Role.TENANT_ADMIN, Role.QUALITY_ENGINEER, Role.INSPECTOR}
BLANK_PACKAGES = 2
BLANK_ITEMS = 2
ITEM_FIELDS = ("lot_name", "expiry_date", "quantity", "package", "values")  # an item row's fields in the editor

FILTER_LABELS = [
    ("", gettext_lazy("All")),
    ("draft", gettext_lazy("Drafts")),
    ("on_the_way", gettext_lazy("On the way")),
    ("partial", gettext_lazy("Partly received")),
    ("received", gettext_lazy("Received")),
    ("cancelled", gettext_lazy("Cancelled")),
]


class AsnListView(TenantViewMixin, ListView):
    template_name = "suppliers/asn_list.html"
    context_object_name = "asns"
    paginate_by = 25
    nav_key = "shipments"
    allowed_roles = ASN_ROLES

    def get_queryset(self):
        status = self.request.GET.get("status", "")
        return asn_list(
            membership=self.membership,
            query=self.request.GET.get("q", "").replace("\x00", ""),
            status=status if status in ASN_FILTERS else "",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["counts"] = asn_counts(membership=self.membership)
        context["filters"] = FILTER_LABELS
        context["status"] = self.request.GET.get("status", "")
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        return context


class AsnNewView(TenantViewMixin, TemplateView):
    """Choose the open orders the shipment covers; the draft is prefilled with what is open."""

    template_name = "suppliers/asn_new.html"
    nav_key = "shipments"
    allowed_roles = SUPPLIER_ROLES

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        chosen = {str(v) for v in self.request.GET.getlist("orders")} | set(kwargs.get("chosen", []))
        context["orders"] = list(po_list(membership=self.membership, status="open", sort="expected")[:200])
        context["chosen"] = chosen
        context["error"] = kwargs.get("error")
        return context

    def post(self, request, *args, **kwargs):
        ids = request.POST.getlist("orders")
        form = AsnNewForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError({name: list(found) for name, found in form.errors.items()})
            asn = asn_create(membership=self.membership, po_ids=form.cleaned_data["orders"])
        except ValidationError as exc:
            context = self.get_context_data(error=" ".join(error_messages(exc).values()), chosen=ids)
            return self.render_to_response(context, status=400)
        messages.success(
            request,
            gettext("%(asn)s drafted with what is still open; check quantities, add packages and lots.")
            % {"asn": asn.number},
        )
        return redirect("asn_detail", self.membership.tenant.slug, asn.pk)


class AsnDetailView(TenantViewMixin, TemplateView):
    template_name = "suppliers/asn_detail.html"
    nav_key = "shipments"
    allowed_roles = ASN_ROLES

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        asn = kwargs.get("asn") or asn_detail(membership=self.membership, pk=self.kwargs["pk"])
        lines = asn_lines(asn=asn)
        packages = list(asn.packages.order_by("id"))
        editing = asn.editable and self.membership.is_supplier_role
        context.update(
            asn=asn,
            lines=lines,
            packages=packages,
            certificates=list(asn.certificates.select_related("line__order_line")),
            receipts=list(asn.receipts.order_by("date_done", "id")),
            received=any(line.quantity_received for line in lines),
            orders=list(asn.orders.order_by("name")),
            editing=editing,
            errors=kwargs.get("errors") or {},
            form_error=(kwargs.get("errors") or {}).get("__all__"),
            is_supplier=self.membership.is_supplier_role,
            kinds=Package.Kind.choices,
            certificate_kinds=Certificate.Kind.choices,
            max_lot_values=MAX_LOT_VALUES,
        )
        if editing:
            context["form"] = self._form(asn, lines, packages, kwargs.get("posted"), kwargs.get("errors") or {})
        context["unshown_errors"] = self._unshown(kwargs.get("errors") or {}, context.get("form"))
        return context

    def _form(self, asn, lines, packages, posted, errors):
        """Rows for the editor: every PO line of the orders (0 = not shipped), items and blank rows."""
        on_asn = {line.order_line_id: line for line in lines}
        po_lines = list(
            PurchaseOrderLine.objects.filter(order__in=asn.orders.all())
            .select_related("order", "product")
            .order_by("order_id", "sequence", "id")
        )
        announced = on_asns(po_lines, exclude=asn)
        # Values read from the database are formatted here, once; text posted back is shown as typed.
        package_rows = [
            {"sscc": p.sscc, "kind": p.kind, "weight_kg": _number(p.weight_kg or None, "-3")} for p in packages
        ]
        package_rows += [{"sscc": "", "kind": "", "weight_kg": ""} for _ in range(BLANK_PACKAGES)]
        rows = []
        for i, po_line in enumerate(po_lines):
            line = on_asn.get(po_line.pk)
            items = [
                {
                    "lot_name": it.lot_name,
                    "expiry_date": it.expiry_date.isoformat() if it.expiry_date else "",
                    "quantity": _number(it.quantity),
                    "package": str(packages.index(it.package) + 1) if it.package in packages else "",
                    "values": values_text(it),
                }
                for it in (line.items.all() if line else [])
            ]
            items += [
                {"lot_name": "", "expiry_date": "", "quantity": "", "package": "", "values": ""}
                for _ in range(BLANK_ITEMS)
            ]
            rows.append(
                {
                    "index": i,
                    "po_line": po_line,
                    "line": line,
                    "quantity": _number(line.quantity if line else 0),
                    "open": open_quantity(po_line, announced),
                    "items": items,
                    "tracking": po_line.product.tracking if po_line.product else "none",
                }
            )
        if posted is not None:
            self._overlay(posted, rows, package_rows)
        for k, package in enumerate(package_rows):
            package["errors"] = {f: errors.get(f"pkg-{k}-{f}") for f in ("kind", "weight_kg", "sscc")}
        for row in rows:
            i = row["index"]
            row["errors"] = {
                f: errors.get(f"line-{i}-{f}") for f in ("quantity", "items", "serials", "order_line", "uom")
            }
            for j, item in enumerate(row["items"]):
                item["errors"] = {f: errors.get(f"line-{i}-item-{j}-{f}") for f in ITEM_FIELDS}
        return {"rows": rows, "packages": package_rows}

    @staticmethod
    def _unshown(errors: dict[str, str], form: dict | None) -> list[str]:
        """Errors of fields the editor shows no message beside (a tampered SSCC, a field nobody
        typed), for the summary at the top: every error is visible somewhere."""
        shown = {"__all__", "ship_date", "eta", "carrier", "tracking_number", "note", "packages", "lines"}
        for k in range(len((form or {}).get("packages", []))):
            shown |= {f"pkg-{k}-{f}" for f in ("kind", "weight_kg")}
        for row in (form or {}).get("rows", []):
            i = row["index"]
            shown |= {f"line-{i}-{f}" for f in row["errors"]}
            for j, _item in enumerate(row["items"]):
                shown |= {f"line-{i}-item-{j}-{f}" for f in ITEM_FIELDS}
        return [message for key, message in errors.items() if key not in shown and message]

    @staticmethod
    def _overlay(posted, rows, package_rows):
        for k, row in enumerate(package_rows):
            row.update(kind=posted.get(f"pkg-{k}-kind", ""), weight_kg=posted.get(f"pkg-{k}-weight_kg", ""))
        for row in rows:
            i = row["index"]
            row["quantity"] = posted.get(f"line-{i}-quantity", row["quantity"])
            row["serials"] = posted.get(f"line-{i}-serials", "")
            row["items"] = [
                {f: posted.get(f"line-{i}-item-{j}-{f}", "") for f in ITEM_FIELDS} for j in range(len(row["items"]))
            ]

    def post(self, request, *args, **kwargs):
        asn = asn_detail(membership=self.membership, pk=kwargs["pk"])
        action = request.POST.get("action", "save")
        slug = self.membership.tenant.slug
        try:
            if action in ("save", "submit"):
                asn = self._save(request, asn, submit=action == "submit")
            elif action == "ship":
                asn_mark_shipped(membership=self.membership, asn_id=asn.pk)
                messages.success(request, gettext("%(asn)s is on its way.") % {"asn": asn.number})
            elif action == "cancel":
                was_draft = asn.editable
                asn_cancel(membership=self.membership, asn_id=asn.pk, reason=request.POST.get("reason", ""))
                if was_draft:  # a draft never reached Odoo: nothing there to take back
                    messages.success(request, gettext("Draft %(asn)s cancelled.") % {"asn": asn.number})
                else:
                    messages.success(
                        request,
                        gettext("%(asn)s cancelled; the buyer's receipt no longer expects it.") % {"asn": asn.number},
                    )
            elif action == "attach":
                cert = asn_attach_certificate(
                    membership=self.membership,
                    asn_id=asn.pk,
                    upload=request.FILES.get("file"),
                    kind=request.POST.get("kind", Certificate.Kind.COC),
                    line_id=CertificateLineForm(request.POST).typed()["line"],
                    lot_name=request.POST.get("lot_name", ""),
                )
                messages.success(
                    request, gettext("%(file)s attached to %(asn)s.") % {"file": cert.filename, "asn": asn.number}
                )
            elif action == "remove_certificate":
                chosen = CertificateChoiceForm(request.POST).typed()["certificate"]
                name = asn.certificates.filter(pk=chosen).values_list("filename", flat=True).first()
                asn_remove_certificate(membership=self.membership, asn_id=asn.pk, certificate_id=chosen)
                if name:
                    done = gettext("%(file)s removed from %(asn)s.") % {"file": name, "asn": asn.number}
                else:
                    done = gettext("The certificate removed from %(asn)s.") % {"asn": asn.number}
                messages.success(request, done)
            else:
                raise Http404()
        except ValidationError as exc:
            errors = error_messages(exc)
            asn = asn_detail(membership=self.membership, pk=kwargs["pk"])
            posted = request.POST if action in ("save", "submit") else None
            if action in ("ship", "cancel", "attach", "remove_certificate"):
                messages.error(request, " ".join(errors.values()))
                return redirect("asn_detail", slug, asn.pk)
            return self.render_to_response(self.get_context_data(asn=asn, errors=errors, posted=posted), status=400)
        return redirect("asn_detail", slug, asn.pk)

    def _save(self, request, asn, *, submit: bool):
        """Save the editor's fields, then submit when asked; errors come back keyed by the editor's fields."""
        editor = AsnEditor(request.POST, asn=asn)
        try:
            asn_update(
                membership=self.membership,
                asn_id=asn.pk,
                header=editor.header,
                lines=editor.lines,
                packages=editor.packages,
            )
        except ValidationError as exc:
            raise ValidationError(editor.places.place(exc)) from exc
        if not submit:
            messages.success(request, gettext("%(asn)s saved as a draft.") % {"asn": asn.number})
            return asn
        try:
            asn = asn_submit(membership=self.membership, asn_id=asn.pk)
        except ValidationError as exc:
            # The submission's checks number the draft as stored; the editor shows them where they were typed.
            raise ValidationError(editor.places.place(errors_as_sent(error_messages(exc), asn, editor.lines))) from exc
        messages.success(
            request,
            gettext(
                "%(asn)s submitted; the receipt in %(tenant)s's Odoo will show it within a minute. "
                "Print the labels for the packages."
            )
            % {"asn": asn.number, "tenant": self.membership.tenant.name},
        )
        return asn


def _number(value, digits: str = "-4") -> str:
    """A quantity or weight from the database as the page language writes it ("499,5" in German)."""
    return "" if value is None or value == "" else floatformat(value, digits)


class CertificateDownloadView(TenantViewMixin, TemplateView):
    allowed_roles = ASN_ROLES

    def get(self, request, *args, **kwargs):
        cert = Certificate.objects.visible_to(self.membership).filter(pk=kwargs["cert_id"], asn_id=kwargs["pk"]).first()
        if cert is None:
            raise Http404()
        return stored_file_response(cert.file, content_type=cert.content_type, filename=cert.filename)
