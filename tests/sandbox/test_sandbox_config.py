"""Configs, limits and small pure pieces: no process is started here."""

from __future__ import annotations

from pathlib import Path

import pytest

from hgm.errors import UserError
from hgm.sandbox import (
    BubblewrapConfig,
    DockerConfig,
    Limits,
    Mount,
    UnsafeLocalConfig,
    parse_sandbox_config,
)
from hgm.sandbox.bubblewrap import ISOLATION, bwrap_argv, sandbox_env
from hgm.sandbox.host_paths import HostView, detect_host_view, python_prefixes
from hgm.sandbox.output import BoundedTail


def test_missing_kind_means_bubblewrap() -> None:
    assert isinstance(parse_sandbox_config({}), BubblewrapConfig)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("bubblewrap", BubblewrapConfig),
        ("docker", DockerConfig),
        ("unsafe-local", UnsafeLocalConfig),
    ],
)
def test_kind_selects_backend(kind: str, expected: type) -> None:
    assert isinstance(parse_sandbox_config({"kind": kind}), expected)


def test_unknown_kind_names_the_allowed_ones() -> None:
    with pytest.raises(UserError, match="bubblewrap, docker, unsafe-local"):
        parse_sandbox_config({"kind": "chroot"})


def test_unknown_key_is_rejected() -> None:
    with pytest.raises(UserError, match="tmp_size: unknown key"):
        parse_sandbox_config({"kind": "bubblewrap", "tmp_size": 3})


@pytest.mark.parametrize(
    "field", ["wall_s", "cpu_s", "memory_mb", "pids", "open_files", "disk_mb", "files"]
)
def test_limits_reject_non_positive(field: str) -> None:
    with pytest.raises(UserError, match=f"limits.{field}"):
        Limits(**{field: 0})
    with pytest.raises(UserError, match=f"limits.{field}"):
        Limits(**{field: float("nan")})


@pytest.mark.parametrize(
    ("memory_mb", "tmp_size_mb", "expected"),
    [(4096, 1024, (960, 64)), (256, 1024, (192, 64)), (None, 100, (75, 25)), (2, 1024, (1, 1))],
)
def test_tmpfs_share_the_space_and_never_exceed_memory(
    memory_mb: int | None, tmp_size_mb: int, expected: tuple[int, int]
) -> None:
    assert Limits(memory_mb=memory_mb).tmpfs_mb(tmp_size_mb, 64) == expected


def test_argv_sizes_tmpfs_from_limits_and_masks_init(tmp_path: Path) -> None:
    argv = bwrap_argv(
        Path("/bwrap"),
        BubblewrapConfig(mount_python=False),
        HostView(),
        ["true"],
        tmp_path,
        {},
        (),
        tmp_path,
        Limits(memory_mb=256),
    )
    joined = " ".join(argv)
    mib = 1024 * 1024
    assert f"--size {64 * mib} --tmpfs /dev/shm --remount-ro /dev" in joined
    assert f"--size {192 * mib} --tmpfs /tmp" in joined
    assert "--ro-bind /dev/null /proc/1/mem" in joined
    assert joined.index("--proc /proc") < joined.index("/proc/1/mem")


def test_bounded_tail_keeps_only_the_end() -> None:
    tail = BoundedTail(4)
    for chunk in (b"abc", b"defg", b"h"):
        tail.feed(chunk)
    assert (tail.text(), tail.total_bytes, tail.truncated) == ("efgh", 8, True)


def test_argv_isolates_and_masks(tmp_path: Path) -> None:
    config = BubblewrapConfig(hidden_paths=("/etc/shadow",), mount_python=False)
    view = HostView()
    mount = Mount(tmp_path, "/gateway", writable=False)
    argv = bwrap_argv(
        Path("/bwrap"),
        config,
        view,
        ["echo", "hi"],
        tmp_path,
        {"A": "1"},
        (mount,),
        tmp_path,
        Limits(),
    )
    joined = " ".join(argv)
    assert all(flag in argv for flag in ISOLATION)
    assert f"--bind {tmp_path} {tmp_path}" in joined
    assert f"--ro-bind {tmp_path} /gateway" in joined
    assert "--ro-bind /dev/null /etc/shadow" in joined
    assert "--clearenv" in argv
    assert argv[-3:] == ["--", "echo", "hi"]
    assert str(Path.home()) not in argv


def test_given_env_overrides_defaults() -> None:
    env = sandbox_env({"HOME": "/work", "X": "y"}, HostView(env={"RUSTUP_HOME": "/r"}))
    assert env["HOME"] == "/work" and env["X"] == "y" and env["RUSTUP_HOME"] == "/r"
    assert env["LANG"] == "C.UTF-8" and "/usr/bin" in env["PATH"].split(":")


def test_host_view_mounts_prefixes_not_home() -> None:
    view = detect_host_view(("/usr",), mount_python=True, detect_toolchains=True)
    outside_usr = {p for p in python_prefixes() if not p.resolve().is_relative_to("/usr")}
    assert outside_usr <= set(view.ro_paths)
    assert Path.home() not in view.ro_paths
    everything = detect_host_view(("/",), mount_python=True, detect_toolchains=True)
    assert everything.ro_paths == (), "paths under the system paths are not mounted twice"


def test_read_only_paths_inside_the_workdir_stay_read_only(tmp_path: Path) -> None:
    venv = tmp_path / "project" / ".venv"
    venv.mkdir(parents=True)
    view = HostView(ro_paths=(venv,))
    argv = bwrap_argv(
        Path("/bwrap"), BubblewrapConfig(), view, ["true"], tmp_path, {}, (), tmp_path, Limits()
    )
    workdir_at = argv.index(str(tmp_path))
    venv_at = argv.index(str(venv))
    assert argv[workdir_at - 1] == "--bind" and argv[venv_at - 1] == "--ro-bind"
    assert workdir_at < venv_at


def test_hidden_symlinks_are_masked_where_they_point(tmp_path: Path) -> None:
    system = tmp_path / "etc"
    (system / "real-private").mkdir(parents=True)
    (system / "private").symlink_to(system / "real-private")
    (system / "secret").write_text("x")
    config = BubblewrapConfig(
        system_paths=(str(system),),
        hidden_paths=(str(system / "private"), str(system / "secret"), "/nonexistent"),
        mount_python=False,
    )
    argv = bwrap_argv(
        Path("/bwrap"), config, HostView(), ["true"], tmp_path, {}, (), tmp_path, Limits()
    )
    joined = " ".join(argv)
    assert f"--tmpfs {system / 'real-private'} --remount-ro {system / 'real-private'}" in joined
    assert f"--ro-bind /dev/null {system / 'secret'}" in joined
    assert "/nonexistent" not in joined
