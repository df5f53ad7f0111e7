"""The Odoo gateway: the only code that speaks to Odoo (odoorpc or JSON-2).

Use ``OdooGateway(config)``; it returns plain data and raises
``OdooTransientError`` or ``OdooPermanentError``.
"""

from .client import OdooGateway, record_ids
from .config import OdooConfig
from .errors import OdooError, OdooPermanentError, OdooTransientError

__all__ = ["OdooConfig", "OdooError", "OdooGateway", "OdooPermanentError", "OdooTransientError", "record_ids"]
