"""How Odoo binds an RPC call's arguments to a model method, and shapes the result, per series and transport.

/jsonrpc ``execute``/``execute_kw`` is Odoo's ``call_kw`` (call_kw_argument_binding.json of 18 and 19):
a method on records takes its ids from the first positional argument and ``create`` its values
(after the ORM ran: the IndexError of a missing one rolls the call back); everything else binds
as Python binds it, and a call that does not bind is a ``TypeError``. An @api.model method takes
ids sent positionally as its first parameter (``search_count([148], [])`` -> domain ``[148]``).

JSON-2 (19) binds named arguments only: ``ids`` is the recordset (empty when absent), refused
with 422 for an @api.model method; what does not bind is a 422 with inspect's wording.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from .errors import (
    PyAttributeError,
    PyIndexError,
    PyTypeError,
    UnknownModel,
    UserError,
    not_found,
    unprocessable,
)
from .orm import Env, Records, public_method

# Languages active in the lab databases (only en_US: fr_FR was activated for one recording and archived).
ACTIVE_LANGS = frozenset({"en_US"})
# Languages a simulated 19 may activate (``languages_activate``): fr_FR, as the lab did for
# odoo19/transcripts/context_lang_tz.json. No recording shows another language active, nor any on 18.
ACTIVATABLE = {19: frozenset({"en_US", "fr_FR"}), 18: frozenset({"en_US"})}


def active_langs(db) -> frozenset[str]:
    """The database's active languages: ``db.meta["langs"]`` when set (``languages_activate``), else the lab's."""
    return frozenset(db.meta.get("langs") or ACTIVE_LANGS)


def languages_activate(db, series: int, langs) -> list[str]:
    """Make ``langs`` (with en_US, which stays active) the database's active languages, as a person does in
    Odoo's settings; raises ValueError for a language no recording shows active on this series. The data
    keeps English texts: the simulator holds no translations, it only accepts the language in a context."""
    wanted = {"en_US", *langs}
    refused = sorted(wanted - ACTIVATABLE.get(series, frozenset()))
    if refused:
        raise ValueError(
            f"the simulated Odoo {series} cannot activate {', '.join(refused)}: no recording of a real server "
            f"shows it active (recorded: {', '.join(sorted(ACTIVATABLE.get(series, ())))})"
        )
    with db.transaction():
        db.meta["langs"] = sorted(wanted)
    return sorted(wanted)


def class_name(model: str) -> str:
    """The model's Python class as 19 names it in messages: purchase.order -> PurchaseOrder."""
    return "".join(part[:1].upper() + part[1:] for part in model.split("."))


def check_lang(env: Env) -> None:
    """context.lang must name an active language (19 recorded it; 18 is not recorded and refuses alike)."""
    lang = env.context.get("lang")
    if lang and lang not in active_langs(env.db):
        raise UserError(f"Invalid language code: {lang}")


def index_error(version: int) -> PyIndexError:
    # 18 indexes the args tuple, 19 the args list
    return PyIndexError(f"{'list' if version >= 19 else 'tuple'} index out of range")


def downgrade(result: Any, version: int) -> Any:
    """A recordset on /jsonrpc: ids on 19; on 18 its ``.id`` under @api.returns(.., value.id), else ``str()``."""
    if not isinstance(result, Records):
        return result
    if version >= 19:
        return result.ids
    if result.downgrade_to_id:
        return result.ids[0] if result.ids else False
    return str(result)


def jsonrpc(env: Env, model_name: str, method: str, args: list, kwargs: dict) -> Any:
    version = env.version
    model = env[model_name]
    fn, kind = public_method(model, method)
    args = list(args)
    if kind == "records":
        if not args:
            raise index_error(version)
        ids, args = args[0], args[1:]
        fn = functools.partial(fn, ids)
        _bind(model_name, method, kind, fn.func, args, kwargs, version)
    else:
        _bind(model_name, method, kind, fn, args, kwargs, version)
    check_lang(env)
    result = fn(*args, **kwargs)
    if kind == "create":
        if not args:
            raise index_error(version)
        return result.ids[0] if isinstance(args[0], Mapping) else result.ids
    return downgrade(result, version)


def json2(env: Env, model_name: str, method: str, params: dict) -> Any:
    try:
        model = env[model_name]
    except UnknownModel as exc:
        raise not_found(f"the model '{model_name}' does not exist") from exc
    try:
        fn, kind = public_method(model, method)
    except PyAttributeError as exc:
        raise not_found(exc.message) from exc
    params = dict(params)
    ids = params.pop("ids", None) or []
    if ids and kind != "records":
        raise unprocessable(f"cannot call {model_name}.{method} with ids")
    args = [ids] if kind == "records" else []
    try:
        inspect.signature(fn).bind(*args, **params)
    except TypeError as exc:
        raise unprocessable(str(exc)) from exc
    check_lang(env)
    result = fn(*args, **params)
    return result.ids if isinstance(result, Records) else result


def _bind(model: str, method: str, kind: str, fn: Callable, args: list, kwargs: dict, version: int) -> None:
    """Raise the TypeError Python raises when Odoo calls the method with these arguments."""
    try:
        _stub(fn.__func__, kind == "records")(None, *args, **kwargs)
    except TypeError as exc:
        message = str(exc)
        # 18's decorated methods are named bare ("create() got ..."); 19 names the class
        raise PyTypeError(f"{class_name(model)}.{message}" if version >= 19 else message) from None


@functools.cache
def _stub(func: Callable, on_records: bool) -> Callable:
    """A function with the method's Odoo signature (``self`` first, the ids are the recordset)."""
    params = list(inspect.signature(func).parameters.values())[1 + on_records :]
    plain = [
        p.replace(annotation=inspect.Parameter.empty, default=None if p.default is not p.empty else p.empty)
        for p in params
    ]
    signature = inspect.Signature([inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD), *plain])
    namespace: dict[str, Any] = {}
    # The source is built from the simulator's own method signatures only, never from request data.
    exec(f"def {func.__name__}{signature}:\n    pass\n", namespace)  # noqa: S102
    return namespace[func.__name__]
