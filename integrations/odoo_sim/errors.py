"""Odoo's exception classes as they appear on the wire (``data.name``) and their JSON-2 statuses.

JSON-2 (19) answers an Odoo exception with the status it carries (UserError and
ValidationError 422, AccessError 403, MissingError 404) and any Python error
(ValueError, TypeError, IndexError, AttributeError, ...) with 500
(odoo19/transcripts/user_error_validation_error.json, nonexistent_model_or_method.json).
"""

from __future__ import annotations


class OdooSimError(Exception):
    """An error the simulated server reports as Odoo would."""

    name = "odoo.exceptions.UserError"
    json2_status = 422

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UserError(OdooSimError):
    name = "odoo.exceptions.UserError"


class AccessError(OdooSimError):
    name = "odoo.exceptions.AccessError"
    json2_status = 403


class AccessDenied(OdooSimError):
    name = "odoo.exceptions.AccessDenied"
    json2_status = 401

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class MissingError(OdooSimError):
    name = "odoo.exceptions.MissingError"
    json2_status = 404


class ValidationError(OdooSimError):
    name = "odoo.exceptions.ValidationError"


class PyValueError(OdooSimError):
    name = "builtins.ValueError"
    json2_status = 500


class PyAttributeError(OdooSimError):
    name = "builtins.AttributeError"
    json2_status = 500


class PyNameError(OdooSimError):
    name = "builtins.NameError"
    json2_status = 500


class PyTypeError(OdooSimError):
    name = "builtins.TypeError"
    json2_status = 500


class PyIndexError(OdooSimError):
    name = "builtins.IndexError"
    json2_status = 500


class NotRecorded(OdooSimError):
    """What no recording of a real server shows: the simulator refuses it rather than guess."""

    name = "builtins.NotImplementedError"
    json2_status = 500


def not_recorded(series: str, what: str) -> NotRecorded:
    return NotRecorded(f"the simulated Odoo {series} refuses {what}: no recording of a real server shows its answer")


class UnknownModel(UserError):
    json2_status = 404


class Json2Error(OdooSimError):
    """A werkzeug HTTP error of the JSON-2 dispatcher: ``arguments`` is ``[message, status]``."""

    def __init__(self, status: int, name: str, message: str) -> None:
        super().__init__(message)
        self.json2_status, self.name = status, name


def unprocessable(message: str) -> Json2Error:
    return Json2Error(422, "werkzeug.exceptions.UnprocessableEntity", message)


def not_found(message: str) -> Json2Error:
    return Json2Error(404, "werkzeug.exceptions.NotFound", message)


def missing(model: str, ids, uid: int) -> MissingError:
    ids_repr = ", ".join(str(i) for i in ids) + ("," if len(ids) == 1 else "")
    return MissingError(f"Record does not exist or has been deleted.\n(Record: {model}({ids_repr}), User: {uid})")


def mandatory(model_string: str, model: str, field_string: str, field: str, version: int = 18) -> ValidationError:
    """A NOT NULL violation on create, worded as each series words it (user_error_validation_error.json)."""
    if version >= 19:
        return ValidationError(
            f"The operation cannot be completed: Missing required value for the field '{field_string}' ({field}).\n"
            f"Model: '{model_string}' ({model})\n- create/update: a mandatory field is not set\n"
            "- delete: another model requires the record being deleted, you can archive it instead\n"
        )
    return ValidationError(
        "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
        "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
        f"Model: {model_string} ({model})\nField: {field_string} ({field})\n"
    )


class InjectedRefusal(OdooSimError):
    """An error a test asked for (``/sim/control`` action ``refuse``), with Odoo's name and JSON-2 status."""

    STATUS = {
        "odoo.exceptions.AccessError": 403,
        "odoo.exceptions.MissingError": 404,
        "odoo.exceptions.UserError": 422,
        "odoo.exceptions.ValidationError": 422,
    }

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.json2_status = self.STATUS.get(name, 500)
