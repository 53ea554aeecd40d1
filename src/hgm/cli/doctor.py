"""`hgm doctor`: which sandboxes, toolchains and providers work here, and how to fix the rest."""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from importlib.util import find_spec
from urllib.parse import urlparse

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hgm.errors import UserError

PROBE_TIMEOUT_S = 3.0


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the report: `ok` False means `detail` says what is wrong and the fix."""

    area: str
    name: str
    ok: bool
    status: str
    detail: str
    essential: bool = True


def sandbox_checks() -> list[Check]:
    from hgm.sandbox import BACKEND_KINDS, check_backend, parse_sandbox_config

    checks = []
    for kind in BACKEND_KINDS:
        problem = check_backend(parse_sandbox_config({"kind": kind}))
        if problem is not None:
            checks.append(Check("sandbox", kind, False, "unavailable", problem))
        elif kind == "unsafe-local":
            detail = "works, but isolates nothing: use only for code you trust"
            checks.append(Check("sandbox", kind, True, "ok", detail))
        else:
            checks.append(Check("sandbox", kind, True, "ok", "works"))
    return checks


def limit_checks() -> list[Check]:
    """What enforces each limit of the default sandbox (bubblewrap) on this machine."""
    from hgm.sandbox import BubblewrapConfig
    from hgm.sandbox.enforcement import limit_enforcement

    return [
        Check("limit", row.limit, row.whole_job, "enforced" if row.whole_job else "partly",
              row.mechanism, essential=False)
        for row in limit_enforcement(BubblewrapConfig())
    ]  # fmt: skip


def toolchain_checks() -> list[Check]:
    from hgm.bench.runners import toolchain_status

    return [
        Check("toolchain", language, problem is None, "ok" if problem is None else "missing",
              problem or "tests run")
        for language, problem in toolchain_status().items()
    ]  # fmt: skip


def grading_tool_checks() -> list[Check]:
    """Tools every grader needs on the host: git (diffs) and pytest (Python tests)."""
    git_ok = shutil.which("git") is not None
    pytest_ok = find_spec("pytest") is not None
    return [
        Check("grading", "git", git_ok, "ok" if git_ok else "missing",
              "applies diffs" if git_ok else "install git (apt install git)"),
        Check("grading", "pytest", pytest_ok, "ok" if pytest_ok else "missing",
              "runs swe-local and Python tests" if pytest_ok
              else "pip install pytest (in the environment hgm runs in)"),
    ]  # fmt: skip


def polyglot_checks() -> list[Check]:
    """For a fetched Polyglot: what its exercises need that is not here, for which of them,
    and the command that fixes it (they grade as missing-dependency until then)."""
    from hgm.bench.deps.setup import still_missing
    from hgm.bench.polyglot import make_polyglot, polyglot_dir

    if not polyglot_dir().is_dir():
        detail = "not fetched: `hgm bench fetch polyglot`, then `hgm bench setup polyglot`"
        return [Check("benchmark", "polyglot", False, "absent", detail, essential=False)]
    bench = make_polyglot(include_no_signal=True)
    exercises = [bench.exercise(task.id) for task in bench.tasks()]
    by_need: dict[tuple[str, str], list[str]] = {}
    for task_id, missing in still_missing(exercises, "hgm bench setup polyglot").items():
        for item in missing:
            by_need.setdefault((item.what, item.fix), []).append(task_id)
    if not by_need:
        detail = f"every dependency of its {len(exercises)} exercises is here"
        return [Check("benchmark", "polyglot", True, "ok", detail, essential=False)]
    return [
        Check("benchmark", f"polyglot: {what}", False, "missing",
              f"needed by {', '.join(tasks)}; fix: {fix}", essential=False)
        for (what, fix), tasks in sorted(by_need.items())
    ]  # fmt: skip


def swebench_check() -> Check:
    from hgm.bench.swebench import grading_problems

    problems = grading_problems()
    detail = "; ".join(problems) if problems else "the official harness can grade in Docker"
    status = "unavailable" if problems else "ok"
    return Check("grading", "swebench", not problems, status, detail, essential=False)


def provider_checks() -> list[Check]:
    """Whether each provider's API key variable is set; values are never read out."""
    from hgm.llm.config import AnthropicProviderConfig, OpenAIProviderConfig

    checks = []
    for config in (OpenAIProviderConfig(), AnthropicProviderConfig()):
        variable = config.api_key_env
        if variable is None:
            continue
        present = bool(os.environ.get(variable))
        detail = (
            f"{variable} is set"
            if present
            else f"{variable} is not set: export it to use {config.base_url}"
        )
        status = "configured" if present else "absent"
        checks.append(Check("provider", config.kind, present, status, detail, essential=False))
    return checks


