"""Shipment (ASN) pages: list, new from open orders, the draft editor, and its actions."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import ListView, TemplateView

from portal import dates
from portal.models import SUPPLIER_ROLES, Role
from portal.services.errors import error_messages
from portal.views.mixins import TenantViewMixin
from suppliers.models import Certificate, Package, PurchaseOrderLine
from suppliers.quantities import typed
from suppliers.selectors import ASN_FILTERS, asn_counts, asn_detail, asn_lines, asn_list, po_list
from suppliers.services import asns as service

ASN_ROLES = SUPPLIER_ROLES | {Role.BUYER, Role.TENANT_ADMIN, Role.QUALITY_ENGINEER, Role.INSPECTOR}
BLANK_PACKAGES = 2
BLANK_ITEMS = 2

FILTER_LABELS = [
    ("", "All"),
    ("draft", "Drafts"),
    ("on_the_way", "On the way"),
    ("partial", "Partly received"),
    ("received", "Received"),
    ("cancelled", "Cancelled"),
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
        try:
            asn = service.asn_create(membership=self.membership, po_ids=ids)
        except ValidationError as exc:
            context = self.get_context_data(error=" ".join(error_messages(exc).values()), chosen=ids)
            return self.render_to_response(context, status=400)
        messages.success(
            request, f"{asn.number} drafted with what is still open; check quantities, add packages and lots."
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
        )
        if editing:
            context["form"] = self._form(asn, lines, packages, kwargs.get("posted"), kwargs.get("errors") or {})
        return context

    def _form(self, asn, lines, packages, posted, errors):
        """Rows for the editor: every PO line of the orders (0 = not shipped), items and blank rows."""
        on_asn = {line.order_line_id: line for line in lines}
        po_lines = list(
            PurchaseOrderLine.objects.filter(order__in=asn.orders.all())
            .select_related("order", "product")
            .order_by("order_id", "sequence", "id")
        )
        announced = service.on_asns(po_lines, exclude=asn)
        package_rows = [{"sscc": p.sscc, "kind": p.kind, "weight_kg": p.weight_kg or ""} for p in packages]
        package_rows += [{"sscc": "", "kind": "", "weight_kg": ""} for _ in range(BLANK_PACKAGES)]
        rows = []
        for i, po_line in enumerate(po_lines):
            line = on_asn.get(po_line.pk)
            items = [
                {
                    "lot_name": it.lot_name,
                    "expiry_date": it.expiry_date or "",
                    "quantity": it.quantity,
                    "package": str(packages.index(it.package) + 1) if it.package in packages else "",
                }
                for it in (line.items.all() if line else [])
            ]
            items += [{"lot_name": "", "expiry_date": "", "quantity": "", "package": ""} for _ in range(BLANK_ITEMS)]
            rows.append(
                {
                    "index": i,
                    "po_line": po_line,
                    "line": line,
                    "quantity": line.quantity if line else 0,
                    "open": service.open_quantity(po_line, announced),
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
                item["errors"] = {
                    f: errors.get(f"line-{i}-item-{j}-{f}") for f in ("lot_name", "expiry_date", "quantity", "package")
                }
        return {"rows": rows, "packages": package_rows}

    @staticmethod
    def _overlay(posted, rows, package_rows):
        for k, row in enumerate(package_rows):
            row.update(kind=posted.get(f"pkg-{k}-kind", ""), weight_kg=posted.get(f"pkg-{k}-weight_kg", ""))
        for row in rows:
            i = row["index"]
            row["quantity"] = posted.get(f"line-{i}-quantity", row["quantity"])
            row["serials"] = posted.get(f"line-{i}-serials", "")
            row["items"] = [
                {
                    f: posted.get(f"line-{i}-item-{j}-{f}", "")
                    for f in ("lot_name", "expiry_date", "quantity", "package")
                }
                for j in range(len(row["items"]))
            ]

    def post(self, request, *args, **kwargs):
        asn = asn_detail(membership=self.membership, pk=kwargs["pk"])
        action = request.POST.get("action", "save")
        slug = self.membership.tenant.slug
        try:
            if action in ("save", "submit"):
                header, lines, packages, package_rows = form_input(request.POST)
                header["eta"] = form_eta(header.get("eta"), asn)
                try:
                    service.asn_update(
                        membership=self.membership, asn_id=asn.pk, header=header, lines=lines, packages=packages
                    )
                except ValidationError as exc:
                    raise ValidationError(form_errors(error_messages(exc), lines, package_rows, saved=False)) from exc
                if action == "submit":
                    try:
                        asn = service.asn_submit(membership=self.membership, asn_id=asn.pk)
                    except ValidationError as exc:
                        raise ValidationError(
                            form_errors(error_messages(exc), lines, package_rows, saved=_stored(asn))
                        ) from exc
                    messages.success(
                        request,
                        f"{asn.number} submitted; the receipt in {self.membership.tenant.name}'s Odoo will "
                        "show it within a minute. Print the labels for the packages.",
                    )
                else:
                    messages.success(request, f"{asn.number} saved as a draft.")
            elif action == "ship":
                service.asn_mark_shipped(membership=self.membership, asn_id=asn.pk)
                messages.success(request, f"{asn.number} is on its way.")
            elif action == "cancel":
                service.asn_cancel(membership=self.membership, asn_id=asn.pk, reason=request.POST.get("reason", ""))
                messages.success(request, f"{asn.number} cancelled; the buyer's receipt no longer expects it.")
            elif action == "attach":
                cert = service.asn_attach_certificate(
                    membership=self.membership,
                    asn_id=asn.pk,
                    upload=request.FILES.get("file"),
                    kind=request.POST.get("kind", "coc"),
                    line_id=request.POST.get("line") or None,
                    lot_name=request.POST.get("lot_name", ""),
                )
                messages.success(request, f"{cert.filename} attached to {asn.number}.")
            elif action == "remove_certificate":
                name = list(
                    asn.certificates.filter(pk=_int(request.POST.get("certificate"))).values_list("filename", flat=True)
                )
                service.asn_remove_certificate(
                    membership=self.membership, asn_id=asn.pk, certificate_id=request.POST.get("certificate")
                )
                messages.success(request, f"{name[0] if name else 'The certificate'} removed from {asn.number}.")
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


Stored = list[tuple[int, list[tuple[str, int]]]]  # (PO line, [(lot name, occurrence), ...]) per saved line


def form_errors(
    errors: dict[str, str], lines: list[dict], packages_sent: list[int], *, saved: Stored | bool
) -> dict[str, str]:
    """Service errors name positions in what it was given (or, once saved, in the ASN's lines and items as
    stored: ``saved`` lists them, see ``_stored``); the editor shows them next to its own fields
    (``line-3-item-1-lot_name``)."""
    by_po_line = {str(spec["order_line"]): spec for spec in lines}
    out = {}
    for key, message in errors.items():
        parts = key.split(".")
        if parts[0] == "lines" and len(parts) >= 3 and parts[1].isdigit():
            k = int(parts[1])
            if saved:
                stored = saved[k] if isinstance(saved, list) and k < len(saved) else None
                spec = by_po_line.get(str(stored[0])) if stored else None
            else:
                spec = lines[k] if k < len(lines) else None
            if spec is None:
                out["__all__"] = message
                continue
            if parts[2] == "items" and len(parts) == 5 and parts[3].isdigit():
                j = int(parts[3])
                position = _item_position(spec, stored[1], j) if saved else j
                rows = spec["item_rows"]
                target = (
                    f"line-{spec['row']}-item-{rows[position]}-{parts[4]}"
                    if position is not None and position < len(rows) and rows[position] >= 0
                    else None
                )
                out[target or f"line-{spec['row']}-serials"] = message
            else:
                out[f"line-{spec['row']}-{parts[2]}"] = message
        elif parts[0] == "packages" and len(parts) == 3:
            out[f"pkg-{packages_sent[int(parts[1])]}-{parts[2]}"] = message
        else:
            out[key] = message
    return out


def _stored(asn) -> Stored:
    """The draft's lines as the service numbers them once saved (by id: an edit keeps rows in place, so a
    line added later sits last), each with its items in the same order as (lot name, occurrence)."""
    out = []
    for line in asn.lines.order_by("id").prefetch_related("items"):
        seen: dict[str, int] = {}
        items = []
        for item in line.items.all():
            items.append((item.lot_name, seen.get(item.lot_name, 0)))
            seen[item.lot_name] = seen.get(item.lot_name, 0) + 1
        out.append((line.order_line_id, items))
    return out


def _item_position(spec: dict, stored_items: list[tuple[str, int]], j: int) -> int | None:
    """Where the ``j``-th stored item of a line was in the form: the same lot name, the same occurrence."""
    if j >= len(stored_items):
        return None
    if "positions" not in spec:
        seen: dict[str, int] = {}
        spec["positions"] = {}
        for i, item in enumerate(spec["items"]):
            name = (item.get("lot_name") or "").strip()
            spec["positions"][(name, seen.get(name, 0))] = i
            seen[name] = seen.get(name, 0) + 1
    return spec["positions"].get(stored_items[j])


def _int(value) -> int:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 19 else 0


def form_eta(text: str | None, asn) -> dt.datetime | dates.Refused | None:
    """The ETA as the editor showed it: wall-clock time in the viewer's zone (``portal.dates``); text
    unchanged keeps the stored moment exactly. What cannot be read goes on, refused, so the service
    reports it with every other error of the form."""
    try:
        return dates.parse_instant(
            text, wall_zone=timezone.get_current_timezone(), day_zone=dates.tenant_zone(asn.tenant), keep=asn.eta
        )
    except dates.DateInputError as exc:
        return dates.Refused(text or "", str(exc))


def form_input(post) -> tuple[dict, list[dict], list[dict], list[int]]:
    """The editor's fields as the service's input: rows with a quantity become lines, in form order."""
    header = {name: post.get(name, "") for name in service.HEADER_FIELDS}
    package_specs, position, package_rows = [], {}, []
    k = 0
    while f"pkg-{k}-kind" in post:
        kind = post.get(f"pkg-{k}-kind", "")
        if kind:
            package_specs.append(
                {
                    "kind": kind,
                    "weight_kg": typed(post.get(f"pkg-{k}-weight_kg", "")),
                    "sscc": post.get(f"pkg-{k}-sscc", ""),
                }
            )
            position[str(k + 1)] = str(len(package_specs))
            package_rows.append(k)
        k += 1
    lines = []
    i = 0
    while f"line-{i}-order_line" in post:
        items, item_rows = [], []
        j = 0
        while f"line-{i}-item-{j}-quantity" in post:
            item = {
                f: post.get(f"line-{i}-item-{j}-{f}", "").strip()
                for f in ("lot_name", "expiry_date", "quantity", "package")
            }
            item["quantity"] = typed(item["quantity"]) if item["quantity"] else ""
            if item["quantity"] or item["lot_name"]:
                # A blank package row that was chosen but left empty is no package: say so.
                item["package"] = position.get(item["package"], item["package"] and f"#{item['package']}")
                items.append(item)
                item_rows.append(j)
            j += 1
        serial_package = position.get(post.get(f"line-{i}-serials_package", ""), "")
        for serial in post.get(f"line-{i}-serials", "").split():
            items.append({"lot_name": serial, "quantity": "1", "package": serial_package, "expiry_date": ""})
            item_rows.append(-1)
        lines.append(
            {
                "order_line": post.get(f"line-{i}-order_line"),
                "quantity": typed(post.get(f"line-{i}-quantity") or "0"),
                "items": items,
                "row": i,
                "item_rows": item_rows,
            }
        )
        i += 1
    return header, lines, package_specs, package_rows


class CertificateDownloadView(TenantViewMixin, TemplateView):
    allowed_roles = ASN_ROLES

    def get(self, request, *args, **kwargs):
        cert = Certificate.objects.visible_to(self.membership).filter(pk=kwargs["cert_id"], asn_id=kwargs["pk"]).first()
        if cert is None:
            raise Http404()
        response = FileResponse(
            cert.file.open("rb"), content_type=cert.content_type, as_attachment=True, filename=cert.filename
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
