"""Partner API: corrective action requests (SCAR / 8D) issued to the token's partner: list, read,
answer a step, attach evidence to a step and download it. Scope ``scar:respond`` for all of them,
reads included (least privilege: a token that reads inspection results learns nothing of SCARs).

Thin: reads through ``quality.scar_selectors`` (404 outside the partner), writes through
``quality.services.scar_answers`` (the same rules as the supplier's step form, ``via="api"``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from portal.api.base import TenantScopedViewSet, binary_renderer
from portal.api.idempotency import idempotent
from portal.api.parsers import BoundedJSONParser
from portal.api.problems import Conflict, PayloadTooLarge
from portal.api.schema import problems
from portal.dates import tenant_today
from portal.services.errors import error_messages
from portal.stored_files import stored_file_response
from quality import scar_selectors
from quality.models import Scar, ScarAnswer, ScarEvidence, ScarStep
from quality.models.scars import STEP_CODES
from quality.services import scar_answers, scars
from suppliers.api.common import IDEMPOTENCY

from . import scar_serializers as s

SCOPE = "scar:respond"
CODE_PATTERN = "D[1-8]"
STATUS_FILTERS = tuple(Scar.Status.values)
OVERDUE_FILTERS = {"": None, "true": True, "false": False}
# What scar_evidence_add accepts (it reads the type from the file's bytes).
EVIDENCE_TYPES = (
    *scar_answers.SIMPLE_TYPES.values(),
    *scar_answers.OFFICE_TYPES.values(),
    "text/plain",
    "text/csv",
)
EVIDENCE_MAX_BYTES = scar_answers.EVIDENCE_MAX_BYTES
EVIDENCE_RENDERERS = [JSONRenderer, *(binary_renderer(t) for t in EVIDENCE_TYPES)]
STEP_CODE = OpenApiParameter(
    "code", str, OpenApiParameter.PATH, enum=list(STEP_CODES), description="The 8D step, D1 to D8."
)
STEPS = Prefetch("steps", queryset=ScarStep.objects.order_by("code"), to_attr="step_list")


@extend_schema_view(
    list=extend_schema(
        summary="Corrective action requests (SCAR / 8D) issued to you",
        description="Newest first, each with the step that needs you first and its due date.",
        parameters=[
            OpenApiParameter("status", str, enum=list(STATUS_FILTERS), description="Only SCARs in this state."),
            OpenApiParameter("overdue", bool, description="true: only SCARs with a step past its due date."),
        ],
        responses={200: s.ScarSerializer(many=True), **problems()},
    ),
    retrieve=extend_schema(
        summary="A corrective action request, every step in full",
        responses={200: s.ScarDetailSerializer, **problems()},
    ),
)
class ScarViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    required_scopes = {
        "list": SCOPE,
        "retrieve": SCOPE,
        "answer": SCOPE,
        "evidence_add": SCOPE,
        "evidence_file": SCOPE,
    }
    input_serializers = {"answer": s.ScarAnswerInputSerializer, "evidence_add": s.ScarEvidenceInputSerializer}
    upload_limits = {"evidence_add": EVIDENCE_MAX_BYTES}
    serializer_class = s.ScarSerializer
    queryset = Scar.objects.all()  # narrowed to the token's partner by the base (visible_to)
    http_method_names = ["get", "post", "head", "options"]

    def filter_scoped(self, queryset):
        if self.action != "list":
            return queryset.none()  # the other actions read through the selectors
        params = self.request.query_params
        wanted = params.get("status", "")
        if wanted and wanted not in STATUS_FILTERS:
            raise ValidationError({"status": _("Choose one of %(choices)s.") % {"choices": ", ".join(STATUS_FILTERS)}})
        overdue = params.get("overdue", "")
        if overdue not in OVERDUE_FILTERS:
            raise ValidationError({"overdue": _("Choose true or false.")})
        listed = scar_selectors.scars_for(self.membership, status=wanted or None, overdue=OVERDUE_FILTERS[overdue])
        return (listed & queryset).select_related("product").prefetch_related("defect_codes", STEPS)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        today = tenant_today(self.membership.tenant)
        for scar in page:
            _with_steps(scar, today)
        return self.get_paginated_response(s.ScarSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        scar = _scar_in_full(self.membership, int(self.kwargs["pk"]))
        context = self.get_serializer_context()
        return Response(s.ScarDetailSerializer(scar, context=context).data)

    @extend_schema(
        summary="Answer a step",
        description="Sends a new version of your answer to a step waiting for you (`open` or `returned`), or "
        "one you answered and Quality has not reviewed yet. `content` holds the step's structured fields "
        "(the object of `content` titled with the step's code); an error names the field "
        "(`content.members.0.name`). A step accepted, or a SCAR that is no "
        "longer open, takes no answer: 409 with the reason. The same content as your newest answer, not yet "
        "reviewed, creates no new version: 200 with the step as it stands.",
        request=s.ScarAnswerInputSerializer,
        parameters=[STEP_CODE, IDEMPOTENCY],
        responses={201: s.ScarStepSerializer, 200: s.ScarStepSerializer, **problems(409)},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"steps/(?P<code>{CODE_PATTERN})/answer",
        parser_classes=[BoundedJSONParser],
    )
    @idempotent
    def answer(self, request, pk=None, code=None):
        step = self._step()
        content = self.read_input()["content"]
        try:
            sent = scar_answers.scar_step_answer(membership=self.membership, step=step, content=content, via="api")
        except DjangoValidationError as refused:
            raise _problem_of(refused, content_paths=True) from None
        # The same content again is the version already there: nothing was created.
        return self._step_answer(status.HTTP_201_CREATED if sent.is_new else status.HTTP_200_OK)

    @extend_schema(
        summary="Attach evidence to a step",
        description=f"One file of at most {EVIDENCE_MAX_BYTES // (1024 * 1024)} MB: "
        f"{', '.join(EVIDENCE_TYPES)}. Answers the file as listed on the step.",
        request={"multipart/form-data": s.ScarEvidenceInputSerializer},
        parameters=[STEP_CODE, IDEMPOTENCY],
        responses={201: s.ScarEvidenceSerializer, **problems(409, 413)},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"steps/(?P<code>{CODE_PATTERN})/evidence",
        parser_classes=[MultiPartParser],
    )
    @idempotent
    def evidence_add(self, request, pk=None, code=None):
        step = self._step()
        upload = self.read_input()["file"]
        if upload.size > EVIDENCE_MAX_BYTES:  # the parser streamed it to disk, counting
            megabytes = EVIDENCE_MAX_BYTES // (1024 * 1024)
            raise PayloadTooLarge(_("A file may be at most %(size)s MB.") % {"size": megabytes})
        try:
            item = scar_answers.scar_evidence_add(membership=self.membership, step=step, upload=upload)
        except DjangoValidationError as refused:
            raise _problem_of(refused) from None
        item = ScarEvidence.objects.select_related("step").get(pk=item.pk)
        context = self.get_serializer_context()
        return Response(s.ScarEvidenceSerializer(item, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="An evidence file of a step",
        parameters=[STEP_CODE],
        responses={
            **{
                (200, media): OpenApiResponse(OpenApiTypes.BINARY, description="The file as uploaded")
                for media in EVIDENCE_TYPES
            },
            **problems(),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=rf"steps/(?P<code>{CODE_PATTERN})/evidence/(?P<evidence_id>[0-9]{{1,18}})",
        renderer_classes=EVIDENCE_RENDERERS,
    )
    def evidence_file(self, request, pk=None, code=None, evidence_id=None):
        step = self._step()
        found = ScarEvidence.objects.visible_to(self.membership).filter(step=step, pk=int(evidence_id)).first()
        if found is None:
            raise NotFound()
        return stored_file_response(found.file, content_type=found.content_type, filename=found.name)

    def _step(self) -> ScarStep:
        """The URL's step of the URL's SCAR, or 404: checked before the body is read."""
        return scar_selectors.step_get(self.membership, int(self.kwargs["pk"]), self.kwargs["code"])

    def _step_answer(self, code=status.HTTP_200_OK) -> Response:
        """The URL's step as it stands now, with its newest answer and its evidence."""
        step = self._step()
        scar = step.scar
        today = tenant_today(self.membership.tenant)
        step.overdue = _overdue(scar, step, today)
        step.latest_answer = max(step.answers.all(), key=lambda answer: answer.version, default=None)
        step.evidence_items = list(step.evidence.all())
        context = self.get_serializer_context()
        return Response(s.ScarStepSerializer(step, context=context).data, status=code)


