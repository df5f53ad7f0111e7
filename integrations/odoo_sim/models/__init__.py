"""Importing the package registers every simulated model."""

from . import base, mail, purchase, stock, stock_wizards  # noqa: F401
