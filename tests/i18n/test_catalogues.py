"""The translation catalogues: every template string marked, every entry translated, nothing stale.

- Templates: no word a person sees is outside a translation tag (``template_text``).
- The committed ``.po`` files hold exactly what ``makemessages`` extracts from the code today
  (rebuilt into a temporary copy and compared), so an unmarked-then-marked string cannot be
  left untranslated.
- German, French and Spanish: every entry translated, none fuzzy (``manage.py catalogue_status``).
- Placeholders agree between an entry and its translation (``msgfmt --check-format``), and the
  committed ``.mo`` files hold the same as their ``.po``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from portal.management.commands.catalogue_status import COMPLETE, catalogue_counts
from tests.i18n.template_text import template_files, unmarked_in

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
SOURCES = ["portal", "suppliers", "quality", "integrations", "templates"]
IGNORED = ["tests/*", "bench/*", "docs/*", "locale/*", "node_modules/*", "var*", "test-artifacts/*", "static/*"]


def _key_part(value):
    return tuple(value) if isinstance(value, list) else value


def _key(message) -> tuple:
    return (message.context, _key_part(message.id))


def _ids(path: Path) -> set[tuple[str | None, object]]:
    with path.open("rb") as handle:
        return {(m.context, m.id) for m in read_po(handle) if m.id}


def test_every_word_of_every_template_is_marked():
    found = {}
    for path in template_files(Path(settings.BASE_DIR) / "templates"):
        words = unmarked_in(path)
        if words:
            found[str(path.relative_to(settings.BASE_DIR))] = " ".join(words[:12])
    assert found == {}, f"{len(found)} templates show words without a translation tag"


def test_the_checker_sees_an_unmarked_word_and_passes_a_marked_one():
    from tests.i18n.template_text import unmarked_words

    assert unmarked_words('{% load i18n %}<p title="Due">{% translate "Lot" %} Open</p>') == ["Due", "Open"]
    assert unmarked_words("{% load i18n %}{% blocktranslate %}Lot {{ x }}{% endblocktranslate %} {{ y }} SSCC") == []
    assert unmarked_words("<script>var open = 1;</script><style>.a{}</style>") == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_catalogue_holds_what_the_code_marks(tmp_path, language, monkeypatch):
    # makemessages writes beside the sources it walks: it walks a copy, so the real catalogue is untouched.
    root = Path(settings.BASE_DIR)
    for name in SOURCES:
        shutil.copytree(root / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    copy = tmp_path / "locale"
    shutil.copytree(LOCALE, copy)
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[copy]):
        call_command(
            "makemessages", locale=[language], ignore_patterns=[*IGNORED, ".venv/*"], no_obsolete=True, verbosity=0
        )
    committed = _ids(LOCALE / language / "LC_MESSAGES" / "django.po")
    extracted = _ids(copy / language / "LC_MESSAGES" / "django.po")
    assert sorted(map(str, extracted - committed)) == [], "marked in the code, missing from the catalogue"
    assert sorted(map(str, committed - extracted)) == [], "in the catalogue, no longer in the code"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_is_complete(language):
    counts = catalogue_counts(language)
    assert counts["entries"] > 1000
    if language in COMPLETE:
        assert counts["fuzzy"] == 0 and counts["empty"] == 0, counts


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_agree_and_the_compiled_catalogue_is_current(tmp_path, language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    compiled = tmp_path / "django.mo"
    run = subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(po)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    with compiled.open("rb") as fresh, (po.with_suffix(".mo")).open("rb") as committed:
        want = {_key(m): _key_part(m.string) for m in read_mo(fresh)}
        have = {_key(m): _key_part(m.string) for m in read_mo(committed)}
    assert have == want, "locale/*.mo is older than its .po: run manage.py compilemessages"
