"""``manage.py odoo_sim``: an alias of ``python -m integrations.odoo_sim`` (same options, same defaults).

The simulated Odoo stands for a separate server and starts without Django
(integrations/odoo_sim/cli.py); this alias only keeps the old spelling working.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from integrations.odoo_sim import cli


class Command(BaseCommand):
    help = cli.DESCRIPTION

    def add_arguments(self, parser) -> None:
        cli.add_arguments(parser)

    def handle(self, *args, **options) -> None:
        try:
            cli.serve(
                say=self.stdout.write,
                **{name: options[name] for name in cli.OPTIONS},
            )
        except cli.SimStartError as exc:
            raise CommandError(str(exc)) from exc
