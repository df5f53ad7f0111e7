"""Partners, users, companies, products, units, and the ir.* models."""

from __future__ import annotations

import base64
from typing import Any

from ..errors import PyValueError, ValidationError, not_recorded
from ..fields import MODEL_DESCRIPTIONS
from ..orm import Model, check_access, has_group, rpc, rpc_model


class ResPartner(Model):
    _name = "res.partner"
    _order = "name, id"
    _mail_thread = True

    def _defaults(self) -> dict[str, Any]:
        return {"active": True, "supplier_rank": 0, "is_company": False}

    def _after_create(self, rid: int) -> None:
        row = self.rows[rid]
        if not row.get("commercial_partner_id"):
            self.db.update(self._name, rid, {"commercial_partner_id": row.get("parent_id") or rid}, bump=False)

    def _display(self, row: dict) -> str:
        parent = self.row(row.get("parent_id") or 0)
        if parent and row.get("name"):
            return f"{parent['name']}, {row['name']}"
        return row.get("name") or ""

    @rpc
    def write(self, ids: list[int], vals: dict) -> bool:
        """A user granted the contact rights (not the admin) changes stored, writable fields only: no
        recording shows what Odoo does with the others (computed, related), so they are refused."""
        check_access(self.env, self._name, "write")
        if self.env.profile != "admin" and has_group(self.env, "base.group_partner_manager"):
            for name in vals:
                attrs = self.fields.get(name)
                if attrs is not None and (attrs.get("readonly") or not attrs.get("store", True)):
                    raise not_recorded(self.env.series, f"a write of res.partner.{name} (readonly or not stored)")
        return super().write(ids, vals)


class ResUsers(Model):
    _name = "res.users"
    _computed = {"name": "_name_of", "email": "_email_of"}

    def _name_of(self, row: dict) -> str:
        return (self.db.get("res.partner", row.get("partner_id") or 0) or {}).get("name") or False

    def _email_of(self, row: dict) -> str:
        return (self.db.get("res.partner", row.get("partner_id") or 0) or {}).get("email") or False

    def _display(self, row: dict) -> str:
        return self._name_of(row) or row.get("login", "")

    @rpc_model
    def context_get(self) -> dict:
        user = self.env.user
        return {"lang": "en_US", "tz": user.get("tz") or False, "uid": self.env.uid}


class ResCompany(Model):
    _name = "res.company"


class ResCurrency(Model):
    _name = "res.currency"


class UomUom(Model):
    """18: units in categories, ``factor`` = units per reference unit; 19: ``relative_uom_id`` /
    ``relative_factor``, ``factor`` = root units per unit, ``rounding`` computed (DIFF.md section 2)."""

    _name = "uom.uom"
    _computed = {"factor_inv": "_factor_inv", "rounding": "_rounding"}

    def _factor_inv(self, row: dict) -> float:
        return 1.0 / row["factor"] if row.get("factor") else 0.0

    def _rounding(self, row: dict) -> float:
        return row.get("rounding", 0.01) if self.env.version < 19 else 0.01


class ProductTemplate(Model):
    _name = "product.template"

    def _defaults(self) -> dict[str, Any]:
        return {
            "active": True,
            "type": "consu",
            "is_storable": True,
            "tracking": "none",
            "sale_ok": True,
            "purchase_ok": True,
        }


class ProductProduct(Model):
    _name = "product.product"
    _order = "default_code, name, id"
    # Template fields read through the variant, as Odoo's _inherits does.
    _delegated = (
        "name",
        "type",
        "is_storable",
        "tracking",
        "uom_id",
        "uom_po_id",
        "uom_ids",
        "list_price",
        "standard_price",
        "seller_ids",
        "purchase_ok",
    )

    def value(self, row: dict, field: str) -> Any:
        if field in self._delegated and field not in row:
            tmpl = self.db.get("product.template", row.get("product_tmpl_id") or 0) or {}
            if field == "seller_ids":
                return sorted(
                    r["id"]
                    for r in self.db.tables["product.supplierinfo"].values()
                    if r.get("product_tmpl_id") == row.get("product_tmpl_id")
                )
            if field in tmpl:
                return tmpl[field]
        return super().value(row, field)

    def _display(self, row: dict) -> str:
        name = self.value(row, "name") or ""
        return f"[{row['default_code']}] {name}" if row.get("default_code") else name

    def _defaults(self) -> dict[str, Any]:
        return {"active": True}


