"""A small tool-using coding agent. Run it with `python -m coding_agent --help`."""
