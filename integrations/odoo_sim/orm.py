"""A small ORM with Odoo's RPC surface: generic methods every model answers.

Models subclass ``Model`` and mark the methods callable over RPC with
``@rpc`` (record methods, first argument ``ids``), ``@rpc_model``
(``@api.model`` methods, no ids) or ``@rpc_create`` (``create``); ``callkw``
binds a call's arguments to them as each series does and shapes what they
return (``Records``) for the wire. Stored rows keep relation ids; reads
serialise them the way Odoo does ([id, name] for many2one, naive UTC strings
for datetimes, ``False`` for unset values).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from . import domain as dom
from .db import Database
from .errors import (
    AccessError,
    PyAttributeError,
    PyTypeError,
    PyValueError,
    UnknownModel,
    UserError,
    ValidationError,
    mandatory,
    missing,
    not_recorded,
)
from .fields import MODEL_DESCRIPTIONS, empty, invalid_field, known_models, model_fields

REGISTRY: dict[str, type[Model]] = {}


def rpc(fn: Callable) -> Callable:
    fn._rpc = "records"
    return fn


def rpc_model(fn: Callable) -> Callable:
    fn._rpc = "model"
    return fn


def rpc_create(fn: Callable) -> Callable:
    """``@api.model_create_multi``: no ids; over /jsonrpc the values are read from the first positional argument."""
    fn._rpc = "create"
    return fn


def thread_only(fn: Callable) -> Callable:
    """A mail.thread method: other models do not have it."""
    fn._mail_thread = True
    return fn


class Records:
    """A method's recordset result, shaped for the wire by ``callkw.downgrade``.

    19 answers the ids on both transports. 18's /jsonrpc answers ``str()`` of the
    recordset (``mail.activity(26,)``), or its ``.id`` for methods declared with
    ``@api.returns(..., lambda value: value.id)`` (``downgrade_to_id``, e.g. message_post).
    """

    def __init__(self, model: str, ids: Iterable[int], *, downgrade_to_id: bool = False) -> None:
        self.model, self.ids, self.downgrade_to_id = model, list(ids), downgrade_to_id

    def __str__(self) -> str:
        inner = ", ".join(str(i) for i in self.ids) + ("," if len(self.ids) == 1 else "")
        return f"{self.model}({inner})"


class Env:
    """One call's environment: database, user, context, installed optional modules."""

    def __init__(self, db: Database, uid: int, context: dict | None = None, *, su: bool = False) -> None:
        self.db, self.uid, self.context, self.su = db, uid, dict(context or {}), su
        self.modules: frozenset[str] = frozenset(db.meta.get("modules", []))
        # The Odoo series this database plays ("18.0" or "19.0"), set when it is seeded.
        self.version: int = int(str(db.meta.get("version", "18.0")).split(".")[0])

    def __getitem__(self, model: str) -> Model:
        if model not in known_models(self.version):  # e.g. procurement.group on 19, stock.reference on 18
            raise UnknownModel(f"Object {model} doesn't exist")
        cls = REGISTRY.get(model)
        if cls is None:
            cls = type(model, (Model,), {"_name": model})
            REGISTRY[model] = cls
        return cls(self)

    @property
    def series(self) -> str:
        """The series as the refusals of unrecorded behaviour name it ("18.0", "19.0")."""
        return f"{self.version}.0"

    def sudo(self) -> Env:
        return Env(self.db, self.uid, self.context, su=True)

    def with_context(self, **extra: Any) -> Env:
        env = Env(self.db, self.uid, {**self.context, **extra}, su=self.su)
        return env

    @property
    def user(self) -> dict:
        return self.db.get("res.users", self.uid) or {}

    @property
    def profile(self) -> str:
        return "admin" if self.su else self.user.get("x_sim_profile", "internal")

    def ref(self, xmlid: str) -> tuple[str, int]:
        module, _, name = xmlid.partition(".")
        for row in self.db.tables["ir.model.data"].values():
            if row["module"] == module and row["name"] == name:
                return row["model"], row["res_id"]
        raise PyValueError(f"External ID not found in the system: {xmlid}")


