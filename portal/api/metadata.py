"""OPTIONS: what a URL accepts, told only within the token's scopes and the object's scope."""

from __future__ import annotations

from rest_framework.metadata import SimpleMetadata

from .permissions import action_of, usable_methods


class ScopedMetadata(SimpleMetadata):
    """DRF's field metadata, but only for the methods the token's scopes allow, described by the
    serializer each action really reads (``input_serializers``), and only for an object the token
    may see: OPTIONS on another partner's id is a 404 like every other method."""

    def determine_metadata(self, request, view):
        if getattr(view, "detail", False) and hasattr(view, "get_object"):
            view.get_object()
        methods = usable_methods(view, request.auth)
        metadata = {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
            "methods": methods,
        }
        inputs = getattr(view, "input_serializers", {})
        actions = {
            method: self.get_serializer_info(inputs[action]())
            for method in methods
            if (action := action_of(view, method)) in inputs
        }
        if actions:
            metadata["actions"] = actions
        return metadata
