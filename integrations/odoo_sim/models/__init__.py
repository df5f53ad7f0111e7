"""Importing the package registers every simulated model."""

from . import base, mail, purchase, stock  # noqa: F401
