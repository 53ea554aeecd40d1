import tempfile
import unittest
from pathlib import Path

from coding_agent.tools import ToolError
from coding_agent.tools.editor import EditorTool


class EditorToolTest(unittest.TestCase):
    def setUp(self) -> None:
        self.repo = Path(tempfile.mkdtemp()).resolve()
        self.editor = EditorTool(self.repo)

    def edit(self, **args: object) -> str:
        return self.editor.run(args)

    def test_create_then_view_with_line_numbers(self) -> None:
        self.assertIn(
            "Wrote 2 lines", self.edit(command="create", path="pkg/a.py", file_text="x\ny\n")
        )
        self.assertEqual((self.repo / "pkg/a.py").read_text(), "x\ny\n")
        self.assertEqual(self.edit(command="view", path="pkg/a.py"), "     1\tx\n     2\ty")
        self.assertEqual(
            self.edit(command="view", path="pkg/a.py", view_range=[2, -1]), "     2\ty"
        )
        self.assertEqual(
            self.edit(command="view", path="pkg/a.py", view_range="[1, 1]"), "     1\tx"
        )

    def test_view_directory_lists_two_levels_without_hidden_entries(self) -> None:
        for name in ("a/b/c/deep.txt", "a/top.txt", ".git/config", "root.txt"):
            (self.repo / name).parent.mkdir(parents=True, exist_ok=True)
            (self.repo / name).write_text("")
        listing = self.edit(command="view", path=".").splitlines()
        self.assertEqual(listing, ["./", "a/", "a/b/", "a/top.txt", "root.txt"])

    def test_str_replace_requires_exactly_one_match(self) -> None:
        (self.repo / "f.py").write_text("a = 1\nb = 2\na = 1\n")
        with self.assertRaisesRegex(ToolError, "occurs 2 times .*lines 1, 3"):
            self.edit(command="str_replace", path="f.py", old_str="a = 1", new_str="a = 0")
        with self.assertRaisesRegex(ToolError, "not found"):
            self.edit(command="str_replace", path="f.py", old_str="c = 3", new_str="")
        output = self.edit(command="str_replace", path="f.py", old_str="b = 2", new_str="b = 20")
        self.assertIn("     2\tb = 20", output)
        self.assertEqual((self.repo / "f.py").read_text(), "a = 1\nb = 20\na = 1\n")

    def test_insert_after_a_line_and_at_the_top(self) -> None:
        (self.repo / "f.txt").write_text("one\nthree")
        self.edit(command="insert", path="f.txt", insert_line=1, new_str="two")
        self.edit(command="insert", path="f.txt", insert_line=0, new_str="zero\n")
        self.edit(command="insert", path="f.txt", insert_line=4, new_str="four")
        self.assertEqual((self.repo / "f.txt").read_text(), "zero\none\ntwo\nthree\nfour\n")
        with self.assertRaisesRegex(ToolError, "insert_line 9 is invalid"):
            self.edit(command="insert", path="f.txt", insert_line=9, new_str="x")

    def test_undo_reverts_edits_one_by_one_and_removes_created_files(self) -> None:
        self.edit(command="create", path="f.txt", file_text="v1\n")
        self.edit(command="str_replace", path="f.txt", old_str="v1", new_str="v2")
        self.edit(command="undo_edit", path="f.txt")
        self.assertEqual((self.repo / "f.txt").read_text(), "v1\n")
        self.assertIn("file removed", self.edit(command="undo_edit", path="f.txt"))
        self.assertFalse((self.repo / "f.txt").exists())
        with self.assertRaisesRegex(ToolError, "no edit"):
            self.edit(command="undo_edit", path="f.txt")

    def test_paths_outside_the_repository_are_refused(self) -> None:
        for path in ("../escape.txt", "/etc/passwd", "sub/../../x"):
            with self.assertRaisesRegex(ToolError, "outside the repository"):
                self.edit(command="create", path=path, file_text="x")
        self.assertIn(
            "Wrote", self.edit(command="create", path=str(self.repo / "in.txt"), file_text="x")
        )

    def test_errors_name_the_problem(self) -> None:
        with self.assertRaisesRegex(ToolError, "does not exist"):
            self.edit(command="view", path="missing.py")
        with self.assertRaisesRegex(ToolError, "unknown command 'delete'"):
            self.edit(command="delete", path="x")
        with self.assertRaisesRegex(ToolError, "missing required argument 'file_text'"):
            self.edit(command="create", path="x")
        (self.repo / "f.txt").write_text("a\n")
        with self.assertRaisesRegex(ToolError, "view_range"):
            self.edit(command="view", path="f.txt", view_range=[1, 5])


if __name__ == "__main__":
    unittest.main()
