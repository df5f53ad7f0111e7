"""The inspector's pages (tablet first): the list of lots to inspect with the dock's scan field, the
inspection page (sampling, the units x characteristics grid, verdict, photos, sign-off), the JSON
endpoint the page's offline queue sends results to, and a photo download.

Inspectors and quality engineers only (``RECORDER_ROLES``); anyone else, suppliers included, and
any inspection outside the member's scope answer 404.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView

from portal.services.errors import error_messages
from portal.views.mixins import TenantViewMixin
from quality.forms import PhotoForm, ScanForm, SignForm, parse_measurement
from quality.models import Characteristic, Inspection, InspectionPhoto
from quality.selectors import inspection_detail, inspection_find, inspection_list_waiting, inspection_results
from quality.services.recording import (
    RECORDER_ROLES,
    characteristics_of,
    inspection_correct,
    inspection_sign,
    inspection_verdict,
    photo_add,
    result_record,
    units_for,
)

NAV_KEY = "inspections"


class InspectionListView(TenantViewMixin, TemplateView):
    """What waits at the dock, oldest first; a scan opens the inspection it names (or lists several)."""

    template_name = "quality/inspections/list.html"
    nav_key = NAV_KEY
    allowed_roles = RECORDER_ROLES

    def get(self, request, *args, **kwargs):
        form = ScanForm(request.GET)
        scan = form.cleaned_data["scan"] if form.is_valid() else ""
        found = None
        if scan:
            found = list(inspection_find(membership=self.membership, scan=scan)[:50])
            if len(found) == 1:
                return redirect("inspection_detail", self.membership.tenant.slug, found[0].pk)
        return self.render_to_response(self.get_context_data(scan=scan, found=found))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        waiting = inspection_list_waiting(membership=self.membership)
        context["waiting"] = list(waiting[:100])
        context["in_progress"] = list(
            Inspection.objects.visible_to(self.membership)
            .filter(status=Inspection.Status.IN_PROGRESS)
            .select_related("partner", "product", "receipt")
            .order_by("created_at", "id")[:100]
        )
        return context


def _cell_key(unit: int, characteristic_id: int) -> str:
    return f"r-{unit}-{characteristic_id}"


class InspectionDetailView(TenantViewMixin, TemplateView):
    """One inspection: sampling, the grid, the verdict, photos and the sign-off."""

    template_name = "quality/inspections/detail.html"
    nav_key = NAV_KEY
    allowed_roles = RECORDER_ROLES

    def _inspection(self) -> Inspection:
        inspection = inspection_detail(membership=self.membership, pk=self.kwargs["pk"])
        if inspection is None:
            raise Http404()
        return inspection

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        inspection = kwargs.get("inspection") or self._inspection()
        samplings = list(inspection.samplings.all())
        characteristics = characteristics_of(inspection)
        results = inspection_results(inspection=inspection)
        current = {(r.unit, r.characteristic_id): r for r in results}
        typed = kwargs.get("typed", {})
        cell_errors = kwargs.get("cell_errors", {})
        n = max((s.sample_size for s in samplings), default=0)
        limits = {c.pk: units_for(inspection, c, samplings) for c in characteristics}
        rows = []
        for unit in range(1, n + 1):
            cells = []
            for c in characteristics:
                key = _cell_key(unit, c.pk)
                cells.append(
                    {
                        "key": key,
                        "characteristic": c,
                        "applies": unit <= limits[c.pk],
                        "result": current.get((unit, c.pk)),
                        "typed": typed.get(key),
                        "error": cell_errors.get(key),
                        # A fresh key per render: posting the same form twice records nothing twice.
                        "client_key": f"form-{uuid.uuid4().hex}",
                    }
                )
            rows.append({"unit": unit, "cells": cells})
        editable = inspection.status in (Inspection.Status.WAITING, Inspection.Status.IN_PROGRESS)
        context.update(
            inspection=inspection,
            samplings=samplings,
            characteristics=characteristics,
            rows=rows,
            verdict=inspection_verdict(inspection, results=results),
            editable=editable,
            photos=list(inspection.photos.all()),
            sign_form=kwargs.get("sign_form") or SignForm(),
            photo_form=kwargs.get("photo_form") or PhotoForm(),
            errors=kwargs.get("errors", {}),
            form_error=kwargs.get("errors", {}).get("__all__"),
            corrected_by=Inspection.objects.filter(corrects=inspection).first(),
        )
        return context

    def post(self, request, *args, **kwargs):
        inspection = self._inspection()
        action = request.POST.get("action", "record")
        slug = self.membership.tenant.slug
        try:
            if action == "sign":
                form = SignForm(request.POST)
                if not form.is_valid():
                    raise ValidationError({"password": "Enter your password to sign."})
                signed = inspection_sign(
                    membership=self.membership, inspection=inspection, password=form.cleaned_data["password"]
                )
                messages.success(
                    request, f"{signed} signed: {signed.signature_meaning.lower()}. It is read-only from now on."
                )
                return redirect("inspection_detail", slug, signed.pk)
            if action == "correct":
                correction = inspection_correct(membership=self.membership, inspection=inspection)
                messages.success(
                    request, f"Correction {correction.revision} opened: change what was wrong and sign it again."
                )
                return redirect("inspection_detail", slug, correction.pk)
            if action == "photo":
                return self._photo(request, inspection)
            return self._record_form(request, inspection)
        except ValidationError as exc:
            return self.render_to_response(
                self.get_context_data(inspection=inspection, errors=error_messages(exc)), status=400
            )

    def _photo(self, request, inspection):
        form = PhotoForm(request.POST, request.FILES)
        if not form.is_valid():
            errors = {key: " ".join(msgs) for key, msgs in form.errors.items()}
            return self.render_to_response(
                self.get_context_data(inspection=inspection, errors=errors, photo_form=form), status=400
            )
        photo_add(
            membership=self.membership,
            inspection=inspection,
            upload=form.cleaned_data["photo"],
            unit=form.cleaned_data["unit"],
            note=form.cleaned_data["note"],
        )
        messages.success(request, "Photo added to the inspection.")
        return redirect("inspection_detail", self.membership.tenant.slug, inspection.pk)

    def _record_form(self, request, inspection):
        """The grid posted as a form (no JavaScript): records each cell typed or chosen."""
        typed, cell_errors, recorded = {}, {}, 0
        current = {(r.unit, r.characteristic_id): r for r in inspection_results(inspection=inspection)}
        for c in characteristics_of(inspection):
            for unit in range(1, units_for(inspection, c) + 1):
                key = _cell_key(unit, c.pk)
                raw = request.POST.get(key, "").strip()
                if not raw:
                    continue
                typed[key] = raw
                try:
                    value, passed = _read_cell(c, raw)
                    before = current.get((unit, c.pk))
                    if before is not None and before.value == value and before.passed == passed:
                        continue
                    _, created = result_record(
                        membership=self.membership,
                        inspection=inspection,
                        unit=unit,
                        characteristic=c,
                        client_key=request.POST.get(f"k-{unit}-{c.pk}") or f"form-{uuid.uuid4().hex}",
                        value=value,
                        passed=passed,
                    )
                    recorded += int(created)
                except ValidationError as exc:
                    cell_errors[key] = " ".join(error_messages(exc).values())
        if cell_errors:
            inspection.refresh_from_db()
            return self.render_to_response(
                self.get_context_data(inspection=inspection, typed=typed, cell_errors=cell_errors), status=400
            )
        messages.success(request, f"{recorded} result{'s' if recorded != 1 else ''} recorded.")
        return redirect("inspection_detail", self.membership.tenant.slug, inspection.pk)


def _read_cell(characteristic: Characteristic, raw) -> tuple[Decimal | None, bool | None]:
    """A cell as typed: a measurement (decimal comma or point), or "pass"/"fail" (also true/false)."""
    if characteristic.kind == Characteristic.Kind.MEASURED:
        return parse_measurement(str(raw)), None
    if raw in ("pass", True, "true"):
        return None, True
    if raw in ("fail", False, "false"):
        return None, False
    raise ValidationError("Choose pass or fail.")


class ResultEndpointView(TenantViewMixin, View):
    """POST one result as JSON (the page's offline queue): ``{"client_key", "unit", "characteristic",
    "value" (text, decimal comma or point) | "passed" (bool), "note"}``.

    Answers 201 with the result when recorded now, 200 when the key was recorded before (a resend),
    400 ``{"errors": {field: message}}`` when refused (the queue drops it and shows why), 404 out of
    scope. Each answer carries the tally (``verdict``) the page shows.
    """

    allowed_roles = RECORDER_ROLES

    def post(self, request, *args, **kwargs):
        inspection = inspection_detail(membership=self.membership, pk=self.kwargs["pk"])
        if inspection is None:
            raise Http404()
        try:
            body = json.loads(request.body or b"{}")
            if not isinstance(body, dict):
                raise ValueError
            unit = int(body.get("unit"))
            characteristic = Characteristic.objects.filter(
                version_id=inspection.plan_version_id, pk=int(body.get("characteristic"))
            ).first()
        except (ValueError, TypeError):
            return JsonResponse({"errors": {"__all__": "Send a JSON object with unit and characteristic."}}, status=400)
        if characteristic is None:
            return JsonResponse({"errors": {"characteristic": "Not a characteristic of this plan."}}, status=400)
        try:
            raw = body.get("passed") if characteristic.kind != Characteristic.Kind.MEASURED else body.get("value")
            value, passed = _read_cell(characteristic, raw)
            result, created = result_record(
                membership=self.membership,
                inspection=inspection,
                unit=unit,
                characteristic=characteristic,
                client_key=str(body.get("client_key") or ""),
                value=value,
                passed=passed,
                note=str(body.get("note") or ""),
            )
        except ValidationError as exc:
            return JsonResponse({"errors": error_messages(exc)}, status=400)
        verdict = inspection_verdict(inspection)
        return JsonResponse(
            {
                "result": {
                    "id": result.pk,
                    "client_key": result.client_key,
                    "unit": result.unit,
                    "characteristic": result.characteristic_id,
                    "value": None if result.value is None else str(result.value.normalize()),
                    "passed": result.passed,
                    "defect": result.defect,
                    "superseded": result.superseded,
                },
                "created": created,
                "verdict": _verdict_json(verdict),
            },
            status=201 if created else 200,
        )


def _verdict_json(verdict) -> dict:
    return {
        "outcome": verdict.outcome,
        "label": verdict.label,
        "recorded": verdict.recorded,
        "expected": verdict.expected,
        "classes": {t.defect_class: {"defective": t.defective, "recorded": t.recorded} for t in verdict.classes},
    }


class PhotoView(TenantViewMixin, View):
    """One photo of an inspection the member may see, served from the var dir."""

    allowed_roles = RECORDER_ROLES

    def get(self, request, *args, **kwargs):
        photo = (
            InspectionPhoto.objects.visible_to(self.membership)
            .filter(pk=self.kwargs["photo_id"], inspection_id=self.kwargs["pk"])
            .first()
        )
        if photo is None:
            raise Http404()
        response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response
