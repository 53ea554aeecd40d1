"""The lazy command table matches the modules it names, and `hgm --help` stays light."""

import subprocess
import sys
from collections import defaultdict

import typer
from typer.main import get_group

from hgm.cli.app import load_command
from hgm.cli.commands import COMMANDS


def test_each_summary_is_the_commands_own_first_line() -> None:
    for name, entry in COMMANDS.items():
        assert load_command(name).get_short_help_str(500) == entry.summary, name


def test_each_module_registers_exactly_the_commands_the_table_gives_it() -> None:
    by_module: dict[str, set[str]] = defaultdict(set)
    for name, entry in COMMANDS.items():
        by_module[entry.module].add(name)
    for module_name, names in by_module.items():
        module = __import__(f"hgm.cli.{module_name}", fromlist=["register"])
        holder = typer.Typer()
        module.register(holder)
        assert set(get_group(holder).commands) == names, module_name


def test_help_lists_every_command_without_loading_heavy_modules() -> None:
    probe = (
        "import sys; from hgm.cli.app import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('numpy', 'scipy', 'aiohttp', 'matplotlib') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
    for name in [*COMMANDS, "version"]:
        assert f" {name} " in done.stdout, name


def test_a_near_miss_suggests_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hgm", "statu"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "Did you mean 'status'?" in done.stderr
