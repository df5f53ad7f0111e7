"""The inspector's pages (tablet first): the list of lots to inspect with the dock's scan field, the
inspection page (sampling, the units x characteristics grid, verdict, photos, sign-off), the JSON
endpoint the page's offline queue sends results to, and a photo download.

Inspectors and quality engineers only (``RECORDER_ROLES``); anyone else, suppliers included, and
any inspection outside the member's scope answer 404.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse, RawPostDataException
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView

from portal.api.base import body_limit
from portal.api.parsers import JsonTooDeep, json_loads_bounded
from portal.services.errors import error_messages
from portal.views.mixins import TenantViewMixin
from quality.forms import PhotoForm, ScanForm, SignForm, parse_measurement
from quality.models import Characteristic, Inspection, InspectionPhoto
from quality.photo_files import photo_file_response
from quality.scans import SCAN_MAX, read_scan
from quality.selectors import (
    inspection_detail,
    inspection_find,
    inspection_list_undecided,
    inspection_list_waiting,
    inspection_results,
)
from quality.services.certificates import certificate_values
from quality.services.corrections import inspection_correction_discard
from quality.services.recording import (
    RECORDER_ROLES,
    characteristics_of,
    inspection_correct,
    inspection_sign,
    inspection_verdict,
    measurement_stored,
    photo_add,
    result_record,
    sign_note,
    units_for,
)
from quality.views.disposition_section import disposition_context

NAV_KEY = "inspections"
# Units of the grid one page shows: a 100 % rule on a lot of thousands would otherwise be one huge page.
UNITS_PER_PAGE = 50
_UNITS = re.compile(r"([0-9]{1,9})(?:-[0-9]{1,9})?")
# The largest id a database key holds (bigint); a bigger number names nothing.
_MAX_ID = 2**63 - 1


class InspectionListView(TenantViewMixin, TemplateView):
    """What waits at the dock, oldest first; a scan opens the inspection it names (or lists several)."""

    template_name = "quality/inspections/list.html"
    nav_key = NAV_KEY
    allowed_roles = RECORDER_ROLES

    def get(self, request, *args, **kwargs):
        form = ScanForm(request.GET)
        raw = request.GET.get("scan", "")
        scan = form.cleaned_data["scan"] if form.is_valid() else ""
        problem = read_scan(scan).problem if scan else ""
        if len(raw) > SCAN_MAX:
            problem = _("A scan is at most %(max)s characters; this one has %(length)s. Scan the label again.") % {
                "max": SCAN_MAX,
                "length": len(raw),
            }
        if problem:
            return self.render_to_response(self.get_context_data(scan=raw[:SCAN_MAX], scan_error=problem), status=400)
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
        # The badge counts every waiting lot, not the 100 shown.
        context["waiting_count"] = len(context["waiting"]) if len(context["waiting"]) < 100 else waiting.count()
        context["in_progress"] = list(
            Inspection.objects.visible_to(self.membership)
            .filter(status=Inspection.Status.IN_PROGRESS)
            .select_related("partner", "product", "receipt")
            .order_by("created_at", "id")[:100]
        )
        undecided = inspection_list_undecided(membership=self.membership)
        context["undecided"] = list(undecided[:100])
        shown = len(context["undecided"])
        context["undecided_count"] = shown if shown < 100 else undecided.count()
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
        n = max((s.sample_size for s in samplings), default=0)
        first, last = _units_page(self.request.GET.get("units"), n)
        results = inspection_results(inspection=inspection, units=(first, last))
        current = {(r.unit, r.characteristic_id): r for r in results}
        typed = kwargs.get("typed", {})
        cell_errors = kwargs.get("cell_errors", {})
        limits = {c.pk: units_for(inspection, c, samplings) for c in characteristics}
        certificates = certificate_values(inspection, characteristics)
        for c in characteristics:  # the grid's header shows the supplier's value beside the plan's
            c.certificate = certificates.get(c.pk)
        rows = []
        for unit in range(first, last + 1):
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
            units_page=_units_links(first, last, n),
            # Over every unit, not only the page's: the tally is read from the database in one query.
            verdict=(verdict := inspection_verdict(inspection)),
            sign_note=sign_note(inspection.tenant, verdict.outcome),
            editable=editable,
            photos=list(inspection.photos.all()),
            sign_form=kwargs.get("sign_form") or SignForm(),
            photo_form=kwargs.get("photo_form") or PhotoForm(),
            errors=kwargs.get("errors", {}),
            form_error=kwargs.get("errors", {}).get("__all__"),
            corrected_by=Inspection.objects.filter(corrects=inspection).first(),
            recording_texts=recording_texts() if editable else None,
            **disposition_context(inspection, membership=self.membership),
        )
        return context

    def post(self, request, *args, **kwargs):
        inspection = self._inspection()
        action = request.POST.get("action", "record")
        slug = self.membership.tenant.slug
        if action not in ("record", "sign", "correct", "discard", "photo"):
            return self.render_to_response(
                self.get_context_data(
                    inspection=inspection, errors={"__all__": _("Unknown action: nothing was done.")}
                ),
                status=400,
            )
        try:
            if action == "sign":
                form = SignForm(request.POST)
                if not form.is_valid():
                    raise ValidationError({"password": _("Enter your password to sign.")})
                signed = inspection_sign(
                    membership=self.membership, inspection=inspection, password=form.cleaned_data["password"]
                )
                messages.success(
                    request,
                    _("%(inspection)s signed: %(meaning)s. It is read-only from now on.")
                    % {"inspection": signed, "meaning": signed.signature_meaning},
                )
                return redirect("inspection_detail", slug, signed.pk)
            if action == "discard":
                original = inspection_correction_discard(membership=self.membership, inspection=inspection)
                messages.success(request, _("The correction was discarded: the signed inspection counts again."))
                return redirect("inspection_detail", slug, original.pk)
            if action == "correct":
                correction = inspection_correct(membership=self.membership, inspection=inspection)
                messages.success(
                    request,
                    _("Correction %(revision)s opened: change what was wrong and sign it again.")
                    % {"revision": correction.revision},
                )
                return redirect("inspection_detail", slug, correction.pk)
            if action == "photo":
                return self._photo(request, inspection)
            return self._record_form(request, inspection)  # action == "record"
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
        messages.success(request, _("Photo added to the inspection."))
        return redirect("inspection_detail", self.membership.tenant.slug, inspection.pk)

    def _record_form(self, request, inspection):
        """The grid posted as a form (no JavaScript): records each cell typed or chosen."""
        typed, cell_errors, recorded = {}, {}, 0
        # The form holds one page of units (the one its URL names), so only those cells are read.
        n = inspection.sample_size or 0
        first, last = _units_page(request.GET.get("units"), n)
        results = inspection_results(inspection=inspection, units=(first, last))
        current = {(r.unit, r.characteristic_id): r for r in results}
        for c in characteristics_of(inspection):
            for unit in range(first, min(last, units_for(inspection, c)) + 1):
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
                    _result, created = result_record(
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
        messages.success(
            request,
            ngettext("%(count)s result recorded.", "%(count)s results recorded.", recorded) % {"count": recorded},
        )
        response = redirect("inspection_detail", self.membership.tenant.slug, inspection.pk)
        page = request.GET.get("units")
        if page and _UNITS.fullmatch(page):  # back to the page of units just saved
            response["Location"] += f"?units={page}"
        return response


def _units_page(asked: str | None, n: int) -> tuple[int, int]:
    """The units (first, last) of the grid's page that ``?units=51-100`` asks for: the page of
    ``UNITS_PER_PAGE`` holding its first unit; the first page when absent, malformed or past n."""
    match = _UNITS.fullmatch(asked or "")
    unit = int(match.group(1)) if match else 1
    if not 1 <= unit <= n:
        unit = 1
    first = (unit - 1) // UNITS_PER_PAGE * UNITS_PER_PAGE + 1
    return first, min(n, first + UNITS_PER_PAGE - 1)


def _forms(text) -> dict[str, str]:
    """The one/other forms of a count sentence (``text(n)``); the script puts the count in %(count)s."""
    return {"one": text(1), "other": text(2)}


def recording_texts() -> dict:
    """What static/quality/recording.js writes on the tablet, in the page's language (read from a JSON script)."""
    return {
        "waiting": _forms(
            lambda n: ngettext("%(count)s result waiting to be sent…", "%(count)s results waiting to be sent…", n)
        ),
        "offline": _forms(
            lambda n: ngettext(
                "%(count)s result waiting to be sent (offline: they are kept on this tablet).",
                "%(count)s results waiting to be sent (offline: they are kept on this tablet).",
                n,
            )
        ),
        "all_sent": _("All results sent."),
        "missing": _forms(
            lambda n: ngettext("%(count)s result still to record.", "%(count)s results still to record.", n)
        ),
        "not_saved": _("Not saved: this entry's key already holds %(value)s."),
        "pass": _("pass"),
        "fail": _("fail"),
        "out_of_tolerance": _("Out of tolerance"),
        "defect": _("Defect"),
        "saved": _("Saved"),
        "out_of_tolerance_waiting": _("Out of tolerance · waiting to be sent"),
        "defect_waiting": _("Defect · waiting to be sent"),
        "waiting_to_send": _("Waiting to be sent"),
    }


