"""Odoo domains (prefix notation) and ``order`` clauses, evaluated over stored rows."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .errors import PyValueError, not_recorded

if TYPE_CHECKING:
    from .orm import Model

OPERATORS = {
    "=",
    "!=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "in",
    "not in",
    "like",
    "ilike",
    "not like",
    "not ilike",
    "=like",
    "=ilike",
    "child_of",
    "parent_of",
    "=?",
}
# Operators a real Odoo 18/19 evaluates that the simulator does not (``any``/``not any`` since 17;
# 19's negated ``=like``/``=ilike`` and its ``any!``/``not any!``). A condition with one of them, or
# with any other operator, is refused as not recorded: no recording shows how a real server answers
# it (an unknown operator's refusal included), so the simulator neither evaluates it nor invents a
# "ValueError: Invalid leaf".
ODOO_ONLY_OPERATORS = frozenset({"any", "not any", "any!", "not any!", "not =like", "not =ilike"})
TRUE_LEAF = (1, "=", 1)
FALSE_LEAF = (0, "=", 1)


def parse(domain: list, series: str = "18.0") -> Any:
    """Turn a domain into a tree of ('&'|'|', a, b), ('!', a) and ('leaf', (f, op, v)).

    ``series`` ("18.0", "19.0") names the server in the refusal of an operator it does not evaluate.
    """
    if not isinstance(domain, list | tuple):
        raise PyValueError(f"Invalid domain: {domain!r}")
    terms = []
    i = 0
    while i < len(domain):
        node, i = _parse_one(domain, i, series)
        terms.append(node)
    if not terms:
        return ("leaf", TRUE_LEAF)
    tree = terms[0]
    for node in terms[1:]:
        tree = ("&", tree, node)
    return tree


def _parse_one(domain: list, i: int, series: str) -> tuple[Any, int]:
    if i >= len(domain):
        raise PyValueError(f"Invalid domain: {domain!r}")
    token = domain[i]
    if token in ("&", "|"):
        left, i = _parse_one(domain, i + 1, series)
        right, i = _parse_one(domain, i, series)
        return (token, left, right), i
    if token == "!":
        sub, i = _parse_one(domain, i + 1, series)
        return ("!", sub), i
    if isinstance(token, list | tuple) and len(token) == 3:
        field, op, value = token
        if (field, op, value) in (TRUE_LEAF, FALSE_LEAF):
            return ("leaf", tuple(token)), i + 1
        if isinstance(field, str) and isinstance(op, str) and op not in OPERATORS:
            which = "which the simulator does not evaluate" if op in ODOO_ONLY_OPERATORS else "not one it evaluates"
            raise not_recorded(series, f"the domain operator {op!r} ({which}) in {list(token)!r}")
        if not isinstance(field, str) or op not in OPERATORS:
            raise PyValueError(f"Invalid leaf {tuple(token)!r}")
        return ("leaf", (field, op, value)), i + 1
    raise PyValueError(f"Invalid leaf {token!r}")


def validate(model: Model, tree: Any) -> None:
    if tree[0] == "leaf":
        field = tree[1][0]
        if isinstance(field, int):
            return
        head = field.split(".", 1)[0]
        if head not in model.fields:
            word = "condition" if model.env.version >= 19 else "leaf"  # as each series words it
            raise PyValueError(f"Invalid field {model._name}.{head} in {word} {tree[1]!r}")
        op = tree[1][1]
        if op in ("child_of", "parent_of") and head == field:  # dotted paths are checked as they are walked
            _hierarchy_of(model, field, op, tree[1][2])
        return
    for sub in tree[1:]:
        validate(model, sub)


def matches(model: Model, row: dict, tree: Any) -> bool:
    kind = tree[0]
    if kind == "&":
        return matches(model, row, tree[1]) and matches(model, row, tree[2])
    if kind == "|":
        return matches(model, row, tree[1]) or matches(model, row, tree[2])
    if kind == "!":
        return not matches(model, row, tree[1])
    field, op, value = tree[1]
    if (field, op, value) == TRUE_LEAF:
        return True
    if (field, op, value) == FALSE_LEAF:
        return False
    return _leaf(model, row, field, op, value)


def _leaf(model: Model, row: dict, path: str, op: str, value: Any) -> bool:
    head, _, rest = path.partition(".")
    attrs = model.fields[head]
    ftype = attrs.get("type")
    current = model.value(row, head)
    if rest:
        if ftype not in ("many2one", "one2many", "many2many"):
            raise PyValueError(f"Invalid field {model._name}.{path} in leaf ({path!r}, {op!r}, {value!r})")
        related = model.env[attrs["relation"]]
        ids = [current] if ftype == "many2one" and current else (current or [])
        rows = [r for r in (related.row(i) for i in ids) if r is not None]
        if op in ("!=", "not in", "not like", "not ilike"):
            return all(_leaf(related, r, rest, op, value) for r in rows)
        return any(_leaf(related, r, rest, op, value) for r in rows)
    if op == "=?":
        return True if value in (False, None) else _leaf(model, row, path, "=", value)
    if op in ("child_of", "parent_of"):
        return _hierarchy(model, head, current, op, value)
    if ftype in ("one2many", "many2many"):
        ids = set(current or [])
        if op == "in" and isinstance(value, list | tuple) and not value:
            return False  # Odoo: "in" an empty list matches nothing
        if op in ("=", "in"):
            if value is False or value == []:
                return not ids
            wanted = set(value) if isinstance(value, list | tuple) else {value}
            return bool(ids & wanted)
        if op in ("!=", "not in"):
            if value is False:
                return bool(ids)
            wanted = set(value) if isinstance(value, list | tuple) else {value}
            return not (ids & wanted)
        return False
    if ftype == "many2one" and isinstance(value, str) and op not in ("in", "not in"):
        name = model.env[attrs["relation"]].display_name(current) if current else ""
        return compare(name, op, value)
    if ftype == "many2one" and isinstance(value, list | tuple) and value and isinstance(value[0], str):
        name = model.env[attrs["relation"]].display_name(current) if current else ""
        return compare(name, op, list(value))
    return compare(current, op, value)


def _hierarchy_of(model: Model, field: str, op: str, value: Any) -> tuple[Model, str, set[int]]:
    """The model a ``child_of``/``parent_of`` condition walks, its parent field (``location_id`` for
    stock.location, else ``parent_id``) and the given ids. Ids only: Odoo's name lookup for a string
    value, an x2many field and a model without that parent field are not recorded."""
    attrs = model.fields[field]
    relation = model._name if field == "id" else attrs.get("relation")
    related = model.env[relation] if relation else None
    parent_field = "location_id" if relation == "stock.location" else "parent_id"
    roots = list(value) if isinstance(value, list | tuple) else [value]
    if (
        related is None
        or attrs.get("type") in ("one2many", "many2many")
        or parent_field not in related.fields
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in roots)
    ):
        raise not_recorded(model.env.series, f"the domain condition ({field!r}, {op!r}, {value!r}) on {model._name}")
    return related, parent_field, set(roots)


def _hierarchy(model: Model, field: str, current: Any, op: str, value: Any) -> bool:
    """``child_of``: the record (or the many2one's target) is one of the given records or below one;
    ``parent_of``: it is one of them or above one."""
    related, parent_field, roots = _hierarchy_of(model, field, op, value)
    if not current:
        return False

    def lineage(node: Any) -> set:
        seen = set()
        while node and node not in seen:
            seen.add(node)
            node = (related.row(node) or {}).get(parent_field)
        return seen

    if op == "child_of":
        return bool(lineage(current) & roots)
    return any(current in lineage(root) for root in roots)


def _like(pattern: str, text: str, *, insensitive: bool) -> bool:
    regex = "^" + "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern) + "$"
    return re.match(regex, text, re.IGNORECASE | re.DOTALL if insensitive else re.DOTALL) is not None


def compare(current: Any, op: str, value: Any) -> bool:
    empty = current in (None, False, "")
    if op in ("=",):
        if value is False or value is None:
            return empty
        return current == value
    if op in ("!=", "<>"):
        if value is False or value is None:
            return not empty
        return current != value
    if op in ("in", "not in"):
        values = list(value) if isinstance(value, list | tuple) else [value]
        hit = current in values or (empty and False in values)
        return hit if op == "in" else not hit
    if op in ("like", "ilike", "not like", "not ilike"):
        if value is False:
            hit = empty
        else:  # Odoo matches %value%, the value's own % and _ being wildcards too
            text = "" if empty else str(current)
            hit = _like(f"%{value}%", text, insensitive=op in ("ilike", "not ilike"))
        return hit if op in ("like", "ilike") else not hit
    if op in ("=like", "=ilike"):
        return not empty and _like(str(value), str(current), insensitive=op == "=ilike")
    if empty or value is False or value is None:
        return False
    if op == "<":
        return current < value
    if op == "<=":
        return current <= value
    if op == ">":
        return current > value
    if op == ">=":
        return current >= value
    raise PyValueError(f"Invalid operator {op!r}")


def sort_key_fn(model: Model, order: str | None):
    """A sort over ``order`` (``"write_date desc, id"``); NULLs last ascending, first descending."""
    clauses = []
    for part in (order or model._order).split(","):
        bits = part.strip().split()
        if not bits:
            continue
        name = bits[0]
        direction = bits[1].lower() if len(bits) > 1 else "asc"
        if name not in model.fields:
            raise PyValueError(f"Invalid field {name!r} on model {model._name!r}")
        clauses.append((name, direction == "desc"))
    return clauses


def sort_rows(model: Model, rows: list[dict], order: str | None) -> list[dict]:
    for name, desc in reversed(sort_key_fn(model, order)):
        ftype = model.fields[name].get("type")

        def key(row, name=name, ftype=ftype):
            value = model.value(row, name)
            if ftype == "many2one":
                value = model.env[model.fields[name]["relation"]].display_name(value) if value else None
            missing = value in (None, False, "")
            return (missing, 0 if missing else value)

        rows.sort(key=key, reverse=desc)
    return rows
