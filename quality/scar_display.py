"""A step's answer as people read it, for the SCAR pages and the 8D PDF alike: each field of the step
(``quality.scar_content.STEP_FIELDS``) as a block with its label, in the step's order. Whys become
numbered lists, rows a table with the sub-fields' labels as headers, D3's stock a list of facts, the
fishbone's categories a small table. Keys the definitions do not know (an answer written under
older definitions) are shown last as plain text, so nothing the supplier wrote is hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from quality.scar_content import Field, content_changes, fields_for


@dataclass
class Block:
    """One field of an answer: ``kind`` is ``text``, ``list`` (``items``), ``table`` (``headers``,
    ``rows``), ``facts`` (``rows`` of label, value) or ``categories`` (``rows`` of label, causes)."""

    label: str
    kind: str
    text: str = ""
    items: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _block(f: Field, value: Any) -> Block:
    if f.kind == "text_list":
        return Block(f.label, "list", items=[_plain(v) for v in value or []])
    if f.kind == "rows":
        rows = [[_plain((row or {}).get(sub.name)) for sub in f.fields] for row in value or []]
        return Block(f.label, "table", headers=[sub.label for sub in f.fields], rows=rows)
    if f.kind == "group":
        value = value or {}
        return Block(f.label, "facts", rows=[[sub.label, _plain(value.get(sub.name))] for sub in f.fields])
    if f.kind == "categories":
        value = value or {}
        rows = [[label, [_plain(c) for c in value.get(key) or []]] for key, label in f.categories.items()]
        return Block(f.label, "categories", rows=[r for r in rows if r[1]])
    return Block(f.label, "text", text=_plain(value))


def answer_blocks(code: str, content: dict | None) -> list[Block]:
    """The answer ``content`` of step ``code`` as blocks, the step's fields in order; empty ones left out."""
    content = content or {}
    blocks = []
    known = set()
    for f in fields_for(code):
        known.add(f.name)
        if content.get(f.name) not in (None, "", [], {}):
            blocks.append(_block(f, content[f.name]))
    for key in sorted(set(content) - known):
        blocks.append(Block(key, "text", text=_plain(content[key])))
    return blocks


def changed_labels(code: str, before: dict | None, after: dict) -> list[str]:
    """The labels of the fields a version changed against the one before it (all, for the first)."""
    labels = {f.name: f.label for f in fields_for(code)}
    return [labels.get(name, name) for name in content_changes(before, after)]


def versions_with_changes(code: str, answers: list) -> list[tuple[Any, list[str]]]:
    """``answers`` (oldest first) each with the labels of what it changed, newest first."""
    out, before = [], None
    for answer in answers:
        out.append((answer, changed_labels(code, before, answer.content or {})))
        before = answer.content or {}
    return list(reversed(out))
