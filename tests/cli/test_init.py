"""`hgm init`: every benchmark x provider writes a commented config the loader accepts as it is."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import assert_exit_2, assert_one_message_exit_2, hgm

from hgm.llm.config import OpenAIProviderConfig
from hgm.runconfig.config import read_run_config
from hgm.runconfig.real_world import RealWorldSection
from hgm.runconfig.templates import BENCHES, PROVIDERS


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("bench", BENCHES)
def test_every_combination_is_accepted_by_the_config_loader_as_written(
    bench: str,
    provider: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    output = tmp_path / "conf" / "run.toml"
    output.parent.mkdir()
    code, out, _ = hgm(
        monkeypatch, capsys, "init", "--bench", bench, "--provider", provider, "-o", str(output)
    )
    assert code == 0
    assert f"hgm run {output}" in out
    config, text = read_run_config(output)
    world = config.world
    assert isinstance(world, RealWorldSection)
    assert world.bench.name == bench
    assert config.run.name == f"{bench}-{provider}"
    subset = world.bench.subset
    assert subset.heldout_size is not None  # certify has held-out tasks to work with
    if provider == "scripted":
        assert (world.quickstart is not None, world.llm) == (True, None)
    else:
        assert world.llm is not None and world.quickstart is None
        assert set(world.llm.roles) == {"task", "self_improve", "diagnose"}
        (source,) = world.llm.providers.values()
        expected_kind = "anthropic" if provider == "anthropic" else "openai"
        assert source.kind == expected_kind
        if provider == "openai-compatible":
            assert isinstance(source, OpenAIProviderConfig)
            assert source.api_key_env is None
            assert source.base_url.startswith("http://localhost")
    assert sum(1 for line in text.splitlines() if line.lstrip().startswith("#")) >= 8


def test_the_default_is_humaneval_with_the_scripted_model_in_run_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, _ = hgm(monkeypatch, capsys, "init")
    config, _ = read_run_config(tmp_path / "run.toml")
    assert code == 0
    assert isinstance(config.world, RealWorldSection)
    assert (config.world.bench.name, config.world.llm) == ("humaneval", None)


def test_an_existing_file_is_never_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "mine.toml"
    output.write_text("# my own config\n")
    code, out, err = hgm(monkeypatch, capsys, "init", "--output", str(output))
    assert (code, out) == (2, "")
    assert (
        err
        == f"error: {output} already exists; hgm init never overwrites: choose another --output\n"
    )
    assert output.read_text() == "# my own config\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bench", "swe-bench"], "--bench 'swe-bench' is not allowed; use one of exercises"),
        (["--provider", "gemini"], "--provider 'gemini' is not allowed; use one of scripted"),
    ],
)
def test_unknown_names_are_one_message_and_exit_2(
    args: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    output = tmp_path / "run.toml"
    assert_one_message_exit_2(
        hgm(monkeypatch, capsys, "init", *args, "--output", str(output)), message
    )
    assert not output.exists()


def test_an_unwritable_destination_is_a_user_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    result = hgm(monkeypatch, capsys, "init", "-o", str(tmp_path / "missing" / "run.toml"))
    assert_exit_2(result, "cannot write the config")
