"""hgm's pytest plugin: proof that pytest ran to its end, and checks that it was not tampered with.

Loaded with `-p hgm_guard` before any test module (and so before any code under test). At
import it appends the working directory to the end of `sys.path` when
`$HGM_GUARD_APPEND_CWD` is set (a repository's packages import, but never in place of the
standard library or pytest), reads and deletes the per-grade token file named by
`$HGM_GUARD_TOKEN_FILE` and remembers pytest's own reporting machinery: the functions that
run tests and build, print and summarise their reports, and the hook implementations
registered when the session starts. When pytest unconfigures, after its final summary, it
prints one line `<token> integrity: <finding>` for each of them that changed during the run
(code under test replaced or wrapped it), then the token alone on its last line. Output is written
through `os.write` captured here, so code that later replaces `print` or `sys.stdout`
cannot hide it; code that stops pytest before its end never gets the token printed.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import Any

import pytest

WATCHED = (
    ("_pytest.runner", "call_and_report"),
    ("_pytest.runner", "runtestprotocol"),
    ("_pytest.runner", "call_runtest_hook"),
    ("_pytest.runner", "pytest_runtest_makereport"),
    ("_pytest.runner", "pytest_runtest_protocol"),
    ("_pytest.runner", "CallInfo.from_call"),
    ("_pytest.reports", "TestReport.__init__"),
    ("_pytest.reports", "TestReport.from_item_and_call"),
    ("_pytest.reports", "BaseReport.passed"),
    ("_pytest.reports", "BaseReport.failed"),
    ("_pytest.reports", "BaseReport.skipped"),
    ("_pytest.terminal", "TerminalReporter.pytest_runtest_logreport"),
    ("_pytest.terminal", "TerminalReporter.pytest_terminal_summary"),
    ("_pytest.terminal", "TerminalReporter.short_test_summary"),
    ("_pytest.terminal", "TerminalReporter.summary_stats"),
    ("_pytest.terminal", "TerminalReporter.write_line"),
    ("_pytest.terminal", "TerminalReporter.write_sep"),
    ("_pytest.terminal", "TerminalReporter.pytest_sessionfinish"),
    ("_pytest._io.terminalwriter", "TerminalWriter.write"),
    ("_pytest._io.terminalwriter", "TerminalWriter.line"),
    ("_pytest.python", "Function.runtest"),
    ("_pytest.python", "pytest_pyfunc_call"),
    ("_pytest.unittest", "TestCaseFunction.runtest"),
    ("_pytest.main", "pytest_runtestloop"),
    ("_pytest.main", "wrap_session"),
    ("_pytest.outcomes", "fail"),
    ("_pytest.outcomes", "skip"),
    ("pluggy._callers", "_multicall"),
    ("pluggy._hooks", "HookCaller.__call__"),
    ("pluggy._manager", "PluginManager._hookexec"),
    ("unittest.case", "TestCase.run"),
    ("unittest.case", "TestCase.assertEqual"),
    ("unittest.case", "TestCase.assertTrue"),
    ("unittest.case", "TestCase.assertFalse"),
    ("unittest.case", "TestCase._getAssertEqualityFunc"),
    ("unittest.case", "TestCase.fail"),
    ("builtins", "AssertionError"),
    ("builtins", "isinstance"),
)
MODULES = ("pytest", "_pytest.runner", "_pytest.reports", "_pytest.terminal", "pluggy")
HOOKS = (
    "pytest_runtest_protocol",
    "pytest_runtest_setup",
    "pytest_runtest_call",
    "pytest_runtest_teardown",
    "pytest_runtest_makereport",
    "pytest_runtest_logreport",
    "pytest_report_teststatus",
    "pytest_pyfunc_call",
    "pytest_runtestloop",
    "pytest_terminal_summary",
    "pytest_sessionfinish",
    "pytest_unconfigure",
    "pytest_collection_modifyitems",
)


def _lookup(module_name: str, dotted: str) -> Any:
    """The object itself (a class attribute as stored, so properties compare by identity)."""
    target: Any = importlib.import_module(module_name)
    *owners, name = dotted.split(".")
    for owner in owners:
        target = getattr(target, owner)
    return vars(target)[name] if isinstance(target, type) else getattr(target, name)


def _snapshot() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for module_name, dotted in WATCHED:
        try:
            found[f"{module_name}.{dotted}"] = _lookup(module_name, dotted)
        except (ImportError, AttributeError, KeyError):
            continue  # not in this pytest version
    return found


def _hookimpls(config: Any) -> dict[str, list[Any]]:
    hooks = config.pluginmanager.hook
    return {
        name: [impl.function for impl in getattr(hooks, name).get_hookimpls()]
        for name in HOOKS
        if hasattr(hooks, name)
    }


def _callables(config: Any) -> dict[str, Any]:
    """The terminal reporter's own callable attributes (a patch on the instance shows here)."""
    plugin = config.pluginmanager.get_plugin("terminalreporter")
    return {name: value for name, value in vars(plugin).items() if callable(value)}


def _describe(function: Any) -> str:
    module = getattr(function, "__module__", None) or "?"
    name = getattr(function, "__qualname__", None) or repr(function)
    return f"{module}.{name}"


def _guard() -> tuple[Callable[..., None], Callable[..., None]]:
    if os.environ.pop("HGM_GUARD_APPEND_CWD", ""):
        sys.path.append(os.getcwd())
    path = os.environ.pop("HGM_GUARD_TOKEN_FILE", "")
    token = ""
    if path:
        with open(path, encoding="utf-8") as handle:
            token = handle.read().strip()
        os.remove(path)
    write, flush = os.write, sys.stdout.flush
    watched = _snapshot()
    modules = {name: sys.modules.get(name) for name in MODULES}
    started: dict[str, list[Any]] = {}
    reporter: dict[str, Any] = {}

    def findings(config: Any) -> list[str]:
        changed = [
            f"pytest internal {name} was replaced during the run"
            for name, original in watched.items()
            if _snapshot().get(name) is not original
        ]
        changed += [
            f"module {name} in sys.modules was replaced"
            for name, module in modules.items()
            if sys.modules.get(name) is not module
        ]
        now = _hookimpls(config)
        for hook, functions in started.items():
            added = [f for f in now.get(hook, []) if not any(f is s for s in functions)]
            removed = [f for f in functions if not any(f is n for n in now.get(hook, []))]
            changed += [f"hook {hook} gained {_describe(f)} during the run" for f in added]
            changed += [f"hook {hook} lost {_describe(f)} during the run" for f in removed]
        changed += [
            f"the terminal reporter's {name} was replaced"
            for name, value in _callables(config).items()
            if reporter.get(name) is not value
        ]
        return changed

    def sessionstart(session: Any) -> None:
        started.update(_hookimpls(session.config))
        reporter.update(_callables(session.config))

    def unconfigure(config: Any) -> None:
        if not token:
            return
        try:
            lines = findings(config) if started else ["the session never started"]
        except Exception as error:  # a check that cannot run is itself a finding
            lines = [f"the integrity check failed: {error!r}"]
        flush()
        text = "".join(f"{token} integrity: {line}\n" for line in lines)
        write(1, f"\n{text}{token}\n".encode())

    return sessionstart, unconfigure


_sessionstart, _unconfigure = _guard()


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: Any) -> None:
    _sessionstart(session)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: Any) -> None:
    _unconfigure(config)
