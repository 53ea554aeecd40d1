"""The dashboard in headless Chromium, on runs made in the tests: the tree, an agent's
page with its diff and trajectory, clade diagnostics, compare, a live run growing while
the page stays open, the self-contained report with the network off. Screenshots of each
screen go to the test's temporary directory."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import chromium, dashboard, errors_in_console, ready, text_of, wait_for
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from ui_runs import sim_config, tool_env

from hgm.store.run_store import RunStore
from hgm.ui.source import connect_readonly

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as browser:
        yield browser


@pytest.fixture(autouse=True)
def blank_page(driver: Any) -> Iterator[None]:
    """Each test starts on a blank page with the console read empty (a page left open on a
    stopped server would log its failed polls into the next test)."""
    yield
    driver.get("about:blank")
    driver.get_log("browser")


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


def click_node(driver: Any, agent: int) -> None:
    """Click agent's node on the canvas, where the tree view says it is drawn."""
    driver.execute_script("window.hgmTreeView.centre(arguments[0])", agent)
    x, y = driver.execute_script("return window.hgmTreeView.clientPosition(arguments[0])", agent)
    canvas = driver.find_element("id", "tree-canvas")
    rect = canvas.rect
    ActionChains(driver).move_to_element_with_offset(
        canvas, int(x - rect["x"] - rect["width"] / 2), int(y - rect["y"] - rect["height"] / 2)
    ).click().perform()


def test_sim_run_tree_agent_page_and_clade(driver: Any, sim_run: Path, shots: Path) -> None:
    with RunStore.open_for_reading(sim_run / "run.db") as store:
        tree = store.tree()
        counts = store.counts()
    with dashboard(sim_run) as url:
        driver.get(url)
        ready(driver)
        canvas = driver.find_element("id", "tree-canvas")
        assert canvas.get_attribute("data-agents") == str(len(tree))
        assert text_of(driver, "card-agents").endswith(str(counts.agents))
        assert f"{counts.task_evals_done} / 120" in text_of(driver, "card-evaluations")
        assert "clade posterior mean" in text_of(driver, "colour-rule")
        assert int(driver.find_element("id", "plot-shipped").get_attribute("data-points")) > 50
        driver.save_screenshot(str(shots / "sim-overview.png"))
        shipped = int(text_of(driver, "card-shipped").split("agent ")[1].split()[0])
        # collapse the root's first child's clade by a double click, then expand all again
        child = tree.children(0)[0]
        visible = int(canvas.get_attribute("data-visible"))
        driver.execute_script("window.hgmTreeView.toggle(arguments[0])", child)
        collapsed = int(canvas.get_attribute("data-visible"))
        assert collapsed == visible - (_clade_size(tree, child) - 1)
        driver.find_element("id", "tree-expand").click()
        assert int(canvas.get_attribute("data-visible")) == visible
        click_node(driver, shipped)
        wait_for(lambda: driver.find_elements("id", "agent-page"), what="the agent page")
        assert driver.find_element("tag name", "h1").text.startswith(f"agent {shipped}")
        assert driver.find_elements("id", "shipped-mark")
        rows = driver.find_elements("css selector", "#evaluations tbody tr")
        assert len(rows) == tree.own_successes(shipped) + tree.own_failures(shipped)
        lineage = text_of(driver, "lineage")
        assert lineage.startswith("0") and lineage.endswith(str(shipped))
        assert "no code" in text_of(driver, "diff")
        driver.save_screenshot(str(shots / "sim-agent.png"))
        driver.find_element("id", "open-clade").click()
        wait_for(lambda: driver.find_elements("id", "clade-summary"), what="clade diagnostics")
        assert f"The clade of agent {shipped}" in text_of(driver, "clade-summary")
        assert errors_in_console(driver) == []


def _clade_size(tree: Any, agent: int) -> int:
    size, stack = 0, [agent]
    while stack:
        size += 1
        stack.extend(tree.children(stack.pop()))
    return size


