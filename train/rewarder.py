"""Binary rewards for the trainer and the checkpoint probe, from the real graders."""

from __future__ import annotations

from rewards import GradeConfig, Grader
from ringdata.records import Problem
from sandboxes import SandboxChoice

__all__ = ["Rewarder"]


class Rewarder:
    """Binary rewards from the real graders (`rewards.Grader`): math and science in its verifier
    pool, code in the sandbox. Also keeps the verdict reasons of the last call, for the metrics."""

    def __init__(self, sandbox: SandboxChoice = SandboxChoice(), workers: int = 2, *, executor: str = "local",
                 ray_address: str = "auto") -> None:
        config = GradeConfig(workers=workers, sandbox=sandbox)
        if executor == "ray":  # verifier and sandbox actors on every node of the cluster
            from rewards.ray_executor import RayConfig, RayGrader

            self.grader = RayGrader(config, RayConfig(address=ray_address))
        else:
            self.grader = Grader(config)
        self.last_reasons: dict[str, int] = {}

    def __call__(self, items: list[tuple[Problem, str]]) -> list[float]:
        verdicts = self.grader.grade_many(items)
        reasons: dict[str, int] = {}
        for v in verdicts:
            reasons[v.reason.value] = reasons.get(v.reason.value, 0) + 1
        self.last_reasons = reasons
        return [v.reward for v in verdicts]

    def close(self) -> None:
        self.grader.close()
