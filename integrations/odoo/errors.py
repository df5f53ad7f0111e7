"""One error taxonomy for both transports: retry the transient, park the permanent."""

from __future__ import annotations


class OdooError(Exception):
    """An Odoo call failed; ``name`` is Odoo's exception name when it gave one."""

    def __init__(
        self, message: str, *, name: str = "", status: int | None = None, model: str = "", method: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.status = status
        self.model = model
        self.method = method

    def __str__(self) -> str:
        where = f"{self.model}.{self.method}: " if self.model else ""
        label = f"{self.name}: " if self.name else ""
        return f"{where}{label}{self.message}"


class OdooTransientError(OdooError):
    """Worth retrying later: connection refused or reset, timeout, 5xx, 429, serialization failure."""


class OdooPermanentError(OdooError):
    """Retrying will not help: access, missing record, validation, unknown model/field/method."""


class CredentialsRejected(OdooPermanentError):
    """The password or API key was refused (a rotation may fix it)."""


# JSON-RPC error names that mean "try again" rather than "this is wrong".
TRANSIENT_NAMES = {
    "odoo.http.SessionExpiredException",
    "psycopg2.errors.SerializationFailure",
    "psycopg2.extensions.TransactionRollbackError",
    "psycopg2.OperationalError",
    "psycopg2.errors.LockNotAvailable",
    "odoo.exceptions.ConcurrencyError",
}
REJECTED_NAMES = {"odoo.exceptions.AccessDenied"}


def classify(name: str, message: str, *, model: str = "", method: str = "", status: int | None = None) -> OdooError:
    if name in REJECTED_NAMES:
        return CredentialsRejected(message, name=name, status=status, model=model, method=method)
    cls = OdooTransientError if name in TRANSIENT_NAMES else OdooPermanentError
    return cls(message, name=name, status=status, model=model, method=method)


def classify_status(status: int, name: str, message: str, *, model: str = "", method: str = "") -> OdooError:
    """JSON-2: the status is the primary signal (see the reference's json2.md)."""
    if status == 401:
        return CredentialsRejected(message, name=name, status=status, model=model, method=method)
    if status in (408, 429) or status >= 500:
        return OdooTransientError(message, name=name, status=status, model=model, method=method)
    return OdooPermanentError(message, name=name, status=status, model=model, method=method)
