"""HumanEval's two processes: the candidate in the sandbox, the trusted checker on the host."""