def test_quick_start_diff_trajectory_clade_and_ablation(
    driver: Any, quick_run: Path, shots: Path
) -> None:
    db = connect_readonly(quick_run / "run.db")
    shipped = json.loads((quick_run.parent / "ablation.json").read_text())["agent"]
    task, key = db.execute(
        "SELECT task, json_extract(details, '$.job') FROM evaluations "
        "WHERE agent = ? AND success = 1 LIMIT 1",
        (shipped,),
    ).fetchone()
    db.close()
    with dashboard(quick_run) as url:
        driver.get(url + f"#/run/0/agent/{shipped}")
        ready(driver)
        wait_for(lambda: driver.find_elements("id", "agent-page"), what="the agent page")
        diff = text_of(driver, "diff")
        assert "+Guideline (strings)" in diff and "coding_agent/prompts.py" in diff
        assert driver.find_elements("css selector", "#diff .add .tok-str, #diff .add span")
        driver.find_element("id", "diff-root").click()
        assert "+Guideline (strings)" in text_of(driver, "diff")
        verdicts = [r.text for r in driver.find_elements("css selector", "#ablation .pill")]
        assert "carries gain" in verdicts
        assert "12 held-out tasks resolved" in text_of(driver, "certified")
        driver.save_screenshot(str(shots / "quick-agent.png"))
        link = driver.find_element("css selector", f"#evaluations a.trajectory-link[href$='{key}']")
        link.click()
        wait_for(lambda: driver.find_elements("id", "job-page"), what="the trajectory")
        messages = text_of(driver, "messages")
        assert f"Task {task}" in messages and "→ editor(" in messages
        assert text_of(driver, "grade").startswith("resolved")
        driver.save_screenshot(str(shots / "quick-trajectory.png"))
        driver.get(url + "#/run/0/clade/0")
        wait_for(lambda: driver.find_elements("id", "clade-summary"), what="clade diagnostics")
        categories = text_of(driver, "categories")
        assert "wrong answer" in categories
        assert driver.find_elements("css selector", "#clade-tasks tr.clade-task")
        driver.save_screenshot(str(shots / "quick-clade.png"))
        driver.get(url + "#/run/0")
        search = wait_for(lambda: driver.find_element("id", "tree-search"), what="search box")
        search.send_keys(task, Keys.ENTER)
        wait_for(lambda: "solved by" in text_of(driver, "search-status"), what="task search")
        assert errors_in_console(driver) == []


def test_compare_two_runs(driver: Any, sim_run: Path, dgm_run: Path, shots: Path) -> None:
    with dashboard(sim_run, dgm_run) as url:
        driver.get(url + "#/compare")
        ready(driver)
        rows = wait_for(
            lambda: driver.find_elements("css selector", "#compare-table tr.compare-run"),
            what="the compare table",
        )
        assert [r.text.split()[1] for r in rows] == ["ui-sim", "ui-dgm"]
        assert "hgm" in rows[0].text and "dgm" in rows[1].text
        plot = driver.find_element("id", "compare-shipped")
        assert plot.get_attribute("data-series") == "2"
        driver.save_screenshot(str(shots / "compare.png"))


def test_a_live_run_grows_on_the_open_page(driver: Any, tmp_path: Path, shots: Path) -> None:
    config = tmp_path / "live.toml"
    config.write_text(sim_config("ui-live", budget=1000, pace=0.25))  # ~80 s unless stopped
    run = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "hgm", "run", str(config), "--run-dir", str(run)],
        env=tool_env(tmp_path / "home"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: (run / "run.toml").exists() and _agents(run) >= 1, 20, "the run")
        with dashboard(run) as url:
            driver.get(url)
            ready(driver)
            driver.execute_script("window.__sameDocument = 42")
            canvas = driver.find_element("id", "tree-canvas")
            first = int(canvas.get_attribute("data-agents"))
            assert "running" in text_of(driver, "card-state")
            grown = wait_for(
                lambda: int(canvas.get_attribute("data-agents")) >= first + 3, 30, "new agents"
            )
            assert grown
            assert driver.execute_script("return window.__sameDocument") == 42  # no reload
            driver.save_screenshot(str(shots / "live.png"))
            process.send_signal(signal.SIGINT)  # Ctrl-C: the run stops cleanly, resumable
            assert process.wait(timeout=60) == 130
            started = time.monotonic()
            final = _agents(run)
            wait_for(lambda: canvas.get_attribute("data-agents") == str(final), 5, "the end")
            assert time.monotonic() - started < 2.5  # shown within 2 s of being written
            wait_for(lambda: "interrupted" in text_of(driver, "card-state"), 5, "stopped")
    finally:
        process.kill()
        process.wait()


def _agents(run: Path) -> int:
    if not (run / "run.db").exists():
        return 0
    db = connect_readonly(run / "run.db")
    try:
        return int(db.execute("SELECT count(*) FROM agents").fetchone()[0])
    finally:
        db.close()


def test_the_report_opens_offline(
    driver: Any, quick_run: Path, tmp_path: Path, shots: Path
) -> None:
    report = tmp_path / "report.html"
    done = subprocess.run(
        [sys.executable, "-m", "hgm", "report", str(quick_run), "-o", str(report)],
        env=tool_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    try:
        driver.get(report.as_uri())
        ready(driver)
        with RunStore.open_for_reading(quick_run / "run.db") as store:
            agents = len(store.tree())
        canvas = driver.find_element("id", "tree-canvas")
        assert canvas.get_attribute("data-agents") == str(agents)
        assert int(canvas.get_attribute("data-drawn")) == agents
        for plot in ("plot-shipped", "plot-agents", "plot-money", "plot-busy"):
            assert int(driver.find_element("id", plot).get_attribute("data-points")) > 0
        assert driver.find_elements("css selector", "#report .lineage-step")
        assert "difference" in text_of(driver, "certification")
        assert "carries gain" in text_of(driver, "ablation")
        assert "[world.quickstart]" in text_of(driver, "config")
        driver.save_screenshot(str(shots / "report.png"))
        assert errors_in_console(driver) == []
    finally:
        driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
