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

    def test_what_small_models_write_is_understood(self) -> None:
        ls = ("bash", {"command": "ls"})
        replies = {
            "json fence": '```json\n{"name": "bash", "arguments": {"command": "ls"}}\n```',
            "bare fence": '```\n{"name": "bash", "arguments": {"command": "ls"}}\n```',
            "tags": '<tool_call>\n{"name": "bash", "arguments": {"command": "ls"}}\n</tool_call>',
            "bare object": 'I will run {"name": "bash", "arguments": {"command": "ls"}} now.',
            "other keys": '```tool\n{"tool": "bash", "parameters": {"command": "ls"}}\n```',
            "flat": '```tool\n{"name": "bash", "command": "ls"}\n```',
            "function": '```json\n{"function": {"name": "bash", "arguments": "{\\"command\\": '
            '\\"ls\\"}"}}\n```',
            "string arguments": '```tool\n{"name": "bash", "arguments": "{\\"command\\": '
            '\\"ls\\"}"}\n```',
            "single quotes": "```tool\n{'name': 'bash', 'arguments': {'command': 'ls'}}\n```",
            "trailing comma": '```tool\n{"name": "bash", "arguments": {"command": "ls",},}\n```',
            "cut off": '```tool\n{"name": "bash", "arguments": {"command": "ls"',
            "bash fence": "Let me look.\n```bash\nls\n```",
        }
        for shape, reply in replies.items():
            with self.subTest(shape=shape):
                self.assertEqual(parse_tool_block(reply), ls)

    def test_a_json_example_that_is_no_call_is_not_run(self) -> None:
        self.assertIsNone(parse_tool_block('The config is:\n```json\n{"port": 8080}\n```'))


if __name__ == "__main__":
    unittest.main()
