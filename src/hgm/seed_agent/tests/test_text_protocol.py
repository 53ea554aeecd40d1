import json
import unittest

from coding_agent.text_protocol import parse_tool_block
from coding_agent.tools import ToolError


class TextProtocolTest(unittest.TestCase):
    def test_parses_the_first_tool_block(self) -> None:
        reply = (
            "I will look.\n```tool\n"
            '{"name": "bash", "arguments": {"command": "ls"}}\n'
            "```\n```tool\n"
            '{"name": "finish", "arguments": {}}\n'
            "```"
        )
        self.assertEqual(parse_tool_block(reply), ("bash", {"command": "ls"}))

    def test_fences_inside_json_strings_do_not_end_the_block(self) -> None:
        file_text = "```python\nprint(1)\n```\n"
        block = json.dumps({"name": "editor", "arguments": {"file_text": file_text}})
        name, arguments = parse_tool_block(f"```tool\n{block}\n```") or ("", {})
        self.assertEqual((name, arguments["file_text"]), ("editor", file_text))

    def test_no_block_means_no_call(self) -> None:
        self.assertIsNone(parse_tool_block("All done, I think.\n```python\nx = 1\n```"))

    def test_malformed_blocks_are_tool_errors(self) -> None:
        with self.assertRaisesRegex(ToolError, "not valid JSON"):
            parse_tool_block('```tool\n{"name": "bash",\n```')
        with self.assertRaisesRegex(ToolError, "must be"):
            parse_tool_block('```tool\n["bash"]\n```')
        with self.assertRaisesRegex(ToolError, "arguments must be a JSON object"):
            parse_tool_block('```tool\n{"name": "bash", "arguments": "ls"}\n```')


if __name__ == "__main__":
    unittest.main()
