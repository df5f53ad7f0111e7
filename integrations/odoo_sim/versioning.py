"""Model members that exist only in some Odoo series.

``@only_in(18)`` over an ``@rpc`` method makes it absent on a 19 database:
attribute lookup fails, so the RPC method lookup answers exactly as for any
unknown method (``builtins.AttributeError`` over /jsonrpc, 404 over JSON-2).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class _OnlyIn:
    def __init__(self, fn: Callable, versions: tuple[int, ...]) -> None:
        self.fn, self.versions, self.name = fn, versions, fn.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self.fn
        if obj.env.version not in self.versions:
            raise AttributeError(f"{self.name} does not exist in Odoo {obj.env.version}")
        return self.fn.__get__(obj, owner)


def only_in(*versions: int) -> Callable[[Callable], _OnlyIn]:
    def wrap(fn: Callable) -> _OnlyIn:
        return _OnlyIn(fn, versions)

    return wrap
