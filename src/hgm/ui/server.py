"""The dashboard's HTTP server (aiohttp): static assets and a small read-only JSON API.

Routes (`i` is the run's position on the command line):

    GET /                                  the single-page app
    GET /assets/{name}                     its script and style sheet
    GET /api/runs                          the runs served
    GET /api/runs/{i}/state?v=&fx=&pts=    what changed since version v (nodes), failed
                                           expansions after the first fx, progress points
                                           after the first pts; counters; jobs running
    GET /api/runs/{i}/agents/{a}           an agent's page
    GET /api/runs/{i}/clades/{a}           a clade's diagnostics
    GET /api/runs/{i}/job?key=K            one job's trajectory and grade log
    GET /api/runs/{i}/task?task=T          which agents solved or failed task T
    GET /api/runs/{i}/tree.json|tree.dot   `hgm tree --json` / `--dot`
    GET /api/compare                       every run's curves and final numbers

Every answer is computed by the plain functions of `hgm.ui` on a worker thread; each run's
model is refreshed from the event log only when asked for its state. With a token, every
request must carry it (`?token=` once, then a cookie). Requests whose Host header is not
the address served are refused (no DNS rebinding into a loopback server).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from importlib.resources import files
from typing import Any, TypeVar

from aiohttp import web

from hgm.errors import UserError
from hgm.ui.agent_view import agent_page, job_trajectory
from hgm.ui.bundle import compare_entry, run_summary, tree_dot, tree_json
from hgm.ui.diagnostics import clade_diagnostics
from hgm.ui.model import RunModel
from hgm.ui.source import RunSource

ASSETS = ("app.js", "tree.js", "plots.js", "pages.js", "style.css")
_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}
TOKEN_COOKIE = "hgm_token"
T = TypeVar("T")


def asset_text(name: str) -> str:
    """One of the dashboard's files shipped in the package (hgm/ui/assets/)."""
    return (files("hgm.ui") / "assets" / name).read_text(encoding="utf-8")


@dataclass
class ServedRun:
    """One run being viewed: its read-only source and its model, one thread at a time."""

    source: RunSource
    model: RunModel
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, work: Callable[[RunSource, RunModel], T]) -> T:
        with self.lock:
            return work(self.source, self.model)


