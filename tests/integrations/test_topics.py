"""Every topic the apps emit has a handler, and a reconciler unless ``topics.UNRECONCILED`` says why not.

The emitted topics are read from the code itself, every ``outbox_emit(topic=...)`` call in the apps, so
a new topic (a quality NCR, say) that nobody delivers fails here instead of waiting in the exception
queue as "no handler for topic". The last test shows that the check can fail.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

from integrations import topics
from integrations.handlers import HANDLERS
from integrations.reconcilers import RECONCILERS

APPS = ("portal", "suppliers", "quality", "integrations")


def app_files() -> list[Path]:
    root = Path(settings.BASE_DIR)
    return sorted(path for app in APPS for path in (root / app).rglob("*.py") if "migrations" not in path.parts)


def _topic_of(value: ast.expr) -> str | None:
    """A literal, or a constant of ``integrations.topics`` (``topics.X`` or an imported ``X``); None otherwise."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and value.value.id == "topics":
        return getattr(topics, value.attr, None)
    if isinstance(value, ast.Name) and value.id.isupper():
        return getattr(topics, value.id, None)
    return None


def emitted_topics(paths: list[Path]) -> tuple[dict[str, list[str]], list[str]]:
    """The topics of every ``outbox_emit`` call in ``paths`` (topic -> where), and the calls whose topic
    cannot be read from the code (a variable, an unknown constant), which hide what they emit."""
    found: dict[str, list[str]] = {}
    unreadable: list[str] = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name != "outbox_emit":
                continue
            where = f"{path.name}:{node.lineno}"
            value = next((kw.value for kw in node.keywords if kw.arg == "topic"), None)
            topic = _topic_of(value) if value is not None else None
            if topic is None:
                unreadable.append(where)
            else:
                found.setdefault(topic, []).append(where)
    return found, unreadable


def undelivered(emitted: dict[str, list[str]]) -> list[str]:
    """What is missing for the emitted topics: a handler, a reconciler (or a reason in UNRECONCILED)."""
    problems = []
    for topic, where in sorted(emitted.items()):
        if topic not in HANDLERS:
            problems.append(f"{topic} (emitted at {', '.join(where)}) has no handler in integrations.handlers")
        if topic not in RECONCILERS and topic not in topics.UNRECONCILED:
            problems.append(
                f"{topic} has no reconciler in integrations.reconcilers, nor a reason in topics.UNRECONCILED"
            )
    return problems


def test_every_emitted_topic_is_delivered_and_reconciled():
    emitted, unreadable = emitted_topics(app_files())
    assert unreadable == [], "emit by a constant of integrations.topics, so that this test can see the topic"
    assert set(emitted) == set(topics.ALL), "topics.ALL lists exactly the topics the apps emit"
    assert undelivered(emitted) == []


def test_the_exemptions_are_real_and_explained():
    for topic, why in topics.UNRECONCILED.items():
        assert topic in topics.ALL and topic not in RECONCILERS, f"{topic}: exempt but not emitted, or reconciled"
        assert len(why) > 40, f"{topic}: say why it needs no reconciler"


def test_a_new_topic_without_a_handler_is_caught(tmp_path):
    service = tmp_path / "ncrs.py"
    service.write_text(
        "from integrations import topics\n"
        "from integrations.services.outbox import outbox_emit\n\n"
        "def ncr_raise(tenant, ncr, topic):\n"
        "    outbox_emit(tenant=tenant, topic='ncr.raised', aggregate=ncr, payload={})\n"
        "    outbox_emit(tenant=tenant, topic=topics.PO_MESSAGE_POSTED, aggregate=ncr, payload={})\n"
        "    outbox_emit(tenant=tenant, topic=topic, aggregate=ncr, payload={})\n",
        encoding="utf-8",
    )
    emitted, unreadable = emitted_topics([service])
    assert emitted == {"ncr.raised": ["ncrs.py:5"], topics.PO_MESSAGE_POSTED: ["ncrs.py:6"]}
    assert unreadable == ["ncrs.py:7"]
    assert undelivered(emitted) == [
        "ncr.raised (emitted at ncrs.py:5) has no handler in integrations.handlers",
        "ncr.raised has no reconciler in integrations.reconcilers, nor a reason in topics.UNRECONCILED",
    ]
