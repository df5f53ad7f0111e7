"""The schema's enum names come from the apps (``enum_names_register`` in their ``ready()``): the
settings name no app's enum, and the schema still calls each one by its name."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from portal.api.schema import enum_names_register
from suppliers.api.registration import ENUM_NAMES


def test_the_settings_name_no_enum_and_the_schema_names_the_suppliers(client):
    text = Path(settings.BASE_DIR, "portal", "settings.py").read_text()
    assert not [path for path in ENUM_NAMES.values() if path in text]
    schema = yaml.safe_load(client.get("/api/v1/schema/").content)
    components = schema["components"]["schemas"]
    assert set(ENUM_NAMES) <= set(components)
    assert components["AsnStatusEnum"]["enum"][:2] == ["draft", "submitted"]


def test_an_enum_name_taken_by_another_path_is_refused():
    enum_names_register({"AsnStatusEnum": ENUM_NAMES["AsnStatusEnum"]})  # the same again changes nothing
    with pytest.raises(ImproperlyConfigured, match="AsnStatusEnum is registered twice"):
        enum_names_register({"AsnStatusEnum": "quality.models.Inspection.Status"})
