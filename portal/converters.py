"""Path converters: record ids are at most 18 digits, so an absurd id is a 404, never a database overflow."""

from django.urls.converters import IntConverter


class IdConverter(IntConverter):
    regex = "[0-9]{1,18}"
