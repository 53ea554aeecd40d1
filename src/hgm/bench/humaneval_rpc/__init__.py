"""HumanEval grading: the candidate (run in the sandbox), the trusted checker, their wire."""