# What each simulated user profile may do: model -> operations allowed. The messages and group
# lists are the recorded ones (access_error.json of each series, flow 5, odoorpc_login_and_calls).
_ADMIN_ONLY = {"ir.model", "ir.model.data", "mail.mail"}
_NEEDS_PURCHASE_OR_STOCK = ("purchase.", "stock.")
_GROUPS = {
    18: {
        "purchase.order": "\t- Inventory/User\n\t- Invoicing/Invoicing\n\t- Purchase/Administrator\n"
        "\t- Purchase/User\n\t- Technical/Show Accounting Features - Readonly\n\t- User types/Portal",
        "res.partner": "\t- Extra Rights/Contact Creation\n\t- Inventory/Administrator\n"
        "\t- Manufacturing/Administrator\n\t- Purchase/Administrator",
        None: "\t- Administration/Access Rights",
    },
    19: {
        "purchase.order": "\t- Accounting/Invoicing\n\t- Inventory/User\n\t- Purchase/Administrator\n"
        "\t- Purchase/User\n\t- Role / Portal\n\t- Show Accounting Features - Readonly",
        # 19 answered a partner write by a user without contact rights with the bank accounts' rule
        "res.partner.bank": "\t- Contact/Creation",
        None: "\t- Access Rights",
    },
}
_VERB = {"read": "access", "write": "modify", "create": "create", "unlink": "delete"}
# Groups a test or the demo may grant a simulated user (``/sim/control`` action "grant"), by xml id. Only
# the contact rights: 18's "Extra Rights/Contact Creation" and 19's "Contact/Creation", the groups both
# recorded refusals of a contact write name (access_error.json, internal_employee_write_company_partner).
# A user holding it may change contacts (``ResPartner.write``) and post or schedule on them (below); the
# seeded users hold none, as recorded.
CONTACT_CREATION = "base.group_partner_manager"
GRANTABLE = frozenset({CONTACT_CREATION})
# mail.thread's ``_mail_post_access``: posting a message or scheduling an activity on a record needs this
# access to it, "write" unless a model lowers it; none of the simulated models does (res.partner does not in
# Odoo). Recorded: the integration user, who may write them, posts on purchase.order and stock.picking
# (flow 5). So a user without the contact rights is refused a note or an activity on a partner, with the
# refusal a contact write gets (access_error.json).
MAIL_POST_ACCESS = "write"


def has_group(env: Env, xmlid: str) -> bool:
    """Whether the call's user was granted the group (the admin profile holds every group)."""
    return env.profile == "admin" or xmlid in (env.user.get("x_sim_groups") or [])


def check_access(env: Env, model: str, operation: str) -> None:
    profile = env.profile
    if profile == "admin":
        return
    denied_read = model in _ADMIN_ONLY or (profile == "internal" and model.startswith(_NEEDS_PURCHASE_OR_STOCK))
    denied = denied_read
    read_only_models = ("res.users", "res.company", "res.groups")
    # Contacts and products: Purchase/User and Inventory/User may read them, not change them.
    user_read_only = ("res.partner", "product.product", "product.template")
    if not denied and operation != "read":
        denied = model in read_only_models or (
            model in user_read_only and (profile == "internal" or model == "res.partner")
        )
        if denied and model == "res.partner" and operation == "write" and has_group(env, CONTACT_CREATION):
            denied = False
    if denied:
        version = 19 if env.version >= 19 else 18
        if version == 19 and model == "res.partner" and not denied_read:
            model = "res.partner.bank"
        verb = _VERB["read" if denied_read else operation]
        desc = {"res.partner.bank": "Bank Accounts"}.get(model) or MODEL_DESCRIPTIONS.get(model, model)
        groups = _GROUPS[version].get(model, _GROUPS[version][None])
        raise AccessError(
            f"You are not allowed to {verb} '{desc}' ({model}) records.\n\n"
            f"This operation is allowed for the following groups:\n{groups}\n\n"
            "Contact your administrator to request access if necessary."
        )


def check_attachment_target(env: Env, model: str, vals: dict) -> None:
    """Attaching a file to a record is writing that record (Odoo's ``ir.attachment.check``).

    Recorded: attaching to a purchase order as the integration user works (18 flow 5 call 10).
    Not recorded, so refused: a target model or record that does not exist.
    """
    if model != "ir.attachment" or not vals.get("res_model") or not vals.get("res_id"):
        return
    target = env[vals["res_model"]]
    target._existing([vals["res_id"]])
    check_access(env, target._name, "write")


