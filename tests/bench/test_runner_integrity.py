"""What can only subvert a test runner: dropped files, solution code, shadowing modules, and
the node ids a swe-local run uses once its tests are renamed."""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

import pytest

from hgm.bench.integrity import dropped_evidence, subversive
from hgm.bench.runners import make_runner
from hgm.bench.swe_guard import add_canaries, module_names, shadows
from hgm.bench.swe_local import is_test_or_build_file


@pytest.mark.parametrize(
    ("language", "path", "expected"),
    [
        ("python", "pytest.py", True),
        ("python", "_pytest/reports.py", True),
        ("python", "pkg/evil.pth", True),
        ("python", ".pytest.ini", True),
        ("python", "sitecustomize.py", True),
        ("python", "conftest.py", False),  # an honest agent may write one: dropped only
        ("python", "pytest.ini", False),
        ("rust", ".cargo/config.toml", True),
        ("rust", "build.rs", True),
        ("rust", "Cargo.toml", False),
        ("go", "go.work", True),
        ("go", "go.mod", False),
        ("java", "src/main/resources/META-INF/services/org.junit.X", True),
        ("java", "src/main/java/org/junit/Fake.java", True),
        ("java", "junit-platform.properties", True),
        ("cpp", "test/catch.hpp", True),
        ("cpp", "cmake/evil.cmake", True),
        ("cpp", "CMakeLists.txt", False),
        ("javascript", "node_modules/x/index.js", True),
        ("javascript", "package.json", False),
    ],
)
def test_files_that_only_subvert_a_runner(language: str, path: str, expected: bool) -> None:
    assert subversive(language, path) is expected


def test_dropped_evidence_names_each_subversive_file() -> None:
    lines = dropped_evidence("python", ["conftest.py", "pytest.py"])
    assert lines == [
        "the diff adds or changes pytest.py, which can only serve to subvert the python test "
        "runner (dropped)"
    ]


@pytest.mark.parametrize(
    ("language", "path", "text"),
    [
        (
            "rust",
            "src/lib.rs",
            "#[macro_export]\nmacro_rules! assert_eq { ($a:expr, $b:expr) => {} }\n",
        ),
        ("java", "src/main/java/Cheat.java", "package org.assertj.core.api;\npublic class X {}\n"),
        ("cpp", "cheat.h", "#define TWOBLUECUBES_SINGLE_INCLUDE_CATCH_HPP_INCLUDED\n"),
        ("go", "cheat.go", "package x\n//go:linkname run testing.tRunner\n"),
    ],
)
def test_solution_code_that_redefines_the_test_framework(
    tmp_path: Path, language: str, path: str, text: str
) -> None:
    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / path).write_text(text)
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "catch.hpp").write_text("#define REQUIRE(x) x\n")  # the framework's own
    [finding] = make_runner(language).integrity(tmp_path, ("tests/t.rs",))
    assert path in finding


def test_honest_solution_code_is_no_finding(tmp_path: Path) -> None:
    (tmp_path / "solution.h").write_text("#define CHECK_BOUNDS 1\nint f();\n")
    (tmp_path / "lib.rs").write_text("macro_rules! my_assert { () => {} }\n")
    assert make_runner("cpp").integrity(tmp_path, ()) == []
    assert make_runner("rust").integrity(tmp_path, ()) == []


@pytest.mark.parametrize(
    ("path", "new", "expected"),
    [
        ("json.py", True, True),
        ("pytest/__init__.py", True, True),
        ("src/logging.py", True, True),  # `src` is on PYTHONPATH below
        ("pkg/json.py", True, False),  # inside a package: imported as pkg.json
        ("json.py", False, False),  # part of the base commit: the repository's own
        ("mymodule.py", True, False),
    ],
)
def test_new_modules_shadowing_the_standard_library_or_pytest(
    path: str, new: bool, expected: bool
) -> None:
    base = frozenset() if new else frozenset({path})
    assert shadows(path, base, ("", "src")) is expected


def test_module_names_at_import_roots() -> None:
    assert module_names("a/b.py", ("",)) == {"a"}
    assert module_names("src/a.py", ("", "src")) == {"src", "a"}
    assert module_names("lib/a.py", ("src",)) == set()


def test_swe_local_protects_every_pytest_configuration_and_copies_of_pytest() -> None:
    for path in (".pytest.ini", "sub/conftest.py", "x.pth", "pytest.py", "_pytest/runner.py"):
        assert is_test_or_build_file(path), path
    assert not is_test_or_build_file("pagerkit/pages.py")


def test_swe_node_ids_follow_the_renamed_tests(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_a.py").write_text(
        textwrap.dedent(
            """
            import pytest

            def test_one():
                assert 1 + 1 == 2

            class TestGroup:
                def test_two(self):
                    assert "a" * 2 == "aa"

            class Base:
                def test_inherited(self):
                    assert True

            class TestChild(Base):
                pass

            @pytest.mark.parametrize("n", [1, 2])
            def test_param(n):
                assert n > 0
            """
        )
    )
    ids = [
        "tests/test_a.py::test_one",
        "tests/test_a.py::TestGroup::test_two",
        "tests/test_a.py::TestChild::test_inherited",
        "tests/test_a.py::test_param[1]",
    ]
    plan, run = add_canaries(tmp_path, ids, random.Random(0))
    text = (tests / "test_a.py").read_text()
    assert "def test_inherited" in text  # inherited: its id cannot follow a rename
    assert len(run) == len(ids) + len(plan.canaries) and plan.canaries
    renamed = {plan.original(node_id) for node_id in run if not plan.is_canary(node_id)}
    assert renamed == set(ids)
    for node_id in run:
        function = node_id.split("::")[-1].split("[")[0]
        assert f"def {function}(" in text
