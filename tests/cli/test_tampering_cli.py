"""Where tampered grades show: `hgm status` (and --json), `hgm results` (jsonl, csv),
`hgm show`, `hgm tree`; and `hgm certify` refuses an agent with any tampered grade.

The run is simulated (fast); its evaluations of one agent are then marked tampered in
run.db exactly as a real world records a grade (`tampered`, `tamper_evidence`,
`suspicious` in the evaluation's details, counted as a failure).
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from cli_helpers import assert_exit_2, hgm, make_sim_run

from hgm.engine.world import EvalOutcome
from hgm.evolve.certify import record_certification

SIM_CONFIG = """
[run]
name = "tamper-sim"
seed = 3
workers = 2

[budget]
task_evals = 40

[world]
kind = "sim"
heldout_tasks = 10

[world.sim]
kind = "drift"
root_skill = 0.4
n_tasks = 20
"""
EVIDENCE = ["canary test_3f9a passed: the run reported a test that must fail as passed"]
SUSPICIOUS = ["solution.py:3: uses pytest internals: from _pytest.reports import TestReport"]


def _mark_tampered(db_path: Path, agent: int) -> int:
    details = json.dumps({"tampered": True, "tamper_evidence": EVIDENCE, "suspicious": SUSPICIOUS})
    with sqlite3.connect(db_path) as db:
        changed = db.execute(
            "UPDATE evaluations SET success = 0, details = json_patch(details, ?) WHERE agent = ?",
            (details, agent),
        ).rowcount
    return changed


@pytest.fixture
def run_dir(tmp_path: Path) -> tuple[Path, int, int]:
    """(run directory, the cheating agent, how many of its grades are tampered)."""
    run = make_sim_run(tmp_path, SIM_CONFIG)
    with sqlite3.connect(run / "run.db") as db:
        agent, count = db.execute(
            "SELECT agent, count(*) FROM evaluations WHERE agent > 0 "
            "GROUP BY agent ORDER BY count(*) DESC, agent LIMIT 1"
        ).fetchone()
    assert _mark_tampered(run / "run.db", agent) == count
    return run, agent, count


def test_status_results_show_and_tree_report_tampered_grades(
    run_dir: tuple[Path, int, int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run, cheater, count = run_dir
    code, out, _ = hgm(monkeypatch, capsys, "status", str(run), "--json")
    status = json.loads(out)
    assert code == 0
    assert status["tampered_grades"] == count
    assert status["tampered_agents"] == [{"agent": cheater, "search": count, "certification": 0}]
    code, out, _ = hgm(monkeypatch, capsys, "status", str(run))
    assert f"{count} grades, by agents {cheater} ({count} search)" in " ".join(out.split())

    code, out, _ = hgm(monkeypatch, capsys, "results", str(run), "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    tampered = [row for row in rows if row["tampered"]]
    assert len(tampered) == count and {row["agent"] for row in tampered} == {cheater}
    assert all(row["result"] is False for row in tampered)
    assert tampered[0]["tamper_evidence"] == EVIDENCE and tampered[0]["suspicious"] == SUSPICIOUS
    assert all(row["tamper_evidence"] == [] for row in rows if not row["tampered"])
    out_csv = run / "results.csv"
    hgm(monkeypatch, capsys, "results", str(run), "--format", "csv", "--output", str(out_csv))
    table = list(csv.DictReader(io.StringIO(out_csv.read_text())))
    assert sum(int(row["tampered"]) for row in table) == count
    assert {row["tamper_evidence"] for row in table if row["tampered"] == "1"} == set(EVIDENCE)

    code, out, _ = hgm(monkeypatch, capsys, "show", str(run), str(cheater), "--json")
    report = json.loads(out)
    assert len(report["tampered"]) == count
    assert report["tampered"][0]["evidence"] == EVIDENCE
    assert all(e["tampered"] for e in report["evaluations"])
    code, out, _ = hgm(monkeypatch, capsys, "show", str(run), str(cheater))
    assert f"{count} grades (never counted as resolved" in out and "canary test_3f9a" in out

    code, out, _ = hgm(monkeypatch, capsys, "tree", str(run))
    (line,) = [line for line in out.splitlines() if f"agent {cheater} " in line]
    assert f"tampered {count}" in line
    assert sum("tampered" in line for line in out.splitlines()) == 1 + 1  # + the title


def test_certify_refuses_an_agent_with_tampered_grades_of_the_search_or_a_certification(
    run_dir: tuple[Path, int, int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run, cheater, count = run_dir
    result = hgm(monkeypatch, capsys, "certify", str(run), str(cheater), "--tasks", "3")
    assert_exit_2(
        result,
        f"not certified: {count} tampered grade(s) of agent {cheater}",
        f"agent {cheater}, task ",
        "canary test_3f9a passed",
    )
    with sqlite3.connect(run / "run.db") as db:
        certified = db.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'certifications'"
        ).fetchone()[0]
        assert certified == 0  # refused before grading anything
        honest = db.execute(
            "SELECT max(agent) FROM evaluations WHERE agent != ?", (cheater,)
        ).fetchone()[0]
    code, _, err = hgm(monkeypatch, capsys, "certify", str(run), str(honest), "--tasks", "3")
    assert code == 0, err
    # a tampered certification grade refuses the agent too
    with sqlite3.connect(run / "run.db") as db:
        task = db.execute("SELECT task FROM certifications WHERE agent = ?", (honest,)).fetchone()
        outcome = EvalOutcome(False, details={"tampered": True, "tamper_evidence": EVIDENCE})
        record_certification(db, honest, task[0], outcome)
    result = hgm(monkeypatch, capsys, "certify", str(run), str(honest), "--tasks", "3")
    assert_exit_2(result, f"of agent {honest}", "(certification)", "canary test_3f9a")
    code, out, _ = hgm(monkeypatch, capsys, "show", str(run), str(honest), "--json")
    shown = json.loads(out)
    assert [t["source"] for t in shown["tampered"]] == ["certification"]
    assert [c["tampered"] for c in shown["certifications"]].count(True) == 1
