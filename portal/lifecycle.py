"""Declared life cycles: which status may follow which, and the audit entry each move writes.

A model with a life cycle declares its table once, next to its ``Status`` choices::

    lifecycle = Lifecycle(
        transitions=[
            Transition("ship", sources=(Status.SUBMITTED,), targets=(Status.IN_TRANSIT,), action="asn.shipped"),
            Transition("cancel", sources=(Status.DRAFT, Status.SUBMITTED), targets=(Status.CANCELLED,),
                       action="asn.cancelled"),
        ]
    )

and its services change the status only through it, inside their transaction::

    Asn.lifecycle.move(asn, "ship", actor=membership.user)   # refused unless submitted; audited
    asn.save(update_fields=["status", "updated_at"])

``move`` refuses a transition the table does not hold (``TransitionRefused``, a ``ValidationError``
keyed ``__all__``, so pages and the API report it as any other service error), asks the
transition's guard what still blocks it, sets the field and writes the audit entry
(``portal.services.audit``): ``{field: [before, after]}`` plus the changes the service adds. It
does not save: the service saves the status with the other fields it changes in the same move.

Why a helper of our own and not django-fsm-2: a guard here answers *why* a move is blocked (a
message, or field errors keyed like the input), which a page shows as "what is missing to move
on", where django-fsm's conditions answer only yes or no; the audit entry is written by our
audit service with the request's correlation id and source, in the service's transaction; and
a status stays a plain ``CharField`` that services save with ``update_fields`` alongside the
fields that go with the move, with no protected field or decorated model methods. Inspections,
NCRs and SCARs declare their tables the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.module_loading import import_string
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

# What blocks a move: a message for the record as a whole, or field errors ({"lines.0.quantity": "..."}).
Blockers = dict[str, str]
Guard = Callable[[Any], str | dict[str, str] | None]


class TransitionRefused(ValidationError):
    """A move the table does not allow from the record's status, or that its guard blocks."""


@dataclass(frozen=True)
class Transition:
    """One named move: from any of ``sources`` to one of ``targets``.

    ``action`` names the audit entry the move writes ("asn.shipped"); empty when another entry
    records it (a version superseded by the newer one). ``guard`` answers what still blocks the
    move (None when nothing does): a callable, or its dotted path, so that a model's table needs
    no import of the services that check it.
    """

    name: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    action: str = ""
    guard: Guard | str | None = None

    def check(self, obj: Any) -> Blockers:
        """What the guard says blocks the move, as field errors (empty: nothing)."""
        if self.guard is None:
            return {}
        guard = import_string(self.guard) if isinstance(self.guard, str) else self.guard
        found = guard(obj)
        if not found:
            return {}
        return dict(found) if isinstance(found, dict) else {"__all__": str(found)}


class Lifecycle:
    """The transition table of one model's status ``field``; see the module docstring."""

    def __init__(self, *, transitions: Iterable[Transition], field: str = "status", initial: Iterable[str] = ()):
        self.field = field
        self.initial = tuple(initial)
        self.transitions: dict[str, Transition] = {}
        for transition in transitions:
            if transition.name in self.transitions:
                raise ImproperlyConfigured(f"Transition {transition.name!r} is declared twice.")
            if not transition.sources or not transition.targets:
                raise ImproperlyConfigured(f"Transition {transition.name!r} needs sources and targets.")
            self.transitions[transition.name] = transition

    def __getitem__(self, name: str) -> Transition:
        try:
            return self.transitions[name]
        except KeyError:
            raise ImproperlyConfigured(f"No transition {name!r}; declared: {', '.join(self.transitions)}.") from None

    def allows(self, obj: Any, name: str) -> bool:
        """Whether the table lets ``obj`` take the transition from its status (guards aside)."""
        return getattr(obj, self.field) in self[name].sources

    def available(self, obj: Any) -> list[str]:
        """The transitions the table offers from ``obj``'s status (guards aside), in declared order."""
        return [name for name, t in self.transitions.items() if getattr(obj, self.field) in t.sources]

    def blockers(self, obj: Any, name: str, *, to: str | None = None, refused: str | None = None) -> Blockers:
        """What keeps ``obj`` from taking the transition: the table's refusal, else the guard's
        reasons; empty when the move may go ahead. ``refused`` words the table's refusal."""
        transition = self[name]
        target = self._target(transition, to)
        current = getattr(obj, self.field)
        if current not in transition.sources:
            return {"__all__": refused or self._refusal(obj, transition, current, target)}
        return transition.check(obj)

    def check(self, obj: Any, name: str, *, to: str | None = None, refused: str | None = None) -> None:
        """Raise ``TransitionRefused`` with what blocks the move, if anything does."""
        blockers = self.blockers(obj, name, to=to, refused=refused)
        if blockers:
            raise TransitionRefused(blockers)

    def move(
        self,
        obj: Any,
        name: str,
        *,
        actor: Any,
        to: str | None = None,
        changes: dict[str, list[Any]] | None = None,
        refused: str | None = None,
    ) -> str:
        """Take the transition: check it, set the field, write the audit entry; answers the new status.

        ``to`` chooses among the transition's targets (required when it has several); ``changes``
        are added to the audit entry after the status; ``actor`` is the user (None: the system).
        The caller saves ``obj``. Raises ``TransitionRefused``.
        """
        transition = self[name]
        target = self._target(transition, to)
        self.check(obj, name, to=target, refused=refused)
        before = getattr(obj, self.field)
        setattr(obj, self.field, target)
        if transition.action:
            self._audit(obj, transition.action, actor, {self.field: [before, target], **(changes or {})})
        return target

    def start(self, obj: Any, *, actor: Any, action: str, changes: dict[str, list[Any]] | None = None) -> None:
        """Audit a record created in one of the ``initial`` statuses (``{field: [None, status]}``)."""
        status = getattr(obj, self.field)
        if status not in self.initial:
            raise ImproperlyConfigured(f"{type(obj).__name__} does not start as {status!r}.")
        self._audit(obj, action, actor, {self.field: [None, status], **(changes or {})})

    @staticmethod
    def _target(transition: Transition, to: str | None) -> str:
        if to is None:
            if len(transition.targets) > 1:
                raise ImproperlyConfigured(f"Transition {transition.name!r} needs one of {transition.targets}.")
            return transition.targets[0]
        if to not in transition.targets:
            raise ImproperlyConfigured(f"Transition {transition.name!r} does not lead to {to!r}.")
        return to

    def _refusal(self, obj: Any, transition: Transition, current: str, target: str) -> str:
        sources = [self._label(obj, s) for s in transition.sources]
        either = sources[0]
        for source in sources[1:]:
            either = pgettext("alternatives", "%(first)s or %(second)s") % {"first": either, "second": source}
        return _("%(object)s is %(current)s; it becomes %(target)s only from %(sources)s.") % {
            "object": obj,
            "current": self._label(obj, current),
            "target": self._label(obj, target),
            "sources": either,
        }

    def _label(self, obj: Any, value: str) -> str:
        field = obj._meta.get_field(self.field) if hasattr(obj, "_meta") else None
        choices = dict(field.flatchoices) if field is not None and field.choices else {}
        label = str(choices.get(value, value))
        # Mid-sentence a state is lower case, except in German, where the label may be a noun ("Entwurf").
        return label if (get_language() or "").startswith("de") else label.lower()

    @staticmethod
    def _audit(obj: Any, action: str, actor: Any, changes: dict[str, list[Any]]) -> None:
        from portal.services.audit import audit_record  # the audit service loads after the models

        audit_record(tenant=obj.tenant, actor=actor, action=action, obj=obj, changes=changes)