def _units_links(first: int, last: int, n: int) -> dict | None:
    """The grid's page links as ``?units=`` values (None when every unit fits on one page)."""
    if n <= UNITS_PER_PAGE:
        return None

    def span(start: int) -> str:
        return f"{start}-{min(n, start + UNITS_PER_PAGE - 1)}"

    last_first = (n - 1) // UNITS_PER_PAGE * UNITS_PER_PAGE + 1
    return {
        "first": first,
        "last": last,
        "n": n,
        "start": span(1) if first > 1 else None,
        "previous": span(first - UNITS_PER_PAGE) if first > 1 else None,
        "next": span(first + UNITS_PER_PAGE) if last < n else None,
        "end": span(last_first) if last < n else None,
    }


def _read_cell(characteristic: Characteristic, raw) -> tuple[Decimal | None, bool | None]:
    """A cell as typed: a measurement (decimal comma or point), or "pass"/"fail" (also true/false)."""
    if characteristic.kind == Characteristic.Kind.MEASURED:
        return parse_measurement(str(raw)), None
    if raw in ("pass", True, "true"):
        return None, True
    if raw in ("fail", False, "false"):
        return None, False
    raise ValidationError(_("Choose pass or fail."))


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number.")


class _Refused(Exception):
    """A body the endpoint does not read: ``status`` and the ``{"errors": ...}`` to answer."""

    def __init__(self, status: int, errors: dict):
        super().__init__(errors)
        self.status, self.errors = status, errors