class Model:
    _name: ClassVar[str] = ""
    _order: ClassVar[str] = "id"
    _rec_name: ClassVar[str | None] = "name"
    _mail_thread: ClassVar[bool] = False
    # one2many field -> (comodel, inverse many2one)
    _inverse: ClassVar[dict[str, tuple[str, str]]] = {}
    # fields that must be set on create (beyond what defaults fill)
    _required: ClassVar[tuple[str, ...]] = ()
    # computed fields: name -> method name on the model
    _computed: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls._name:
            REGISTRY[cls._name] = cls

    def __init__(self, env: Env) -> None:
        self.env = env
        self.db = env.db
        self.fields = model_fields(self._name, env.modules, env.version)

    # --- helpers used by model code -------------------------------------------
    @property
    def rows(self) -> dict[int, dict]:
        return self.db.tables[self._name]

    def row(self, rid: int) -> dict | None:
        return self.rows.get(rid)

    def value(self, row: dict, field: str) -> Any:
        if field in self._computed:
            return getattr(self, self._computed[field])(row)
        if field in self._inverse:
            comodel, inverse = self._inverse[field]
            return sorted(r["id"] for r in self.db.related(comodel, inverse, row["id"]))
        if field == "display_name":
            return self.display_name(row["id"])
        if field in row:
            return row[field]
        if field == "active":
            return True  # records are active unless archived
        return empty(self.fields.get(field, {}).get("type", "char"))

    def display_name(self, rid: int) -> str:
        row = self.row(rid)
        if row is None:
            return ""
        return self._display(row)

    def _display(self, row: dict) -> str:
        if self._rec_name and row.get(self._rec_name):
            return str(row[self._rec_name])
        return f"{self._name},{row['id']}"

    def _defaults(self) -> dict[str, Any]:
        return {}

    def _existing(self, ids: Iterable[int]) -> list[int]:
        ids = _as_ids(ids)
        absent = [i for i in ids if i not in self.rows]
        if absent:
            raise missing(self._name, absent, self.env.uid)
        return ids

    def new(self, values: dict[str, Any]) -> int:
        """Create a row from model code (no access checks, defaults applied)."""
        return self._create_one(values, check=False)

    # --- generic RPC methods ------------------------------------------------------
    @rpc_model
    def fields_get(self, allfields: list[str] | None = None, attributes: list[str] | None = None) -> dict:
        check_access(self.env, self._name, "read")
        result = {}
        for name, attrs in self.fields.items():
            if allfields and name not in allfields:
                continue
            entry = {"name": name, **attrs} if not attributes else {k: attrs[k] for k in attributes if k in attrs}
            if not attributes:
                entry.setdefault("readonly", False)
                entry.setdefault("required", False)
                entry.setdefault("store", True)
            result[name] = entry
        return result

    @rpc_model
    def search(self, domain: list, offset: int = 0, limit: int | None = None, order: str | None = None) -> list[int]:
        return [row["id"] for row in self._search_rows(domain, offset, limit, order)]

    @rpc_model
    def search_count(self, domain: list, limit: int | None = None) -> int:
        count = len(self._search_rows(domain, 0, None, "id"))
        return min(count, limit) if limit else count

    @rpc_model
    def search_read(
        self,
        domain: list | None = None,
        fields: list[str] | None = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
    ) -> list[dict]:
        rows = self._search_rows(domain or [], offset, limit, order)
        return self._serialise(rows, fields)

    @rpc
    def read(self, ids: list[int], fields: list[str] | None = None, load: str = "_classic_read") -> list[dict]:
        check_access(self.env, self._name, "read")
        ids = _as_ids(ids)
        rows = [self.rows[i] for i in ids if i in self.rows and self._visible(self.rows[i])]
        return self._serialise(rows, fields)

    @rpc_create
    def create(self, vals_list: dict | list[dict]) -> Records:
        """The new records; callkw answers ids (or over /jsonrpc the bare id when the values were one dict)."""
        check_access(self.env, self._name, "create")
        for vals in [vals_list] if isinstance(vals_list, dict) else vals_list:
            check_attachment_target(self.env, self._name, vals)
        if isinstance(vals_list, dict):
            return Records(self._name, [self._create_one(vals_list)])
        return Records(self._name, [self._create_one(vals) for vals in vals_list])

    @rpc
    def write(self, ids: list[int], vals: dict) -> bool:
        check_access(self.env, self._name, "write")
        ids = self._existing(ids)
        self._check_vals(vals)
        for rid in ids:  # an attachment's record before and after the change
            check_attachment_target(self.env, self._name, self.rows[rid])
            check_attachment_target(self.env, self._name, {**self.rows[rid], **vals})
        for rid in ids:
            self._write_one(rid, dict(vals))
        return True

    @rpc
    def unlink(self, ids: list[int]) -> bool:
        check_access(self.env, self._name, "unlink")
        ids = self._existing(ids)
        for rid in ids:
            self._check_unlink(self.rows[rid])
        for rid in ids:
            self._unlink_one(rid)
        return True

    @rpc
    def get_external_id(self, ids: list[int]) -> dict[str, str]:
        result = {}
        for rid in _as_ids(ids):
            xmlid = next(
                (
                    f"{r['module']}.{r['name']}"
                    for r in self.db.tables["ir.model.data"].values()
                    if r["model"] == self._name and r["res_id"] == rid
                ),
                "",
            )
            result[str(rid)] = xmlid
        return result

    @rpc_model
    def load(self, fields: list[str], data: list[list[Any]]) -> dict:
        """The import API: create-or-update by external id, errors reported in ``messages``."""
        check_access(self.env, self._name, "create")
        ids: list[int] = []
        imd = self.env.sudo()["ir.model.data"]
        for row_values in data:
            vals: dict[str, Any] = {}
            xmlid = None
            for name, raw in zip(fields, row_values, strict=False):
                if name == "id":
                    xmlid = raw if "." in raw else f"__import__.{raw}"
                    continue
                if name.endswith("/id"):
                    field = name[:-3]
                    try:
                        res_id = self.env.ref(raw)[1]
                    except PyValueError:
                        label = self.fields.get(field, {}).get("string", field)
                        return {
                            "ids": False,
                            "messages": [
                                {
                                    "type": "error",
                                    "field": field,
                                    "field_name": label,
                                    "message": f"No matching record found for external id '{raw}' in field '{label}'",
                                    "moreinfo": {
                                        "name": "Possible Values",
                                        "type": "ir.actions.act_window",
                                        "res_model": self.fields.get(field, {}).get("relation"),
                                        "views": [[False, "list"], [False, "form"]],
                                        "context": {"create": False},
                                        "domain": [["model", "=", self.fields.get(field, {}).get("relation")]],
                                        "help": "See all possible values",
                                    },
                                    "rows": {"from": 0, "to": 0},
                                    "record": 0,
                                }
                            ],
                            "nextrow": 0,
                        }
                    vals[field] = res_id
                else:
                    vals[name] = raw
            existing = None
            if xmlid:
                module, _, name = xmlid.partition(".")
                existing = next((r for r in imd.rows.values() if r["module"] == module and r["name"] == name), None)
            if existing and existing["res_id"] in self.rows:
                self._write_one(existing["res_id"], vals)
                ids.append(existing["res_id"])
            else:
                rid = self._create_one(vals)
                ids.append(rid)
                if xmlid:
                    module, _, name = xmlid.partition(".")
                    imd.new({"module": module, "name": name, "model": self._name, "res_id": rid, "noupdate": False})
        return {"ids": ids, "messages": [], "nextrow": 0}

    # --- chatter (mail.thread) --------------------------------------------------
    # Odoo's parameters are keyword-only; the ones not simulated (subject, author_id, email_from,
    # parent_id, attachments, ...) are refused as unexpected arguments rather than ignored.
    @rpc
    @thread_only
    def message_post(
        self,
        ids: list[int],
        *,
        body: str = "",
        message_type: str = "notification",
        subtype_xmlid: str | None = None,
        body_is_html: bool = False,
        attachment_ids: list[int] | None = None,
        partner_ids: list[int] | None = None,
    ) -> Records:
        self._require_thread()
        ids = _as_ids(ids)
        if len(ids) != 1:
            raise PyValueError(f"Expected singleton: {Records(self._name, ids)}")
        self._existing(ids)
        check_access(self.env, self._name, MAIL_POST_ACCESS)
        message = self.post_message(
            ids[0],
            body if body_is_html else f"<p>{html.escape(body)}</p>",
            message_type=message_type,
            subtype_xmlid=subtype_xmlid or "mail.mt_note",
            attachment_ids=attachment_ids or [],
            partner_ids=partner_ids or [],
        )
        # 18: @api.returns('mail.message', lambda value: value.id) -> the bare id over /jsonrpc
        return Records("mail.message", [message], downgrade_to_id=True)

    @rpc
    @thread_only
    def activity_schedule(
        self,
        ids: list[int],
        act_type_xmlid: str = "",
        date_deadline: str | None = None,
        summary: str = "",
        note: str = "",
        **act_values: Any,
    ) -> Records:
        """``act_values`` are further mail.activity values (``user_id``, ...), checked as a create checks them."""
        self._require_thread()
        ids = self._existing(ids)
        check_access(self.env, self._name, MAIL_POST_ACCESS)
        type_id = self.env.ref(act_type_xmlid or "mail.mail_activity_data_todo")[1]
        activities = self.env["mail.activity"]
        activities._check_vals(act_values)
        user_id = act_values.pop("user_id", None)
        created = [
            activities.new(
                {
                    "res_model": self._name,
                    "res_model_id": self.env.sudo()["ir.model"].model_id(self._name),
                    "res_id": rid,
                    "activity_type_id": type_id,
                    "date_deadline": date_deadline or self.db.txn_time.strftime("%Y-%m-%d"),
                    "summary": summary,
                    "note": f"<p>{html.escape(note)}</p>" if note and not note.startswith("<") else note,
                    "user_id": user_id or self.env.uid,
                    "create_uid": self.env.uid,
                    **act_values,
                }
            )
            for rid in ids
        ]
        return Records("mail.activity", created)

    def post_message(
        self,
        rid: int,
        body: str,
        *,
        message_type: str = "notification",
        subtype_xmlid: str = "mail.mt_note",
        attachment_ids: list[int] | None = None,
        partner_ids: list[int] | None = None,
        author_id: int | None = None,
    ) -> int:
        """Post as the current user. Without an e-mail address, 18 refuses the post (odoo18/flows/03
        calls 15-16); 19 posts it with ``email_from`` false (odoo19/flows/03 section 6, call 34)."""
        user = self.env.user
        author = self.db.get("res.partner", author_id or user.get("partner_id") or 0) or {}
        if not author.get("email") and self.env.version < 19:
            raise UserError("Unable to send message, please configure the sender's email address.")
        if not author:
            raise not_recorded(self.env.series, "posting a message by a user without a partner")
        subtype_id = self.env.ref(subtype_xmlid)[1]
        followers = self.env["mail.followers"].partners_of(self._name, rid)
        notified = []
        if subtype_xmlid == "mail.mt_comment":
            notified = sorted({p for p in followers if p != author["id"]} | set(partner_ids or []))
        return self.env["mail.message"].new(
            {
                "model": self._name,
                "res_id": rid,
                "body": body,
                "message_type": message_type,
                "subtype_id": subtype_id,
                "author_id": author["id"],
                "email_from": f'"{author.get("name")}" <{author["email"]}>' if author.get("email") else False,
                "date": self.db.txn_stamp[:19],
                "record_name": self.display_name(rid),
                "attachment_ids": list(attachment_ids or []),
                "partner_ids": list(partner_ids or []),
                "notified_partner_ids": notified,
                "is_internal": False,
            }
        )

    def _require_thread(self) -> None:
        if not self._mail_thread:
            raise PyAttributeError(unknown_method(self._name, "message_post", self.env.version))

    # --- internals ---------------------------------------------------------------
    def _visible(self, row: dict) -> bool:
        return True

    def _search_rows(self, domain: list, offset: int, limit: int | None, order: str | None) -> list[dict]:
        check_access(self.env, self._name, "read")
        _check_domain_items(domain, self.env.version)
        tree = dom.parse(domain, self.env.series)
        dom.validate(self, tree)
        if "active" in self.fields and not _mentions(tree, "active"):
            tree = ("&", ("leaf", ("active", "!=", False)), tree)
        rows = [row for row in self.rows.values() if self._visible(row) and dom.matches(self, row, tree)]
        rows = dom.sort_rows(self, rows, order)
        rows = rows[offset or 0 :]
        return rows[:limit] if limit else rows

    def _serialise(self, rows: list[dict], fields: list[str] | None) -> list[dict]:
        names = list(fields) if fields else [f for f in self.fields if f != "id"]
        for name in names:
            if name not in self.fields:
                raise PyValueError(invalid_field(self._name, name, self.env.version))
        out = []
        for row in rows:
            item = {"id": row["id"]}
            for name in names:
                item[name] = self._to_wire(name, self.value(row, name))
            out.append(item)
        return out

    def _to_wire(self, name: str, value: Any) -> Any:
        ftype = self.fields[name].get("type")
        if ftype == "many2one":
            if not value:
                return False
            return [value, self.env[self.fields[name]["relation"]].display_name(value)]
        if ftype in ("one2many", "many2many"):
            return list(value or [])
        if ftype == "datetime":
            return value[:19] if value else False
        if ftype == "float" or ftype == "monetary":
            return float(value or 0.0)
        if ftype == "integer":
            return int(value or 0)
        if ftype == "boolean":
            return bool(value)
        return False if value is None else value

    def _check_vals(self, vals: dict) -> None:
        for name, value in vals.items():
            attrs = self.fields.get(name)
            if attrs is None:
                raise PyValueError(invalid_field(self._name, name, self.env.version, writing=True))
            ftype = attrs.get("type")
            if ftype == "selection" and value not in (False, None) and attrs.get("selection"):
                allowed = [key for key, _ in attrs["selection"]]
                if value not in allowed:
                    raise PyValueError(f"Wrong value for {self._name}.{name}: {value!r}")
            if (
                ftype == "many2one"
                and value
                and (not isinstance(value, int) or value not in self.db.tables[attrs["relation"]])
            ):
                raise missing(attrs["relation"], [value], self.env.uid)

    def _create_one(self, vals: dict, *, check: bool = True) -> int:
        vals = dict(vals)
        x2many = {k: vals.pop(k) for k in list(vals) if self.fields.get(k, {}).get("type") in ("one2many",)}
        if check:
            self._check_vals(vals)
        row = {**self._defaults(), **{k: v for k, v in vals.items() if v is not None}}
        self._check_required(row)
        for name, attrs in self.fields.items():
            if attrs.get("type") == "many2many" and name in row:
                row[name] = _m2m(row.get(name), [])
        row.setdefault("create_uid", self.env.uid)
        row["write_uid"] = self.env.uid
        self._before_create(row)
        rid = self.db.insert(self._name, row)
        for name, commands in x2many.items():
            self._apply_o2m(rid, name, commands)
        self._after_create(rid)
        return rid

    def _write_one(self, rid: int, vals: dict) -> None:
        x2many = {k: vals.pop(k) for k in list(vals) if self.fields.get(k, {}).get("type") == "one2many"}
        row = self.rows[rid]
        for name, attrs in self.fields.items():
            if attrs.get("type") == "many2many" and name in vals:
                vals[name] = _m2m(vals[name], row.get(name, []))
        before = dict(row)
        vals["write_uid"] = self.env.uid
        self.db.update(self._name, rid, vals)
        for name, commands in x2many.items():
            self._apply_o2m(rid, name, commands)
        self._after_write(rid, before, vals)

    def _apply_o2m(self, rid: int, field: str, commands: list) -> None:
        comodel_name, inverse = self._inverse[field]
        comodel = self.env[comodel_name]
        for command in commands or []:
            code = command[0]
            if code == 0:
                comodel._create_one({**command[2], inverse: rid})
            elif code == 1:
                comodel._existing([command[1]])
                comodel._write_one(command[1], dict(command[2]))
            elif code == 2:
                comodel._unlink_one(command[1])
            elif code == 3:
                comodel.db.update(comodel_name, command[1], {inverse: False})
            elif code == 4:
                comodel.db.update(comodel_name, command[1], {inverse: rid})
            elif code == 5:
                for child in comodel.search([(inverse, "=", rid)]):
                    comodel.db.update(comodel_name, child, {inverse: False})
            elif code == 6:
                for child in comodel.search([(inverse, "=", rid)]):
                    if child not in command[2]:
                        comodel.db.update(comodel_name, child, {inverse: False})
                for child in command[2]:
                    comodel.db.update(comodel_name, child, {inverse: rid})

    def _unlink_one(self, rid: int) -> None:
        self.db.delete(self._name, rid)
        imd = self.db.tables["ir.model.data"]
        for xid, xrow in list(imd.items()):
            if xrow["model"] == self._name and xrow["res_id"] == rid:
                self.db.delete("ir.model.data", xid)

    # hooks for model code
    def _rpc_guard(self, method: str) -> None:
        """Refuse an RPC call to ``method`` that the recordings do not show for this model (default: none)."""

    def _check_required(self, row: dict) -> None:
        for name in self._required:
            if not row.get(name):
                attrs = self.fields.get(name, {})
                raise mandatory(
                    MODEL_DESCRIPTIONS.get(self._name, self._name),
                    self._name,
                    attrs.get("string", name),
                    name,
                    self.env.version,
                )

    def _before_create(self, row: dict) -> None:
        pass

    def _after_create(self, rid: int) -> None:
        pass

    def _after_write(self, rid: int, before: dict, vals: dict) -> None:
        pass

    def _check_unlink(self, row: dict) -> None:
        pass


