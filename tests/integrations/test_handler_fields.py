"""The Odoo fields the delivery handlers and the reconcilers name are all in ``FIELDS_USED``, the list
the connection check proves on each tenant's server and the contract suite checks against Odoo.

Read from the source (AST), not by running them: every ``read``/``search_read``/``write``/``create``/
``search`` call (and ``already_there``, which searches) with a literal model, the string literals of
its field list, the keys of its values (a dict literal, or a dict variable filled by ``name[key] =``,
``name = {...}`` or ``name.update(key=...)`` in the same function) and the fields of its domain leaves
(``a.b`` followed through the relations). Module constants (``PROMISED = "date_planned"``,
``MOVE_FIELDS = [...]``) are resolved; names only known at run time (a dialect's field) are not, the
dialect tests cover those.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

from integrations.odoo.fields_used import FIELD_TYPES, HANDLER_OPTIONAL

ROOTS = ("integrations/handlers", "integrations/reconcilers")
# method -> (index of the model, index and keyword of the fields, of the values, of the domain)
CALLS = {
    "read": {"model": 0, "fields": (2, "fields")},
    "search_read": {"model": 0, "domain": (1, "domain"), "fields": (2, "fields")},
    "search": {"model": 0, "domain": (1, "domain")},
    "write": {"model": 0, "values": (2, "values")},
    "create": {"model": 0, "values": (1, "values")},
    "already_there": {"model": 2, "domain": (3, "domain")},
}


def _constants(tree: ast.Module, package: Path | None = None) -> dict[str, ast.expr]:
    """Module-level ``NAME = <literal>`` assignments, and the ones imported from a sibling module
    (``from .partners import PARTNER``) when ``package`` is the module's folder: a model named by an
    imported constant must not escape the check."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module and package is not None:
            sibling = package / f"{node.module.replace('.', '/')}.py"
            if sibling.exists():
                theirs = _constants(ast.parse(sibling.read_text()))
                found.update(
                    {alias.asname or alias.name: theirs[alias.name] for alias in node.names if alias.name in theirs}
                )
            continue
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            found[node.target.id] = node.value
    return found


def _string(node: ast.expr, constants: dict[str, ast.expr]) -> str | None:
    if isinstance(node, ast.Name) and node.id in constants:
        node = constants[node.id]
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _strings(node: ast.expr, constants: dict[str, ast.expr]) -> list[str]:
    """The literal strings of a list/tuple of names (constants resolved)."""
    if isinstance(node, ast.Name) and node.id in constants:
        node = constants[node.id]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [name for element in node.elts if (name := _string(element, constants)) is not None]
    return []


def _dict_keys(node: ast.expr, tree: ast.AST, constants: dict[str, ast.expr]) -> list[str]:
    """Literal keys of a dict literal, or of what ``tree`` (the calling function) puts into a dict
    variable of that name."""
    if isinstance(node, ast.Dict):
        return [key for k in node.keys if k is not None and (key := _string(k, constants)) is not None]
    if not isinstance(node, ast.Name):
        return []
    keys = []
    for other in ast.walk(tree):
        if isinstance(other, ast.Assign):
            for target in other.targets:
                if isinstance(target, ast.Name) and target.id == node.id and isinstance(other.value, ast.Dict):
                    keys += _dict_keys(other.value, tree, constants)
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == node.id
                    and (key := _string(target.slice, constants)) is not None
                ):
                    keys.append(key)
        elif isinstance(other, ast.AnnAssign) and isinstance(other.target, ast.Name) and other.target.id == node.id:
            if isinstance(other.value, ast.Dict):
                keys += _dict_keys(other.value, tree, constants)
        elif (
            isinstance(other, ast.Call)
            and isinstance(other.func, ast.Attribute)
            and other.func.attr == "update"
            and isinstance(other.func.value, ast.Name)
            and other.func.value.id == node.id
        ):
            keys += [kw.arg for kw in other.keywords if kw.arg]
    return keys


def _domain_fields(node: ast.expr, constants: dict[str, ast.expr]) -> list[str]:
    """The field of every ``[field, operator, value]`` leaf written in the domain."""
    fields = []
    for leaf in ast.walk(node):
        if isinstance(leaf, ast.List) and len(leaf.elts) == 3:
            name, operator = _string(leaf.elts[0], constants), _string(leaf.elts[1], constants)
            if name is not None and operator is not None:
                fields.append(name)
    return fields


