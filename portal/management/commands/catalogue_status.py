"""How complete each language's catalogue is: ``manage.py catalogue_status [--check]``.

Counts the entries of ``locale/<lang>/LC_MESSAGES/django.po``: all, translated, fuzzy, empty.
``--check`` exits 1 when German or French (``COMPLETE``) has a fuzzy or empty entry, so CI can
hold the promise that those two are complete.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

COMPLETE = ("de", "fr", "es")  # languages whose every entry must be translated


def catalogue_counts(language: str) -> dict[str, int]:
    """``{"entries", "translated", "fuzzy", "empty"}`` of one language's catalogue (no header)."""
    path = Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    counts = {"entries": 0, "translated": 0, "fuzzy": 0, "empty": 0}
    for message in catalogue:
        if not message.id:
            continue
        counts["entries"] += 1
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            counts["fuzzy"] += 1
        elif all(strings):
            counts["translated"] += 1
        else:
            counts["empty"] += 1
    return counts


class Command(BaseCommand):
    help = "Count the entries of each language's catalogue: translated, fuzzy, empty."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail when a language that must be complete is not.")

    def handle(self, *args, check: bool = False, **options):
        failing = []
        self.stdout.write(f"{'language':<10}{'entries':>9}{'translated':>12}{'fuzzy':>7}{'empty':>7}{'complete':>10}")
        for code, _name in settings.LANGUAGES:
            if code == settings.LANGUAGE_CODE:
                continue
            counts = catalogue_counts(code)
            share = counts["translated"] / counts["entries"] * 100 if counts["entries"] else 100.0
            self.stdout.write(
                f"{code:<10}{counts['entries']:>9}{counts['translated']:>12}{counts['fuzzy']:>7}"
                f"{counts['empty']:>7}{share:>9.1f}%"
            )
            if code in COMPLETE and counts["translated"] != counts["entries"]:
                failing.append(code)
        if check and failing:
            raise CommandError(f"Not complete: {', '.join(failing)}")
