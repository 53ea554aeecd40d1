"""Canary tests: hidden, freshly named copies of real tests with a perturbed expectation.

A grade's test run must report every canary as failed; a canary that passes together with
the real test it copies, or that is missing from a complete report, proves that the code
under test attacked the grading (see docs/evaluation.md, "What grading guarantees").
"""
