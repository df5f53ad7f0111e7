"""PDF documents of a shipment (WeasyPrint) and its GS1-128 barcodes (python-barcode)."""

from __future__ import annotations

import io

from barcode import Gs1_128
from barcode.writer import SVGWriter
from django.conf import settings
from django.template.loader import render_to_string

from suppliers.models import Asn

LABEL_SIZES = {"a6": ("105mm", "148mm"), "4x6": ("4in", "6in")}


def sscc_barcode_svg(sscc: str) -> str:
    """The SSCC as a GS1-128 symbol with application identifier (00), as inline SVG (no text: the label prints it)."""
    out = io.BytesIO()
    Gs1_128("00" + sscc, writer=SVGWriter()).write(
        out, {"module_width": 0.33, "module_height": 28.0, "quiet_zone": 6.5, "write_text": False}
    )
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]


def sscc_human(sscc: str) -> str:
    """(00) then extension, prefix-and-serial and check digit, as printed under the symbol."""
    return f"(00) {sscc[0]} {sscc[1:17]} {sscc[17]}"


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def purchase_order_pdf(po, lines: list) -> bytes:
    for line in lines:
        line.amount = line.quantity * line.price_unit
    return render_pdf("documents/purchase_order.html", {"po": po, "lines": lines, "tenant": po.tenant})


def packing_slip_pdf(asn: Asn, lines: list) -> bytes:
    return render_pdf(
        "documents/packing_slip.html",
        {
            "asn": asn,
            "lines": lines,
            "tenant": asn.tenant,
            "packages": list(asn.packages.order_by("id")),
            "orders": list(asn.orders.order_by("name")),
        },
    )


def labels_pdf(asn: Asn, size: str) -> bytes:
    width, height = LABEL_SIZES[size]
    packages = []
    items = list(asn.items.select_related("line__order_line__order", "line__order_line__product", "package"))
    for package in asn.packages.order_by("id"):
        packages.append(
            {
                "package": package,
                "svg": sscc_barcode_svg(package.sscc),
                "human": sscc_human(package.sscc),
                "items": [i for i in items if i.package_id == package.pk],
            }
        )
    return render_pdf(
        "documents/labels.html",
        {
            "asn": asn,
            "tenant": asn.tenant,
            "packages": packages,
            "width": width,
            "height": height,
            "orders": list(asn.orders.order_by("name")),
        },
    )
