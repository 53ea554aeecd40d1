"""Fixtures: a fake upstream, and gateways with short socket paths that stop after the test."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from llm_fakes import FakeUpstream, StartGateway

from hgm.llm import Gateway, GatewayConfig


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    fake = FakeUpstream().start()
    yield fake
    fake.stop()


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A directory with a short path (Unix socket paths are limited to 107 characters)."""
    path = Path(tempfile.mkdtemp(prefix="hgm-llm-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def start_gateway(short_dir: Path) -> Iterator[StartGateway]:
    started: list[Gateway] = []

    def start(
        config: dict[str, Any] | GatewayConfig,
        db: Path | None = None,
        run: str = "run-1",
        name: str = "gw",
    ) -> Gateway:
        resolved = (
            config if isinstance(config, GatewayConfig) else GatewayConfig.model_validate(config)
        )
        gateway = Gateway(
            resolved, socket_dir=short_dir / name, db_path=db or short_dir / "run.db", run=run
        ).start()
        started.append(gateway)
        return gateway

    yield start
    for gateway in started:
        gateway.stop()
