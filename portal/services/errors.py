"""Errors that services raise for the views and API to translate."""

from django.http import Http404


class NotInScope(Http404):
    """The record is outside the actor's tenant or partner scope: answer 404, reveal nothing."""
