"""``Idempotency-Key`` on POST: the same key and body get the first answer again; another body
with the same key is a 409; concurrent duplicates run once (the key is claimed in its own
committed row before the work starts)."""

from __future__ import annotations

import hashlib
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from portal.models import ApiToken, IdempotencyRecord

from .problems import problem

MAX_KEY = 255


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
                "Idempotency-Key must be 1 to 255 printable characters.",
                request=request,
                errors=[{"field": "Idempotency-Key", "message": "1 to 255 printable characters."}],
            )
        digest = hashlib.sha256(
            request.method.encode() + b" " + request.path.encode() + b"\n" + request.body
        ).hexdigest()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    token=token, key=key, method=request.method, path=request.path[:500], body_hash=digest
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.get(token=token, key=key)
            if record.body_hash != digest:
                return problem(
                    409, "This Idempotency-Key was used with another request; use a new key.", request=request
                )
            if record.completed_at is None:
                return problem(
                    409,
                    "A request with this Idempotency-Key is still being processed; retry shortly.",
                    request=request,
                    headers={"Retry-After": "1"},
                )
            return Response(
                record.response_body,
                status=record.status_code,
                headers={"Idempotent-Replayed": "true"},
                content_type="application/problem+json" if record.status_code >= 400 else None,
            )
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
            status_code=response.status_code, response_body=response.data, completed_at=timezone.now()
        )
        return response

    return wrapper
