"""Errors that services raise for the views and API to translate."""

from django.http import Http404


class NotInScope(Http404):
    """The record is outside the actor's tenant or partner scope: answer 404, reveal nothing."""


def error_messages(exc) -> dict[str, str]:
    """A service's ValidationError as one message per field (``__all__`` for the form as a whole)."""
    if hasattr(exc, "error_dict"):
        return {key: " ".join(messages) for key, messages in exc.message_dict.items()}
    return {"__all__": " ".join(exc.messages)}