def _check_domain_items(domain: Any, version: int) -> None:
    """An item that is neither an operator nor a condition, as each series reports it: ids sent
    positionally to an @api.model method land in its domain (call_kw_argument_binding.json)."""
    for item in domain if isinstance(domain, list) else ():
        if isinstance(item, str | list | tuple):
            continue
        if version >= 19:
            raise PyValueError(f"Domain() invalid item in domain: {item!r}")
        if not isinstance(item, dict):
            raise PyTypeError(f"'{type(item).__name__}' object is not subscriptable")


def _as_ids(ids: Any) -> list[int]:
    if isinstance(ids, int):
        return [ids]
    if ids is None or ids is False:
        return []
    return [int(i) for i in ids]


def _m2m(commands: Any, current: list[int]) -> list[int]:
    """many2many values: plain id lists or command tuples."""
    if not commands:
        return list(current)
    if all(isinstance(c, int) for c in commands):
        return list(commands)
    result = list(current)
    for command in commands:
        code = command[0]
        if code == 4 and command[1] not in result:
            result.append(command[1])
        elif code == 3 and command[1] in result:
            result.remove(command[1])
        elif code == 5:
            result = []
        elif code == 6:
            result = list(command[2])
    return result


def _mentions(tree: Any, field: str) -> bool:
    if tree[0] == "leaf":
        return tree[1][0] == field
    return any(_mentions(sub, field) for sub in tree[1:])


