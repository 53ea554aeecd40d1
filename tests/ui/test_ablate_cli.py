"""`hgm ablate` on the scripted quick start, where the answer is known; `hgm report` and
`hgm tree --json/--dot` from the command line; their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import assert_exit_2, assert_one_message_exit_2, hgm

from hgm.archive import Archive
from hgm.evolve.quickstart import guideline, skill_of
from hgm.runconfig.config import read_run_config
from hgm.runconfig.real_world import RealWorldSection
from hgm.store.run_store import RunStore
from hgm.ui.source import connect_readonly

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]


def test_ablation_finds_the_guideline_insertion_that_carries_the_gain(quick_run: Path) -> None:
    result = json.loads((quick_run.parent / "ablation.json").read_text())
    archive = Archive.open(quick_run / "agents.git")
    line = guideline(1)
    assert line is not None
    with RunStore.open_for_reading(quick_run / "run.db") as store:
        tree = store.tree()
    shipped = result["agent"]
    assert archive.lineage(shipped)[1:] == [step["step"] for step in result["steps"]]
    config, _ = read_run_config(quick_run / "run.toml")
    assert isinstance(config.world, RealWorldSection)
    certified = connect_readonly(quick_run / "run.db").execute(
        "SELECT task, success FROM certifications WHERE agent = ?", (shipped,)
    )
    own = dict(certified.fetchall())
    needs_guideline = sorted(task for task in own if skill_of(task, 2) == 1)
    assert len(own) == 12 and len(needs_guideline) == 7
    assert all(own[task] for task in needs_guideline), "the shipped agent holds the guideline"
    carriers = []
    for step in result["steps"]:
        inserted = f"+{line}" in archive.diff(step["step"])
        if step["verdict"] == "skipped":
            assert "no longer applies" in step["reason"] or "changed no file" in step["reason"]
            continue
        still_there = inserted and archive.diff(shipped).count(line) > 0
        lost = sorted(step["lost_without_step"])
        if lost:
            # reverting removes the guideline: exactly its category's held-out tasks are lost
            assert lost == needs_guideline and inserted
            assert step["verdict"] == "carries gain"
            assert step["difference"]["mcnemar_p"] < 0.05
            carriers.append(step["step"])
        else:
            assert step["verdict"] == "neutral", step
        assert still_there or not inserted or lost
    assert carriers, result
    assert tree.parent(shipped) is not None


def test_ablate_reuses_every_graded_pair(
    quick_run: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOME", str(quick_run.parent / "home"))
    code, out, err = hgm(monkeypatch, capsys, "ablate", str(quick_run), "--json")
    assert code == 0, err
    again = json.loads(out)
    assert again["cost_usd_now"] == 0.0
    first = json.loads((quick_run.parent / "ablation.json").read_text())
    assert [s["verdict"] for s in again["steps"]] == [s["verdict"] for s in first["steps"]]


def test_ablate_refuses_what_it_cannot_do(
    sim_run: Path,
    quick_run: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert_exit_2(hgm(monkeypatch, capsys, "ablate", str(sim_run)), "sim agents have no code")
    assert_one_message_exit_2(
        hgm(monkeypatch, capsys, "ablate", str(quick_run), "0"), "is the root"
    )
    assert_exit_2(hgm(monkeypatch, capsys, "ablate", str(quick_run), "999"), "no agent 999")
    assert_exit_2(
        hgm(monkeypatch, capsys, "ablate", str(quick_run), "--tasks", "some"), "--tasks 'some'"
    )


def test_report_and_tree_exports_from_the_command_line(
    quick_run: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = hgm(
        monkeypatch, capsys, "report", str(quick_run), "--format", "json", "-o", "-"
    )
    assert code == 0, err
    bundle = json.loads(out)
    shipped = bundle["shipped"]
    assert [page["agent"] for page in bundle["lineage"]][-1] == shipped
    assert bundle["lineage"][-1]["diffs"]["parent"].count("coding_agent/prompts.py") >= 1
    assert bundle["certification"]["agent"] == shipped
    assert bundle["ablation"]["agent"] == shipped
    assert {row["role"] for row in bundle["costs"]} >= {"task", "diagnose", "self_improve"}
    assert "[world.quickstart]" in bundle["config"]
    target = tmp_path / "report.html"
    code, _, err = hgm(monkeypatch, capsys, "report", str(quick_run), "-o", str(target))
    assert code == 0 and "wrote" in err
    page = target.read_text()
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    assert "<script src" not in page and "__HGM_BOOT__" not in page
    code, out, _ = hgm(monkeypatch, capsys, "tree", str(quick_run), "--json")
    assert code == 0 and json.loads(out)["shipped"]["agent"] == shipped
    code, out, _ = hgm(monkeypatch, capsys, "tree", str(quick_run), "--dot")
    assert code == 0 and out.startswith("digraph") and f"a{shipped} [" in out
    assert_one_message_exit_2(
        hgm(monkeypatch, capsys, "tree", str(quick_run), "--json", "--dot"), "alternatives"
    )
    assert_exit_2(hgm(monkeypatch, capsys, "report", str(tmp_path / "none")), "no such run")
