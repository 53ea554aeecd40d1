"""`need()`: a missing component skips on a developer's machine and fails where all must be."""

from __future__ import annotations

import pytest

from components import need


@pytest.mark.parametrize(("variable", "value"), [("CI", "true"), ("HGM_TESTS_STRICT", "1")])
def test_a_missing_component_fails_when_strict(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("HGM_TESTS_STRICT", raising=False)
    monkeypatch.setenv(variable, value)
    with pytest.raises(pytest.fail.Exception, match=r"required component missing.*bwrap gone"):
        need("bubblewrap", "bwrap gone")
    need("bubblewrap", None)  # present: nothing happens


def test_a_missing_component_skips_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("HGM_TESTS_STRICT", "0")
    with pytest.raises(pytest.skip.Exception, match="go toolchain unavailable here: no go"):
        need("go toolchain", "no go")