# Public-named methods that 19 marks @api.private (recorded: exists). 18 does not serve them here
# either: its answer to them was not recorded.
PRIVATE_19 = frozenset({"exists"})

# Public methods a real Odoo 18/19 has on every model (odoo/models.py BaseModel and the web module's
# additions) that the simulator does not implement. A call to one is refused as not recorded: the real
# server would run it (or refuse it in its own way), never answer "The method ... does not exist",
# which is recorded only for a name that is no method at all (no_such_method).
ODOO_MODEL_METHODS = frozenset(
    {
        # recordset plumbing and the environment
        "browse",
        "exists",
        "ensure_one",
        "with_env",
        "with_context",
        "with_user",
        "with_company",
        "with_prefetch",
        "sudo",
        "mapped",
        "filtered",
        "filtered_domain",
        "sorted",
        "grouped",
        "union",
        "update",
        "new",
        "init",
        "modified",
        "flush_model",
        "flush_recordset",
        "invalidate_model",
        "invalidate_recordset",
        # CRUD, search and read
        "copy",
        "copy_data",
        "default_get",
        "name_create",
        "name_search",
        "search_fetch",
        "fetch",
        "read_group",
        "export_data",
        "get_views",
        "get_view",
        "get_metadata",
        "get_base_url",
        "get_field_translations",
        "update_field_translations",
        "get_formview_id",
        "get_formview_action",
        "get_empty_list_help",
        "toggle_active",
        "action_archive",
        "action_unarchive",
        # access checks
        "check_access",
        "has_access",
        "has_field_access",
        "check_access_rights",
        "check_access_rule",
        "check_field_access_rights",
        # the web client's
        "onchange",
        "web_read",
        "web_save",
        "web_search_read",
        "web_read_group",
        "web_name_search",
        "web_resequence",
        "web_override_translations",
        "read_progress_bar",
        "search_panel_select_range",
        "search_panel_select_multi_range",
    }
)
ODOO_MODEL_METHODS_OF_SERIES = {18: frozenset(), 19: frozenset({"formatted_read_group"})}
# mail.thread and mail.activity.mixin, on the models that inherit them (``_mail_thread``)
ODOO_THREAD_METHODS = frozenset(
    {
        "message_subscribe",
        "message_unsubscribe",
        "message_notify",
        "message_log",
        "message_post_with_source",
        "message_new",
        "message_update",
        "message_process",
        "message_route",
        "message_parse",
        "message_change_thread",
        "message_get_default_recipients",
        "activity_feedback",
        "activity_reschedule",
        "activity_search",
        "activity_send_mail",
        "activity_unlink",
    }
)
# Business methods of the served models, in both series, that the simulator does not implement.
ODOO_BUSINESS_METHODS = {
    "purchase.order": frozenset(
        {
            "button_approve",
            "button_unlock",
            "action_rfq_send",
            "print_quotation",
            "action_create_invoice",
            "action_view_invoice",
            "action_view_picking",
        }
    ),
    "stock.picking": frozenset(
        {
            "action_confirm",
            "action_cancel",
            "do_unreserve",
            "button_scrap",
            "action_put_in_pack",
            "do_print_picking",
            "action_toggle_is_locked",
        }
    ),
    "confirm.stock.sms": frozenset({"send_sms"}),
}
# 18's call_kw looks the name up on the model's class and only refuses what it does not find there:
# a field or a property (ids, env, pool) is found, and what follows was not recorded.
CLASS_ATTRIBUTES_18 = frozenset({"ids", "env", "pool"})


