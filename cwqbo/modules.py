"""Custom modules (spec H1): plugins installed as Python packages, found by entry point.

A module is any importable object (usually a Python module) registered under the
entry-point group ``cwqbo.modules`` that implements some of the hooks of ``Hooks`` below
with ``@cwqbo.modules.hookimpl``. The runner calls them at three points of every batch:

``cwqbo_validate(kind, document, plan)``
    after cwqbo's own checks; return problems (a ``Problem``, a ``{"message", "fix",
    "where"}`` dict or plain text) that keep this transaction from being sent.
``cwqbo_payload(kind, entity, payload, document)``
    just before the QBO create request is sent; change ``payload`` in place or return the
    payload to send instead.
``cwqbo_batch_ended(batch_key, kind, outcome)``
    when a run of a batch ends (after its Manage marks), with its counts.

A module that cannot be loaded is listed on the System page. A hook that raises never
stops a batch silently: a failing check or payload change fails that transaction with a
problem naming the module; a failing end-of-batch hook is an error line in the batch log.
No Flask, no RQ: the domain (cwqbo.transfer) calls this.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

import pluggy

from cwqbo.transfer.problems import Problem

GROUP = "cwqbo.modules"
PROJECT = "cwqbo"
WHERE = "cwqbo › System › Custom modules"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
log = logging.getLogger(__name__)


class Hooks:
    """The hooks a custom module may implement (all optional)."""

    @hookspec
    def cwqbo_validate(self, kind: str, document: dict, plan: Any) -> list | None:
        """Return problems that keep this transaction from being sent (or None)."""

    @hookspec
    def cwqbo_payload(self, kind: str, entity: str, payload: dict, document: dict) -> dict | None:
        """Change the QBO create payload in place, or return the payload to send instead."""

    @hookspec
    def cwqbo_batch_ended(self, batch_key: str, kind: str, outcome: Any) -> None:
        """React to the end of a batch run (outcome has total, done, failed, calls)."""


@dataclass(frozen=True)
class Broken:
    """A module that could not be loaded, and why."""

    name: str
    target: str
    error: str


class HookFailed(Exception):
    """A module's hook raised; the message names the module, the hook and the error."""

    def __init__(self, module: str, hook: str, error: BaseException) -> None:
        self.module, self.hook, self.error = module, hook, error
        super().__init__(f"Custom module '{module}' failed in {hook}: {error!r}")


class Modules:
    """The loaded modules and the calls the runner makes into them."""

    def __init__(self, manager: pluggy.PluginManager, broken: list[Broken]) -> None:
        self.manager, self.broken = manager, broken

    def loaded(self) -> list[dict]:
        """Return each loaded module's name, what it is and the hooks it implements."""
        rows = []
        for name, plugin in self.manager.list_name_plugin():
            hooks = sorted(c.name for c in self.manager.get_hookcallers(plugin) or [])
            target = getattr(plugin, "__name__", type(plugin).__name__)
            rows.append({"name": name, "target": target, "hooks": hooks})
        return sorted(rows, key=lambda r: r["name"])

    def _impls(self, hook: str) -> list:
        """Return a hook's implementations in pluggy's call order (last registered first)."""
        return list(reversed(getattr(self.manager.hook, hook).get_hookimpls()))

    @staticmethod
    def _call(impl: Any, hook: str, kwargs: dict) -> Any:
        try:
            return impl.function(*[kwargs[a] for a in impl.argnames])
        except Exception as exc:  # a module's bug must name the module, never vanish
            log.exception("custom module %s failed in %s", impl.plugin_name, hook)
            raise HookFailed(impl.plugin_name, hook, exc) from exc

    def _calls(self, hook: str, **kwargs: Any):
        """Yield (module name, its result) for each implementation; raises HookFailed."""
        for impl in self._impls(hook):
            yield impl.plugin_name, self._call(impl, hook, kwargs)

    def problems(self, kind: str, document: dict, plan: Any) -> list[Problem]:
        """Return the modules' problems with a transaction; a module that raises is one."""
        found: list[Problem] = []
        try:
            for name, result in self._calls(
                "cwqbo_validate", kind=kind, document=document, plan=plan
            ):
                found.extend(_problem(name, p) for p in _as_list(result))
        except HookFailed as exc:
            found.append(
                Problem(
                    f"{exc}.",
                    "Fix or remove that module (pip uninstall it), then retry the batch.",
                    WHERE,
                )
            )
        return found

    def payload(self, kind: str, entity: str, payload: dict, document: dict) -> dict:
        """Return the payload after every module's change (raises HookFailed)."""
        for name, result in self._calls(
            "cwqbo_payload", kind=kind, entity=entity, payload=payload, document=document
        ):
            if result is None:
                continue
            if not isinstance(result, dict):
                raise HookFailed(
                    name, "cwqbo_payload", TypeError(f"returned {type(result).__name__}")
                )
            payload = result
        return payload

    def batch_ended(self, batch_key: str, kind: str, outcome: Any) -> list[HookFailed]:
        """Tell every module a run ended; return the failures (each module is called)."""
        failures = []
        kwargs = {"batch_key": batch_key, "kind": kind, "outcome": outcome}
        for impl in self._impls("cwqbo_batch_ended"):
            try:
                self._call(impl, "cwqbo_batch_ended", kwargs)
            except HookFailed as exc:
                failures.append(exc)
        return failures


def _as_list(result: Any) -> list:
    if result is None:
        return []
    if isinstance(result, (str, dict, Problem)):
        return [result]
    return list(result)


def _problem(module: str, value: Any) -> Problem:
    if isinstance(value, Problem):
        return value
    if isinstance(value, dict):
        return Problem(
            str(value.get("message", "")),
            str(value.get("fix") or f"Fix it as module '{module}' asks, then retry."),
            str(value.get("where") or f"Custom module {module}"),
        )
    return Problem(
        str(value), f"Fix it as module '{module}' asks, then retry.", f"Custom module {module}"
    )


def load(group: str = GROUP) -> Modules:
    """Load every module registered under the entry-point group; keep the broken apart."""
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(Hooks)
    broken: list[Broken] = []
    for ep in sorted(entry_points(group=group), key=lambda e: e.name):
        if manager.has_plugin(ep.name):
            continue  # the same distribution seen twice on sys.path
        try:
            manager.register(ep.load(), name=ep.name)
            manager.check_pending()  # a hook name cwqbo does not have is a typo
        except Exception as exc:  # an import error, a bad hook signature or name
            if manager.has_plugin(ep.name):
                manager.unregister(name=ep.name)
            log.error("custom module %s (%s) not loaded: %r", ep.name, ep.value, exc)
            broken.append(Broken(ep.name, ep.value, f"{type(exc).__name__}: {exc}"))
    return Modules(manager, broken)


_installed: Modules | None = None


def installed() -> Modules:
    """Return the modules of this process (loaded once)."""
    global _installed
    if _installed is None:
        _installed = load()
    return _installed


def reload() -> Modules:
    """Load the modules again (after one was installed or removed)."""
    global _installed
    _installed = None
    return installed()
