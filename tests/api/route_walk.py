"""Walks the URLconf for the API's endpoints: every route, every method it takes, the view's
declared scope for it, and whether the scope is enforced (``TokenHasScope``).

``route_problems`` holds them against the scope matrix (``tests/api/scope_matrix.py``): a route
without a scope, one whose view skips the scope check, or one with no case in the matrix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import SimpleNamespace

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from rest_framework.views import APIView

from portal.api.permissions import TokenHasScope, scope_for
from portal.api.scopes import scope_known

API_PREFIX = "/api/"
# Served to anyone, by design: the OpenAPI schema and the two pages that render it.
PUBLIC = {("/api/v1/schema/", "GET"), ("/api/v1/docs/", "GET"), ("/api/v1/redoc/", "GET")}
# Plain Django views under /api/ that serve no data: the trailing-slash redirect (308).
PLAIN = {"/api/v1/{rest}"}


@dataclass(frozen=True)
class Endpoint:
    route: str  # e.g. "/api/v1/asns/{id}/import/"
    method: str  # e.g. "POST"
    view: object  # the viewset or API view class, or the plain Django view function
    action: str | None  # the viewset's action for the method
    scope: str | None  # what the view declares for it (None: nothing)
    guarded: bool  # TokenHasScope is among the view's permission classes

    @property
    def key(self) -> tuple[str, str]:
        return self.route, self.method


def _group_end(regex: str, start: int) -> int:
    """The index just after the group opening at ``start``, skipping character classes."""
    depth, i, in_class = 0, start, False
    while i < len(regex):
        char = regex[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError(f"unbalanced group in {regex}")


def route_text(pattern) -> str:
    """A URL pattern as the schema writes it: ``asns/(?P<pk>[^/]{1,20})/import/$`` -> ``asns/{id}/import/``."""
    if isinstance(pattern, RoutePattern):
        text = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern))
    else:
        regex, text, i = str(pattern).removeprefix("^").removesuffix("$"), "", 0
        while i < len(regex):
            if regex.startswith("(?P<", i):
                name = regex[i + 4 : regex.index(">", i)]
                text += "{" + name + "}"
                i = _group_end(regex, i)
            else:
                text += regex[i]
                i += 1
    return text.replace("{pk}", "{id}")


def _endpoints_of(route: str, callback) -> list[Endpoint]:
    cls = getattr(callback, "cls", None)
    if not (isinstance(cls, type) and issubclass(cls, APIView)):
        return [Endpoint(route, "*", callback, None, None, False)]
    guarded = TokenHasScope in cls.permission_classes
    actions = getattr(callback, "actions", None)
    if actions is not None:
        # DRF adds "head" to the map on the first request; HEAD is GET's action (its scope too).
        pairs = [(method, action) for method, action in actions.items() if method not in ("head", "options")]
        view = SimpleNamespace(action_map=dict(actions), required_scopes=getattr(cls, "required_scopes", None))
    else:
        pairs = [(m, None) for m in cls.http_method_names if m not in ("head", "options") and hasattr(cls, m)]
        view = SimpleNamespace(required_scopes=getattr(cls, "required_scopes", None))
    return [Endpoint(route, m.upper(), cls, action, scope_for(view, m), guarded) for m, action in pairs]


def api_endpoints(patterns=None, prefix: str = "/") -> list[Endpoint]:
    """Every endpoint under /api/ of these URL patterns (by default the project's URLconf)."""
    found: list[Endpoint] = []

    def walk(entries, base: str) -> None:
        for entry in entries:
            route = base + route_text(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern) and route.startswith(API_PREFIX):
                found.extend(_endpoints_of(route, entry.callback))

    walk(get_resolver().url_patterns if patterns is None else patterns, prefix)
    return found


def route_problems(endpoints: list[Endpoint], matrix: dict) -> list[str]:
    """What is wrong with these endpoints, one line each; an empty list when nothing is."""
    problems = []
    for e in endpoints:
        if e.method == "*":
            if e.route not in PLAIN:
                problems.append(f"{e.route}: a plain Django view under /api/ (no token, no scope)")
            continue
        if e.key in PUBLIC:
            continue
        view = getattr(e.view, "__name__", str(e.view))
        name = f"{e.method} {e.route} ({view}.{e.action})" if e.action else f"{e.method} {e.route} ({view})"
        if not e.scope:
            problems.append(f"{name}: names no scope")
        elif not scope_known(e.scope):
            problems.append(f"{name}: needs {e.scope}, which no app registers")
        if not e.guarded:
            problems.append(f"{name}: its permission classes lack TokenHasScope")
        door = matrix.get(e.key)
        if door is None:
            problems.append(f"{name}: no case in the scope matrix")
        elif e.scope and door.scope != e.scope:
            problems.append(f"{name}: needs {e.scope}, the scope matrix says {door.scope}")
    walked = {e.key for e in endpoints}
    problems += [f"{m} {r}: in the scope matrix, but no such endpoint" for r, m in sorted(set(matrix) - walked)]
    return problems
