"""Verifiers and graders: (problem, response) -> Verdict."""

from rewards.verdict import Reason, Verdict

__all__ = ["Reason", "Verdict"]