class ProductSupplierinfo(Model):
    _name = "product.supplierinfo"
    _rec_name = "product_name"
    # 18: the vendor unit is the template's purchase unit (related, not stored); 19 stores product_uom_id.
    _computed = {"product_uom": "_template_po_uom"}

    def _template_po_uom(self, row: dict) -> Any:
        return (self.db.get("product.template", row.get("product_tmpl_id") or 0) or {}).get("uom_po_id") or False

    def _before_create(self, row: dict) -> None:
        if self.env.version >= 19 and not row.get("product_uom_id"):
            tmpl = self.db.get("product.template", row.get("product_tmpl_id") or 0) or {}
            row["product_uom_id"] = tmpl.get("uom_id") or False


class ProcurementGroup(Model):  # 18 only (Env refuses it on 19)
    _name = "procurement.group"


class IrModel(Model):
    _name = "ir.model"
    _rec_name = "name"

    def model_id(self, model: str) -> int:
        for row in self.rows.values():
            if row["model"] == model:
                return row["id"]
        return self.new({"model": model, "name": MODEL_DESCRIPTIONS.get(model, model)})


class IrModelFields(Model):
    """The fields a tracking value names (``field_id``), made when a change is first tracked."""

    _name = "ir.model.fields"

    def _rpc_guard(self, method: str) -> None:
        raise not_recorded(self.env.series, f"ir.model.fields.{method}")

    def _display(self, row: dict) -> str:
        # "Acknowledged (Purchase Order)" (odoo19/flows/02 call 39)
        return f"{row['field_description']} ({MODEL_DESCRIPTIONS.get(row['model'], row['model'])})"

    def field_id(self, model: str, name: str, description: str) -> int:
        for row in self.db.related(self._name, "name", name):
            if row["model"] == model:
                return row["id"]
        return self.new({"model": model, "name": name, "field_description": description})


class IrModelData(Model):
    _name = "ir.model.data"
    _rec_name = "complete_name"
    _computed = {"complete_name": "_complete_name"}

    def _complete_name(self, row: dict) -> str:
        return f"{row['module']}.{row['name']}"

    def _display(self, row: dict) -> str:
        return self._complete_name(row)

    def _before_create(self, row: dict) -> None:
        if " " in (row.get("name") or ""):
            raise ValidationError("The operation cannot be completed: External IDs cannot contain spaces")
        for other in self.rows.values():
            if other["module"] == row.get("module") and other["name"] == row.get("name"):
                raise ValidationError(
                    "The operation cannot be completed: duplicate key value violates unique constraint "
                    '"ir_model_data_module_name_uniq_index"\nDETAIL: Key (module, name)='
                    f"({row['module']}, {row['name']}) already exists.\n"
                )
        row.setdefault("noupdate", False)

    @rpc_model
    def check_object_reference(self, module: str, xml_id: str, raise_on_access_error: bool = False) -> list:
        model, res_id = self.env.ref(f"{module}.{xml_id}")
        check_access(self.env, model, "read")
        return [model, res_id]


class IrModuleModule(Model):
    _name = "ir.module.module"


class IrAttachment(Model):
    _name = "ir.attachment"
    _computed = {"file_size": "_file_size"}

    def _file_size(self, row: dict) -> int:
        try:
            return len(base64.b64decode(row.get("datas") or ""))
        except ValueError:
            return 0

    def _before_create(self, row: dict) -> None:
        if row.get("datas"):
            try:
                base64.b64decode(row["datas"], validate=True)
            except ValueError as exc:
                raise PyValueError(f"Invalid base64 data: {exc}") from exc


class MailFollowers(Model):
    _name = "mail.followers"
    _rec_name = None

    def partners_of(self, model: str, rid: int) -> list[int]:
        return [r["partner_id"] for r in self.db.related(self._name, "res_id", rid) if r["res_model"] == model]

    def subscribe(self, model: str, rid: int, partner_id: int) -> None:
        if partner_id and partner_id not in self.partners_of(model, rid):
            self.new({"res_model": model, "res_id": rid, "partner_id": partner_id})

    def ids_of(self, model: str, rid: int) -> list[int]:
        return sorted(r["id"] for r in self.db.related(self._name, "res_id", rid) if r["res_model"] == model)