def _json(data: Any) -> web.Response:
    return web.Response(
        text=json.dumps(data, default=str, allow_nan=False),
        content_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


def _int(request: web.Request, name: str, default: int) -> int:
    value = request.query.get(name, str(default))
    try:
        return int(value)
    except ValueError:
        raise web.HTTPBadRequest(text=f"{name} must be an integer, given {value!r}") from None


class Dashboard:
    """The application: the runs served, a thread pool for their queries, the routes."""

    def __init__(self, runs: list[ServedRun], token: str | None, hosts: set[str]) -> None:
        self.runs = runs
        self.token = token
        self.hosts = hosts
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="hgm-ui")

    async def _on(self, index: str, work: Callable[[RunSource, RunModel], T]) -> T:
        try:
            run = self.runs[int(index)]
        except (ValueError, IndexError):
            raise web.HTTPNotFound(text=f"no run {index}") from None
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.pool, run.call, work)
        except UserError as error:
            raise web.HTTPNotFound(text=str(error)) from None

    def _agent(self, request: web.Request) -> int:
        value = request.match_info["agent"]
        if not value.isdigit():
            raise web.HTTPBadRequest(text=f"agent ids are integers, given {value!r}")
        return int(value)

    # ---- middleware --------------------------------------------------------------------

    @web.middleware
    async def guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if self.hosts and request.host not in self.hosts:
            raise web.HTTPForbidden(text="unexpected Host header")
        given = request.query.get("token") or request.cookies.get(TOKEN_COOKIE)
        if self.token is not None and not (
            given and hmac.compare_digest(given.encode(), self.token.encode())
        ):
            raise web.HTTPForbidden(text="this dashboard needs its token: open the URL it printed")
        response = await handler(request)
        if self.token is not None and request.query.get("token"):
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="Strict")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    # ---- handlers ----------------------------------------------------------------------

    async def index(self, request: web.Request) -> web.Response:
        page = asset_text("index.html").replace("__HGM_BOOT__", "null")
        return web.Response(text=page, content_type="text/html")

    async def asset(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in ASSETS:
            raise web.HTTPNotFound()
        return web.Response(text=asset_text(name), content_type=_TYPES[name[name.rfind(".") :]])

    async def runs_list(self, request: web.Request) -> web.Response:
        return _json(
            [
                {"index": i, "name": run.source.name, "path": str(run.source.run_dir.path)}
                for i, run in enumerate(self.runs)
            ]
        )

    async def state(self, request: web.Request) -> web.Response:
        since, failed, points = (
            _int(request, "v", -1),
            _int(request, "fx", 0),
            _int(request, "pts", 0),
        )

        def work(source: RunSource, model: RunModel) -> dict[str, Any]:
            model.refresh()
            summary = run_summary(source, model)
            return {
                "summary": summary,
                "nodes": model.nodes(since),
                "failed": [asdict(f) for f in model.failed[failed:]],
                "points": [asdict(p) for p in model.points[points:]],
                "running": model.running_jobs(summary["state"] == "running"),
            }

        return _json(await self._on(request.match_info["run"], work))

    async def agent(self, request: web.Request) -> web.Response:
        agent = self._agent(request)
        return _json(await self._on(request.match_info["run"], _require(agent, agent_page)))

    async def clade(self, request: web.Request) -> web.Response:
        agent = self._agent(request)
        return _json(await self._on(request.match_info["run"], _require(agent, clade_diagnostics)))

    async def job(self, request: web.Request) -> web.Response:
        key = request.query.get("key", "")
        return _json(
            await self._on(request.match_info["run"], lambda source, _: job_trajectory(source, key))
        )

    async def task(self, request: web.Request) -> web.Response:
        task = request.query.get("task", "")

        def work(source: RunSource, model: RunModel) -> dict[str, Any]:
            rows = source.read(
                lambda db: db.execute(
                    "SELECT agent, success FROM evaluations WHERE task = ?", (task,)
                ).fetchall()
            )
            return {
                "task": task,
                "solved": [agent for agent, success in rows if success],
                "failed": [agent for agent, success in rows if not success],
            }

        return _json(await self._on(request.match_info["run"], work))

    async def tree_export(self, request: web.Request) -> web.Response:
        if request.match_info["kind"] == "json":
            return _json(await self._on(request.match_info["run"], tree_json))
        text = await self._on(request.match_info["run"], tree_dot)
        return web.Response(text=text, content_type="text/vnd.graphviz")

    async def compare(self, request: web.Request) -> web.Response:
        entries = []
        for index in range(len(self.runs)):
            entries.append(await self._on(str(index), _refreshed(compare_entry)))
        return _json(entries)

    def app(self) -> web.Application:
        application = web.Application(middlewares=[self.guard])
        application.add_routes(
            [
                web.get("/", self.index),
                web.get("/assets/{name}", self.asset),
                web.get("/api/runs", self.runs_list),
                web.get("/api/runs/{run}/state", self.state),
                web.get("/api/runs/{run}/agents/{agent}", self.agent),
                web.get("/api/runs/{run}/clades/{agent}", self.clade),
                web.get("/api/runs/{run}/job", self.job),
                web.get("/api/runs/{run}/task", self.task),
                web.get("/api/runs/{run}/tree.{kind:json|dot}", self.tree_export),
                web.get("/api/compare", self.compare),
            ]
        )
        application.on_cleanup.append(self._close)
        return application

    async def _close(self, application: web.Application) -> None:
        self.pool.shutdown(wait=True)
        for run in self.runs:
            run.source.close()


def _require(
    agent: int, page: Callable[[RunSource, RunModel, int], dict[str, Any]]
) -> Callable[[RunSource, RunModel], dict[str, Any]]:
    """`page` for `agent`, with the model refreshed first; UserError for an unknown agent."""

    def work(source: RunSource, model: RunModel) -> dict[str, Any]:
        model.refresh()
        if agent not in model.tree:
            raise UserError(f"no agent {agent} in run {source.name}")
        return page(source, model, agent)

    return work


def _refreshed(
    work: Callable[[RunSource, RunModel], dict[str, Any]],
) -> Callable[[RunSource, RunModel], dict[str, Any]]:
    def run(source: RunSource, model: RunModel) -> dict[str, Any]:
        model.refresh()
        return work(source, model)

    return run