def _argument(call: ast.Call, where: tuple[int, str] | None) -> ast.expr | None:
    if where is None:
        return None
    index, keyword = where
    if len(call.args) > index:
        return call.args[index]
    return next((kw.value for kw in call.keywords if kw.arg == keyword), None)


def odoo_names(source: str, package: Path | None = None) -> list[tuple[int, str, str]]:
    """``(line, model, field)`` of every field name the module's Odoo calls write literally; ``package``:
    the module's folder, to resolve constants imported from its siblings."""
    tree = ast.parse(source)
    constants = _constants(tree, package)
    found = set()
    functions = [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for scope, call in ((f, c) for f in functions for c in ast.walk(f)):
        if not isinstance(call, ast.Call):
            continue
        method = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
        if method not in CALLS or (method == "already_there") != isinstance(call.func, ast.Name):
            continue
        shape = CALLS[method]
        model = _string(call.args[shape["model"]], constants) if len(call.args) > shape["model"] else None
        if model is None:
            continue
        names = []
        if (fields := _argument(call, shape.get("fields"))) is not None:
            names += _strings(fields, constants)
        if (values := _argument(call, shape.get("values"))) is not None:
            names += _dict_keys(values, scope, constants)
        if (domain := _argument(call, shape.get("domain"))) is not None:
            names += _domain_fields(domain, constants)
        found.update((call.lineno, model, name) for name in names)
    return sorted(found)


def _known(series: int, model: str, path: str) -> bool:
    """Whether ``path`` (a field, or ``a.b`` through relations) is one the portal declares on ``model``."""
    first, _, rest = path.partition(".")
    types = {**FIELD_TYPES[series].get(model, {}), **HANDLER_OPTIONAL.get(model, {}), "id": "integer"}
    if first not in types:
        return False
    if not rest:
        return True
    _, _, relation = types[first].partition(":")
    return bool(relation) and _known(series, relation, rest)


def unknown_names(source: str, package: Path | None = None) -> list[str]:
    """``"line model.field"`` of each name the source uses that some series does not declare."""
    return [
        f"{line} {model}.{name}"
        for line, model, name in odoo_names(source, package)
        for series in FIELD_TYPES
        if not _known(series, model, name)
    ]


def _modules() -> list[Path]:
    return sorted(path for root in ROOTS for path in (Path(settings.BASE_DIR) / root).glob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_field_the_handlers_and_reconcilers_name_is_declared(path):
    assert unknown_names(path.read_text(), path.parent) == []


def test_the_walk_sees_the_calls_it_checks():
    names = {(model, name) for path in _modules() for _, model, name in odoo_names(path.read_text(), path.parent)}
    # a read's list constant, a write's filled dict, a create's literal, a domain leaf, a constant
    assert {
        ("stock.move", "purchase_line_id"),
        ("stock.picking", "scheduled_date"),
        ("ir.attachment", "datas"),
        ("mail.activity", "res_model"),
        ("purchase.order.line", "date_planned"),
        ("res.partner", "purchase_warn_msg"),  # the scorecard's warning; 18's level goes by the dialect
        ("res.partner", "buyer_id"),  # read on a model named by a constant imported from a sibling module
    } <= names


def test_a_field_not_declared_fails():
    source = """
FIELDS = ["name", "colour"]
WHEN = "date_whenever"


def handler(gw):
    gw.read("purchase.order", [1], FIELDS)
    values = {"partner_ref": "x"}
    values["priority"] = "1"
    gw.write("purchase.order", [1], values)
    gw.create("stock.move.line", {"lot_name": "L", "expiry": 1})
    gw.search_read("purchase.order.line", [["order_id.nickname", "=", "x"], ["id", "in", [1]]], [WHEN])
    gw.search_read("stock.picking", [], ["carrier_tracking_ref"])
    already_there(gw, None, "mail.message", [["subject", "=", "x"]])
"""
    # each once per series; the declared ones (and the optional tracking reference) pass
    assert set(unknown_names(source)) == {
        "7 purchase.order.colour",
        "10 purchase.order.priority",
        "11 stock.move.line.expiry",
        "12 purchase.order.line.date_whenever",
        "12 purchase.order.line.order_id.nickname",
        "14 mail.message.subject",
    }
