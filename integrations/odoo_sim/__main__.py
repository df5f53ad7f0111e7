"""``python -m integrations.odoo_sim``: serve the simulated Odoo without loading Django (options: ``--help``)."""

from integrations.odoo_sim.cli import main

raise SystemExit(main())
