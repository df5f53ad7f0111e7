"""Per-request context that services and log lines read: correlation id and source.

Kept in contextvars so a Celery task or a management command can set them the
same way the web middleware does.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

correlation_id_var: ContextVar[str] = ContextVar("correlation_id", default="")
source_var: ContextVar[str] = ContextVar("source", default="web")


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def current_correlation_id() -> str:
    return correlation_id_var.get() or ""


def current_source() -> str:
    return source_var.get()


@contextmanager
def bound(*, correlation_id: str | None = None, source: str | None = None) -> Iterator[str]:
    """Bind a correlation id and source for the duration of a block."""
    cid_token = correlation_id_var.set(correlation_id or new_correlation_id())
    src_token = source_var.set(source) if source else None
    try:
        yield correlation_id_var.get()
    finally:
        correlation_id_var.reset(cid_token)
        if src_token is not None:
            source_var.reset(src_token)


class CorrelationIdFilter(logging.Filter):
    """Puts the current correlation id on every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = current_correlation_id() or "-"
        return True