def odoo_has(model: Model, name: str) -> bool:
    """Whether a real Odoo of the model's series finds ``name`` as its RPC would (the simulator need not)."""
    version = model.env.version
    return (
        name in ODOO_MODEL_METHODS
        or name in ODOO_MODEL_METHODS_OF_SERIES.get(version, frozenset())
        or (model._mail_thread and name in ODOO_THREAD_METHODS)
        or name in ODOO_BUSINESS_METHODS.get(model._name, frozenset())
        or (version < 19 and (name in CLASS_ATTRIBUTES_18 or name in model.fields))
    )


def unknown_method(model: str, name: str, version: int) -> str:
    if version >= 19:
        return f"The method '{model}.{name}' does not exist"
    return f"The method '{name}' does not exist on the model '{model}'"


def public_method(model: Model, name: str) -> tuple[Callable, str]:
    """The method an RPC may call and its kind: "records" (ids first), "model" (@api.model) or "create"."""
    version = model.env.version
    if name.startswith("_") or (version >= 19 and name in PRIVATE_19):
        label = f"'{model._name}.{name}'" if version >= 19 else name
        raise AccessError(f"Private methods (such as {label}) cannot be called remotely.")
    method = getattr(model, name, None)
    kind = getattr(method, "_rpc", None)
    if method is None or kind is None or (getattr(method, "_mail_thread", False) and not model._mail_thread):
        if odoo_has(model, name):
            raise not_recorded(model.env.series, f"{model._name}.{name}, which the simulator does not implement")
        raise PyAttributeError(unknown_method(model._name, name, version))
    model._rpc_guard(name)
    return method, kind


__all__ = [
    "REGISTRY",
    "Env",
    "Model",
    "Records",
    "ValidationError",
    "check_access",
    "check_attachment_target",
    "has_group",
    "public_method",
    "rpc",
    "rpc_create",
    "rpc_model",
    "thread_only",
    "unknown_method",
]