def _is_local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_local_url(base_url: str) -> None:
    """Doctor probes only servers on this machine: anything else is a UserError."""
    parsed = urlparse(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise UserError(f"--base-url {base_url!r}: expected http://127.0.0.1:PORT/v1 or similar")
    if not _is_local(parsed.hostname):
        raise UserError(
            f"--base-url {base_url!r}: doctor only probes local servers "
            "(localhost, 127.0.0.1, ::1); remote providers are checked by their API key"
        )


def local_server_check(base_url: str) -> Check:
    """Ask a loopback OpenAI-compatible server for its models."""
    require_local_url(base_url)
    url = base_url.rstrip("/") + "/models"
    try:
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
        with direct.open(url, timeout=PROBE_TIMEOUT_S) as response:
            body = json.loads(response.read().decode("utf-8", "replace"))
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return Check(
            "provider",
            "local server",
            False,
            "no answer",
            f"{url}: {reason}; start the server (vLLM, Ollama, llama.cpp) or fix --base-url",
            essential=False,
        )
    models = [str(m.get("id")) for m in body.get("data", []) if isinstance(m, dict)]
    shown = ", ".join(models[:5]) or "none listed"
    detail = f"{url} answers; models: {shown}"
    return Check("provider", "local server", True, "ok", detail, essential=False)


def compiled_draws_check() -> Check:
    from hgm.search.compiled_draws import COMPILED

    if COMPILED is not None:
        detail = "hgm.search._draws is built"
        return Check("search", "compiled draws", True, "ok", detail, essential=False)
    return Check(
        "search",
        "compiled draws",
        False,
        "absent",
        "searches and `hgm study` draw with numpy instead (the same results, slower): "
        "install a C compiler and Python's headers, then reinstall hgm",
        essential=False,
    )


def run_checks(base_url: str | None) -> list[Check]:
    checks = [
        *sandbox_checks(),
        *limit_checks(),
        *toolchain_checks(),
        *grading_tool_checks(),
        *polyglot_checks(),
        swebench_check(),
        *provider_checks(),
        compiled_draws_check(),
    ]
    if base_url is not None:
        checks.append(local_server_check(base_url))
    return checks


def _table(checks: list[Check]) -> Table:
    table = Table(title="hgm doctor")
    for column in ("area", "name", "status", "detail / how to fix"):
        table.add_column(column, overflow="fold")
    for check in checks:
        colour = "green" if check.ok else ("red" if check.essential else "yellow")
        table.add_row(
            escape(check.area),
            escape(check.name),
            f"[{colour}]{check.status}[/]",
            escape(check.detail),
        )
    return table


def doctor(
    json_output: bool = typer.Option(False, "--json", help="print the checks as JSON"),
    base_url: str | None = typer.Option(
        None, "--base-url", help="also probe this local OpenAI-compatible server (loopback only)"
    ),
) -> None:
    """Which sandbox backends, language toolchains and providers work here, and how to fix
    what does not.

    Examples:

    ```
    hgm doctor
    hgm doctor --base-url http://127.0.0.1:8080/v1 --json
    ```
    """
    if base_url is not None:
        require_local_url(base_url)
    if json_output:
        checks = run_checks(base_url)
        typer.echo(json.dumps({"checks": [asdict(check) for check in checks]}, indent=2))
        return
    console = Console()
    with console.status("checking sandboxes, limits, toolchains and providers..."):
        checks = run_checks(base_url)
    console.print(_table(checks))
    if not any(c.ok for c in checks if c.area == "sandbox" and c.name != "unsafe-local"):
        console.print("[red]No isolating sandbox works here: agents cannot run safely.[/]")


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