class _JsonCsrf(CsrfViewMiddleware):
    """Django's CSRF check, answering the endpoint's JSON instead of Django's HTML 403 page."""

    def _reject(self, request, reason):
        return JsonResponse(
            {"errors": {"__all__": _("CSRF check failed (%(reason)s); reload the page.") % {"reason": reason}}},
            status=403,
        )


def _csrf_check(request):
    return _JsonCsrf(lambda r: None).process_view(request, None, (), {})


def _read_body(request) -> dict:
    """The endpoint's JSON object, typed strictly (see ``ResultEndpointView``); ``_Refused`` if not."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = body_limit()
    if length > limit:
        raise _Refused(
            413,
            {
                "__all__": _("The body is %(length)s bytes; this endpoint takes at most %(limit)s.")
                % {"length": length, "limit": limit}
            },
        )
    if request.content_type != "application/json":
        raise _Refused(415, {"__all__": _("Send the result as JSON (Content-Type: application/json).")})
    shape = _Refused(400, {"__all__": _("Send a JSON object with unit and characteristic.")})
    try:
        text = request.body.decode("utf-8") if request.body else "{}"
        body = json_loads_bounded(text, parse_constant=_refuse_constant, parse_float=Decimal)
    except JsonTooDeep as exc:
        raise _Refused(400, {"__all__": str(exc)}) from None
    except (ValueError, RawPostDataException):
        raise shape from None
    if not isinstance(body, dict):
        raise shape
    unit, characteristic = body.get("unit"), body.get("characteristic")
    # JSON integers only: 1.9, true or " 2 " name no unit (bool is an int in Python, hence the type test).
    if type(unit) is not int or type(characteristic) is not int or not 0 < characteristic <= _MAX_ID:
        raise shape
    errors = {}
    for name in ("client_key", "note"):
        if body.get(name) is not None and not isinstance(body[name], str):
            errors[name] = _("Send text.")
        elif "\x00" in (body.get(name) or ""):
            errors[name] = _("Text may not hold NUL characters.")
    if "passed" in body and body["passed"] is not None and not isinstance(body["passed"], bool):
        errors["passed"] = _("Send true (pass) or false (fail).")
    value = body.get("value")
    if value is not None and (isinstance(value, bool) or not isinstance(value, str | int | Decimal)):
        errors["value"] = _("Send the measured value as text or a number.")
    if errors:
        raise _Refused(400, errors)
    return body


@method_decorator(csrf_exempt, name="dispatch")  # checked in dispatch, answering JSON
class ResultEndpointView(TenantViewMixin, View):
    """POST one result as JSON (the page's offline queue): ``{"client_key" (text), "unit" (integer),
    "characteristic" (integer id), "value" (text, decimal comma or point, or a JSON number) | "passed"
    (true/false), "note" (text)}``; other JSON types, NaN/Infinity and bodies nested deeper than
    ``MAX_JSON_DEPTH`` are refused.

    Answers 201 with the result when recorded now, 200 when the key was recorded before with the
    same cell and value (a resend), 409 with the stored result when the key was recorded with a
    different one (the value sent was not taken), 400 ``{"errors": {field: message}}`` when refused
    (the queue drops it and shows why), 403 (JSON) without a valid CSRF token, 413 for a body over
    ``body_limit()``, 415 for a body that is not JSON, 404 out of scope. Each result answer carries
    the tally (``verdict``) the page shows.
    """

    allowed_roles = RECORDER_ROLES

    def dispatch(self, request, *args, **kwargs):
        refused = _csrf_check(request)
        return refused or super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        inspection = inspection_detail(membership=self.membership, pk=self.kwargs["pk"])
        if inspection is None:
            raise Http404()
        try:
            body = _read_body(request)
        except _Refused as refused:
            return JsonResponse({"errors": refused.errors}, status=refused.status)
        characteristic = Characteristic.objects.filter(
            version_id=inspection.plan_version_id, pk=body["characteristic"]
        ).first()
        if characteristic is None:
            return JsonResponse({"errors": {"characteristic": _("Not a characteristic of this plan.")}}, status=400)
        try:
            raw = body.get("passed") if characteristic.kind != Characteristic.Kind.MEASURED else body.get("value")
            value, passed = _read_cell(characteristic, raw)
            result, created = result_record(
                membership=self.membership,
                inspection=inspection,
                unit=body["unit"],
                characteristic=characteristic,
                client_key=body.get("client_key") or "",
                value=value,
                passed=passed,
                note=body.get("note") or "",
            )
        except ValidationError as exc:
            return JsonResponse({"errors": error_messages(exc)}, status=400)
        status = 201 if created else 200
        if not created and not _same_entry(result, body["unit"], characteristic, value, passed):
            status = 409  # the key was taken by another entry: what it holds is not what was sent
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
                "verdict": _verdict_json(verdict, inspection.tenant),
            },
            status=status,
        )


def _same_entry(result, unit: int, characteristic: Characteristic, value: Decimal | None, passed) -> bool:
    """Whether a stored result is the entry sent again (values compared as stored, to 6 decimals)."""
    if result.unit != unit or result.characteristic_id != characteristic.pk:
        return False
    if characteristic.kind == Characteristic.Kind.MEASURED:
        return value is not None and result.value is not None and measurement_stored(value) == result.value
    return result.passed == passed


def _verdict_json(verdict, tenant) -> dict:
    return {
        "outcome": verdict.outcome,
        "label": verdict.label,
        "sign_note": sign_note(tenant, verdict.outcome),
        "recorded": verdict.recorded,
        "expected": verdict.expected,
        "missing": verdict.missing,
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
        return photo_file_response(photo)
