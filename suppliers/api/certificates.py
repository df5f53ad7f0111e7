"""Partner API: a shipment's certificates (CoC, CoA): attach one to a draft, download, remove.

The actions of ``asns.AsnViewSet`` (which declares their scopes), kept apart to keep each module
small; they use the viewset's ``_asn()``, ``read_input()`` and ``membership``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from portal.api.base import binary_renderer
from portal.api.idempotency import idempotent
from portal.api.schema import problems
from portal.stored_files import stored_file_response
from suppliers.models import Certificate
from suppliers.services import asn_certificates

from . import names
from . import serializers as s
from .common import IDEMPOTENCY

CERTIFICATE_RENDERERS = [JSONRenderer, *(binary_renderer(t) for t in asn_certificates.CERTIFICATE_TYPES.values())]


# asns/{id}/certificates/ (POST) and asns/{id}/certificates/{certificate_id}/ (GET, DELETE). No
# docstring: drf-spectacular would show it as the description of every shipment endpoint.
class CertificateActions:
    @extend_schema(
        summary="Attach a certificate (CoC, CoA) to a draft shipment, one of its lines or lots",
        description="A PDF, PNG or JPEG of at most 10 MB, checked as the shipment page checks it. Name the line by "
        "`line` (the shipment's line id), `order_line` (the order line's id) or `product_code` (with "
        "`purchase_order` when the shipment has several orders); add `lot_name` for one lot of it. Without a "
        "line, the certificate is for the whole shipment.",
        request={"multipart/form-data": s.CertificateInputSerializer},
        parameters=[IDEMPOTENCY],
        responses={201: s.CertificateSerializer, **problems(409, 413)},
    )
    @action(detail=True, methods=["post"], url_path="certificates", parser_classes=[MultiPartParser])
    @idempotent
    def attach_certificate(self, request, pk=None):
        asn = self._asn()
        data = self.read_input()
        line_id = data.get("line")
        if "order_line" in data or "product_code" in data:
            where = "order_line" if "order_line" in data else "product_code"
            among = list(asn.orders.values_list("pk", flat=True))
            if "product_code" in data:
                data["order_line"] = names.line_by_code(
                    membership=self.membership,
                    code=data["product_code"],
                    order_ref=data.get("purchase_order"),
                    among=among,
                    where="product_code",
                )
            line = asn.lines.filter(order_line_id=data["order_line"]).first()
            if line is None:
                raise ValidationError({where: _("That order line is not on %(asn)s.") % {"asn": asn.number}})
            line_id = line.pk
        certificate = asn_certificates.asn_attach_certificate(
            membership=self.membership,
            asn_id=asn.pk,
            upload=data["file"],
            kind=data["kind"],
            line_id=line_id,
            lot_name=data["lot_name"],
        )
        certificate = Certificate.objects.select_related("line").get(pk=certificate.pk)
        return Response(s.CertificateSerializer(certificate).data, status=status.HTTP_201_CREATED)

    def _certificate(self) -> Certificate:
        found = (
            Certificate.objects.visible_to(self.membership)
            .filter(asn_id=self.kwargs["pk"], pk=self.kwargs["certificate_id"])
            .first()
        )
        if found is None:
            raise NotFound()
        return found

    @extend_schema(
        summary="A certificate's file",
        responses={
            **{
                (200, media): OpenApiResponse(OpenApiTypes.BINARY, description="The file as uploaded")
                for media in asn_certificates.CERTIFICATE_TYPES.values()
            },
            **problems(),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"certificates/(?P<certificate_id>[0-9]{1,18})",
        renderer_classes=CERTIFICATE_RENDERERS,
    )
    def certificate(self, request, pk=None, certificate_id=None):
        found = self._certificate()
        return stored_file_response(found.file, content_type=found.content_type, filename=found.filename)

    @extend_schema(
        summary="Remove a certificate from a draft shipment (recorded in the audit trail)",
        request=None,
        responses={204: None, **problems()},
    )
    @certificate.mapping.delete
    def remove_certificate(self, request, pk=None, certificate_id=None):
        found = self._certificate()
        asn_certificates.asn_remove_certificate(
            membership=self.membership, asn_id=found.asn_id, certificate_id=found.pk
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
