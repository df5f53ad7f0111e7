"""Odoo's exception classes as they appear on the wire (``data.name``)."""

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


class PyAttributeError(OdooSimError):
    name = "builtins.AttributeError"
    json2_status = 404


class PyNameError(OdooSimError):
    name = "builtins.NameError"


class UnknownModel(UserError):
    json2_status = 404


def missing(model: str, ids, uid: int) -> MissingError:
    ids_repr = ", ".join(str(i) for i in ids) + ("," if len(ids) == 1 else "")
    return MissingError(f"Record does not exist or has been deleted.\n(Record: {model}({ids_repr}), User: {uid})")


def mandatory(model_string: str, model: str, field_string: str, field: str) -> ValidationError:
    return ValidationError(
        "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
        "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
        f"Model: {model_string} ({model})\nField: {field_string} ({field})\n"
    )
