"""``Idempotency-Key`` on POST: the same key and request get the first answer again; another
request with the same key is a 409; concurrent duplicates run once (the key is claimed in its own
committed row before the work starts).

"The same request" is the same meaning, not the same bytes: method, path, query and the parsed
body, with keys in any order, any JSON spacing, and files by name and content. A client that
re-sends a multipart upload builds a new boundary each time; that is still the same request.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import wraps

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework.response import Response

from portal.models import ApiToken, IdempotencyRecord

from .problems import problem

MAX_KEY = 255
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _canonical(value):
    """A JSON-able form of parsed request data that does not depend on how it was encoded."""
    if isinstance(value, QueryDict):
        return {key: [_canonical(v) for v in values] for key, values in sorted(value.lists())}
    if isinstance(value, dict):
        return {str(key): _canonical(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)  # the view reads it next
        return {"file": value.name, "sha256": digest.hexdigest()}
    return value


def _storable(value):
    """An answer as every database keeps it: PostgreSQL's jsonb refuses NUL and lone surrogates,
    which an error message may quote back from the request. They become U+FFFD in the replay."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_storable(str(k)): _storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_storable(v) for v in value]
    return value


def request_fingerprint(request) -> str:
    """SHA-256 of what the request means (see the module docstring)."""
    data = _canonical(request.data) or {}
    query = _canonical(request.query_params)
    meaning = json.dumps(
        [request.method, request.path, query, data], sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(meaning.encode()).hexdigest()


def _replay(record: IdempotencyRecord) -> Response:
    """The first answer word for word, so in its own language, and saying which (base.finalize_response)."""
    replayed_in = {"Content-Language": record.response_language} if record.response_language else {}
    return Response(
        record.response_body,
        status=record.status_code,
        headers={"Idempotent-Replayed": "true", **replayed_in},
        content_type="application/problem+json" if record.status_code >= 400 else None,
    )


def idempotent(action):
    @wraps(action)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        token = request.auth
        if key is None or not isinstance(token, ApiToken):
            return action(self, request, *args, **kwargs)
        if not key or len(key) > MAX_KEY or not key.isprintable():
            return problem(
                400,
                _("Idempotency-Key must be 1 to %(max)s printable characters.") % {"max": MAX_KEY},
                request=request,
                errors=[
                    {"field": "Idempotency-Key", "message": _("1 to %(max)s printable characters.") % {"max": MAX_KEY}}
                ],
            )
        digest = request_fingerprint(request)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    token=token, key=key, method=request.method, path=request.path[:500], body_hash=digest
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.get(token=token, key=key)
            if record.body_hash != digest:
                return problem(
                    409, _("This Idempotency-Key was used with another request; use a new key."), request=request
                )
            if record.completed_at is None:
                return problem(
                    409,
                    _("A request with this Idempotency-Key is still being processed; retry shortly."),
                    request=request,
                    headers={"Retry-After": "1"},
                )
            return _replay(record)
        try:
            response = action(self, request, *args, **kwargs)
        except Exception as exc:  # the view's own error answer is what later retries get too
            try:
                response = self.handle_exception(exc)
            except Exception:
                record.delete()  # a crash is not an answer: a retry may run again
                raise
        if response.status_code >= 500:
            record.delete()
            return response
        IdempotencyRecord.objects.filter(pk=record.pk).update(
            status_code=response.status_code,
            response_body=_storable(response.data),
            response_language=translation.get_language() or settings.LANGUAGE_CODE,
            completed_at=timezone.now(),
        )
        return response

    return wrapper
