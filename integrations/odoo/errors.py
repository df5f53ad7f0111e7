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


class ConfigurationRejected(OdooPermanentError):
    """Odoo refuses the tenant's connection settings themselves: every call would fail alike until a person
    changes them (the delivery stops and waits for a passing connection check instead of retrying)."""


class CredentialsRejected(ConfigurationRejected):
    """The password or API key was refused (a rotation may fix it)."""


class LanguageRejected(ConfigurationRejected):
    """The language the calls name (``OdooConfig.lang``) is not active in Odoo, or no language at all: Odoo 17+
    refuses every such call with the UserError "Invalid language code: xx_XX" (odoo19/transcripts/
    context_lang_tz.json; 422 over JSON-2)."""


# Odoo's own words, never translated (it has no valid language to translate them into).
INVALID_LANGUAGE = "Invalid language code:"


# Odoo's exception names (``data.name`` over /jsonrpc, ``name`` over JSON-2) decide first: JSON-2 answers
# HTTP 500 for a ValueError (a wrong field or selection value), which retrying cannot fix
# (shared/odoo-reference/json2.md, "Verified on a real 19 server").
TRANSIENT_NAMES = {
    "odoo.http.SessionExpiredException",
    "psycopg2.errors.SerializationFailure",
    "psycopg2.extensions.TransactionRollbackError",
    "psycopg2.OperationalError",
    "psycopg2.errors.LockNotAvailable",
    "psycopg2.errors.DeadlockDetected",
    "odoo.exceptions.ConcurrencyError",
}
PERMANENT_NAMES = {
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.AccessError",
    "odoo.exceptions.MissingError",
    "odoo.exceptions.RedirectWarning",
    "builtins.ValueError",
    "builtins.TypeError",
    "builtins.IndexError",
    "builtins.KeyError",
    "builtins.AttributeError",
    "builtins.NameError",
    "psycopg2.errors.UniqueViolation",
    "psycopg2.errors.NotNullViolation",
    "psycopg2.errors.ForeignKeyViolation",
    "psycopg2.errors.CheckViolation",
}
# werkzeug's 4xx (JSON-2 protocol errors: arguments that do not bind, unknown route, ...) are permanent;
# its 5xx (a proxy or server in trouble) are not.
_WERKZEUG = "werkzeug.exceptions."
_WERKZEUG_TRANSIENT = {"InternalServerError", "BadGateway", "ServiceUnavailable", "GatewayTimeout", "TooManyRequests"}
_BUILTIN_TRANSIENT = {
    "ConnectionError",
    "ConnectionResetError",
    "ConnectionRefusedError",
    "ConnectionAbortedError",
    "BrokenPipeError",
    "TimeoutError",
    "InterruptedError",
    "OSError",
    "MemoryError",
}
REJECTED_NAMES = {"odoo.exceptions.AccessDenied"}


def is_permanent_name(name: str, message: str = "") -> bool | None:
    """True/False when Odoo's exception name decides, None when it does not."""
    if name == "psycopg2.OperationalError" and "does not exist" in message and "database" in message:
        return True  # the configured database is not there (recorded answer to a wrong db name)
    if name in PERMANENT_NAMES:
        return True
    if name in TRANSIENT_NAMES:
        return False
    if name.startswith(_WERKZEUG):
        return name[len(_WERKZEUG) :] not in _WERKZEUG_TRANSIENT
    if name.startswith("odoo.exceptions."):
        return True  # Odoo's business exceptions all mean "this call is wrong as it is"
    if name.startswith("builtins."):
        # Python errors in the server's code answer the same input the same way, except those
        # of the machine or the network under it.
        return name[len("builtins.") :] not in _BUILTIN_TRANSIENT
    return None


def classify(name: str, message: str, *, model: str = "", method: str = "", status: int | None = None) -> OdooError:
    """An error Odoo answered over /jsonrpc: its exception name decides; an unknown server-side
    exception (a bug, a lost database connection) is worth another try."""
    if name in REJECTED_NAMES:
        return CredentialsRejected(message, name=name, status=status, model=model, method=method)
    if _language_refused(name, message):
        return LanguageRejected(message, name=name, status=status, model=model, method=method)
    permanent = is_permanent_name(name, message)
    cls = OdooPermanentError if permanent or (permanent is None and not name) else OdooTransientError
    return cls(message, name=name, status=status, model=model, method=method)


def classify_status(status: int, name: str, message: str, *, model: str = "", method: str = "") -> OdooError:
    """JSON-2 (and plain HTTP): the exception name first, then the status (reference json2.md):
    401 is a refused key, 408/429/5xx are transient, other 4xx are permanent."""
    if status == 401 or name in REJECTED_NAMES:
        return CredentialsRejected(message, name=name, status=status, model=model, method=method)
    if _language_refused(name, message):
        return LanguageRejected(message, name=name, status=status, model=model, method=method)
    permanent = is_permanent_name(name, message)
    if permanent is None:
        permanent = not (status in (408, 429) or status >= 500)
    cls = OdooPermanentError if permanent else OdooTransientError
    return cls(message, name=name, status=status, model=model, method=method)


def _language_refused(name: str, message: str) -> bool:
    return name == "odoo.exceptions.UserError" and (message or "").startswith(INVALID_LANGUAGE)