def _problem_of(refused: DjangoValidationError, *, content_paths: bool = False) -> Exception:
    """A service's refusal as the API answers it: what the step's state forbids (a SCAR closed or
    cancelled, a step accepted, D8 before D1..D7) is a 409 with the service's words; anything else
    is a 400 naming each field, the answer's fields under ``content.`` as the client sent them."""
    messages = error_messages(refused)
    if set(messages) == {"__all__"}:
        return Conflict(messages["__all__"])
    named = {}
    for key, message in messages.items():
        inside = content_paths and key not in ("__all__", "evidence")
        named[f"content.{key}" if inside else key] = [message]
    return ValidationError(named)


def _overdue(scar: Scar, step: ScarStep, today) -> bool:
    """Past its due day and still waiting for the supplier, on an open SCAR (``scar_selectors``'s rule)."""
    return scar.status == Scar.Status.OPEN and step.status in ScarStep.WAITING_SUPPLIER and step.due_date < today


def _with_steps(scar: Scar, today) -> None:
    """The attributes the serializers read, from the prefetched steps (no query)."""
    for step in scar.step_list:
        step.overdue = _overdue(scar, step, today)
    # Only an open SCAR asks for anything: verifying, closed and cancelled ones take no answer (409).
    waiting = [step for step in scar.step_list if step.status in ScarStep.WAITING_SUPPLIER]
    asks = waiting and scar.status == Scar.Status.OPEN
    scar.next_step = min(waiting, key=lambda step: (step.due_date, step.code)) if asks else None
    scar.defect_code_list = list(scar.defect_codes.all())


def _scar_in_full(membership, pk: int) -> Scar:
    """The SCAR with everything its detail shows, or 404 (``NotInScope``) outside the partner."""
    scar = scar_selectors.scar_get(membership, pk)
    steps = ScarStep.objects.order_by("code").prefetch_related(
        Prefetch("answers", queryset=ScarAnswer.objects.order_by("-version"), to_attr="answer_list"),
        Prefetch("evidence", queryset=ScarEvidence.objects.select_related("step"), to_attr="evidence_items"),
    )
    prefetch_related_objects(
        [scar],
        Prefetch("steps", queryset=steps, to_attr="step_list"),
        "ncrs__product",
        "ncrs__defect_codes",
        "ncrs__lots",
    )
    _with_steps(scar, tenant_today(membership.tenant))
    for step in scar.step_list:
        step.latest_answer = step.answer_list[0] if step.answer_list else None
    scar.ncr_list = list(scar.ncrs.all())
    scar.d2_prefill = scars.scar_d2_prefill(scar)
    scar.suspect_asn_list = list(scars.suspect_asns(scar))
    return scar
