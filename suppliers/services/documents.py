"""PDF documents of a shipment and an order (WeasyPrint), and the GS1-128 symbol of an SSCC.

A PDF is rendered once per version and then served from storage: the version is the digest of
the HTML it is made from, so any change that shows on the paper (a package, a lot, the template)
makes a new one, and nothing else does. What one document may hold is bounded (labels: one per
package, at most ``MAX_ASN_PACKAGES``, each listing at most ``MAX_LABEL_ITEMS`` contents; the
packing slip: the shipment's items, at most ``MAX_ASN_ITEMS``), so the first rendering of a
version costs a bounded amount too; web pages and the API throttle how often anyone asks.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import posixpath
from collections import defaultdict

from barcode import Gs1_128
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import translation

from portal import l10n
from suppliers.limits import MAX_LABEL_ITEMS
from suppliers.models import Asn

LABEL_SIZES = {"a6": ("105mm", "148mm"), "4x6": ("4in", "6in")}
QUIET_ZONE = 20  # modules of white either side of the symbol (GS1-128 asks for at least 10)
BAR_HEIGHT = 60  # in modules; the label's CSS sets the printed height
log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4096)
def sscc_barcode_svg(sscc: str) -> str:
    """The SSCC as a GS1-128 symbol with application identifier (00), as inline SVG.

    One path of bars (no text: the label prints it), scaled by the label's CSS; one path instead of
    a rectangle per bar is what keeps a sheet of 200 labels quick to lay out.
    """
    modules = Gs1_128("00" + sscc).build()[0]
    bars, start = [], None
    for position, module in enumerate(modules + "0"):
        if module == "1" and start is None:
            start = position
        elif module == "0" and start is not None:
            bars.append(f"M{QUIET_ZONE + start} 0h{position - start}v{BAR_HEIGHT}h-{position - start}z")
            start = None
    width = len(modules) + 2 * QUIET_ZONE
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {BAR_HEIGHT}" preserveAspectRatio="none" '
        f'role="img" aria-label="SSCC {sscc}"><path fill="#000" d="{"".join(bars)}"/></svg>'
    )


def sscc_human(sscc: str) -> str:
    """(00) then extension, prefix-and-serial and check digit, as printed under the symbol."""
    return f"(00) {sscc[0]} {sscc[1:17]} {sscc[17]}"


def render_pdf(template: str, context: dict) -> bytes:
    """A PDF from a template, rendered now (``stored_pdf`` renders once per version)."""
    return _pdf(render_to_string(template, context))


def _pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def stored_pdf(*, tenant_id: int, folder: str, name: str, template: str, context: dict) -> bytes:
    """The PDF of ``template`` with ``context``, from storage when this version was rendered before.

    Files live at ``tenants/<tenant>/documents/<folder>/<name>-<digest>.pdf``; rendering a new
    version removes the older ones of the same name.
    """
    html = render_to_string(template, context)
    digest = hashlib.sha256(html.encode()).hexdigest()[:32]
    directory = f"tenants/{tenant_id}/documents/{folder}"
    path = f"{directory}/{name}-{digest}.pdf"
    if default_storage.exists(path):
        with default_storage.open(path, "rb") as stored:
            return stored.read()
    pdf = _pdf(html)
    if not default_storage.exists(path):  # another request may have rendered it meanwhile
        default_storage.save(path, ContentFile(pdf))
    _forget_older(directory, name, keep=posixpath.basename(path))
    return pdf


def _forget_older(directory: str, name: str, *, keep: str) -> None:
    try:
        _, files = default_storage.listdir(directory)
    except (FileNotFoundError, NotImplementedError):
        return
    for file in files:
        if file.startswith(f"{name}-") and file != keep:
            try:
                default_storage.delete(f"{directory}/{file}")
            except OSError:  # another request removed it first
                log.debug("older document %s/%s already gone", directory, file)


def in_language_of(partner, tenant):
    """The language a document for ``partner`` is written in (``l10n.document_language``: the partner's,
    or the one the tenant chose for all documents), as a context manager around its making.

    Everything inside (labels, numbers, days, the ``<html lang>``) follows it; the stored version's
    digest is of the HTML, so each language is a version of its own.
    """
    return translation.override(l10n.document_language(partner, tenant))


def purchase_order_pdf(po, lines: list) -> bytes:
    """The PO as last pulled from Odoo, with its lines and amounts, in its supplier's language."""
    for line in lines:
        line.amount = line.quantity * line.price_unit
    with in_language_of(po.partner, po.tenant):
        return stored_pdf(
            tenant_id=po.tenant_id,
            folder=f"po/{po.pk}",
            name="purchase-order",
            template="documents/purchase_order.html",
            context={"po": po, "lines": lines, "tenant": po.tenant},
        )


def packing_slip_pdf(asn: Asn, lines: list) -> bytes:
    """Every line, lot and package of the shipment, in its supplier's language."""
    with in_language_of(asn.partner, asn.tenant):
        return stored_pdf(
            tenant_id=asn.tenant_id,
            folder=f"asn/{asn.pk}",
            name="packing-slip",
            template="documents/packing_slip.html",
            context={
                "asn": asn,
                "lines": lines,
                "tenant": asn.tenant,
                "packages": list(asn.packages.order_by("id")),
                "orders": list(asn.orders.order_by("name")),
            },
        )


def labels_pdf(asn: Asn, size: str) -> bytes:
    """One GS1 logistic label per package, in ``size`` (a key of ``LABEL_SIZES``), in its supplier's language."""
    width, height = LABEL_SIZES[size]
    contents = defaultdict(list)
    for item in asn.items.select_related("line__order_line__order", "line__order_line__product").order_by(
        "line_id", "id"
    ):
        contents[item.package_id].append(item)
    packages = []
    for package in asn.packages.order_by("id"):
        items = contents.get(package.pk, [])
        if not items:  # an empty package gets no label (and no SSCC: suppliers.services.asn_drafts)
            continue
        packages.append(
            {
                "package": package,
                "svg": sscc_barcode_svg(package.sscc),
                "human": sscc_human(package.sscc),
                "items": items[:MAX_LABEL_ITEMS],
                "more": max(len(items) - MAX_LABEL_ITEMS, 0),
            }
        )
    with in_language_of(asn.partner, asn.tenant):
        return stored_pdf(
            tenant_id=asn.tenant_id,
            folder=f"asn/{asn.pk}",
            name=f"labels-{size}",
            template="documents/labels.html",
            context={
                "asn": asn,
                "tenant": asn.tenant,
                "packages": packages,
                "width": width,
                "height": height,
                "orders": list(asn.orders.order_by("name")),
            },
        )
