"""rewards/adapters.py with the trainers' own code: verl's compute_score contract, verl's own
SandboxFusion reward code and custom-function loader pointed at `ringdata serve`, and TRL's
GRPOTrainer training the tiny model on CPU with ringdata's reward functions."""

from __future__ import annotations

import importlib.util
import json
import math
import threading
from pathlib import Path

import pytest

from rewards.adapters import AsyncRewardFunction, RewardFunction, compute_score, problem_from_verl
from tests.conftest import DATA, ROOT

pytestmark = [pytest.mark.docker, pytest.mark.timeout(900)]

CODE = DATA / "code_multilang" / "problems.jsonl"
SQUARE = {"inputs": ["3\n", "12\n"], "outputs": ["9\n", "144\n"]}
RIGHT = "```python\nn = int(input())\nprint(n * n)\n```"
WRONG = "```python\nn = int(input())\nprint(n + n)\n```"


# verl's ground-truth shapes -> the problem ringdata grades
@pytest.mark.parametrize("data_source,truth,extra,domain", [
    ("openai/gsm8k", "72", None, "math"),
    ("lighteval/MATH", "\\frac{1}{2}", {"index": 3}, "math"),
    ("gpqa_science", "B", {"choices": ["1", "2", "3", "4"]}, "science"),
    ("codecontests", SQUARE, None, "code"),
    ("codecontests", json.dumps(SQUARE), None, "code"),  # verl stores it as a JSON string
    ("mbpp", {"assert_case": ["assert f(2) == 4"]}, None, "code"),
    ("anything", "7", {"domain": "science"}, "science"),
])  # fmt: skip
def test_problem_from_verl_shapes(data_source, truth, extra, domain):
    assert problem_from_verl(data_source, truth, extra).domain == domain


@pytest.mark.parametrize("remote", [False, True], ids=["local", "server"])
def test_compute_score_math_science_code(served, remote):
    kw = {"server_url": served.url} if remote else {}
    assert compute_score("openai/gsm8k", "so the answer is \\boxed{72}", "72", **kw) == 1.0
    assert compute_score("openai/gsm8k", "\\boxed{71}", "72", **kw) == 0.0
    assert compute_score("gpqa_science", "The answer is (B).", "B", {"choices": ["1", "2", "3", "4"]}, **kw) == 1.0
    assert compute_score("codecontests", RIGHT, json.dumps(SQUARE), **kw) == 1.0
    assert compute_score("codecontests", WRONG, SQUARE, **kw) == 0.0
    assert compute_score("codecontests", "", SQUARE, **kw) == 0.0  # never raises on model output


def test_compute_score_through_a_server_url_with_run_code_suffix(served):
    # verl's sandbox_fusion_url ends in /run_code: the same value works here
    assert compute_score("openai/gsm8k", "\\boxed{4}", "4", server_url=served.url + "/run_code") == 1.0


def test_reward_function_is_thread_safe_and_signal_free():
    """TRL calls reward functions from wherever it runs; math-verify's SIGALRM time-outs would
    fail off the main thread. Eight threads at once, each its own answers."""
    fn = RewardFunction()
    results: dict[int, list] = {}

    def work(k: int) -> None:
        completions = [f"\\boxed{{{k}}}", f"\\boxed{{{k + 1}}}", [{"role": "assistant", "content": f"\\boxed{{{k}}}"}]]
        results[k] = fn(prompts=["q"] * 3, completions=completions, domain=["math"] * 3, answer=[str(k)] * 3)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert results == {k: [1.0, 0.0, 1.0] for k in range(8)}
    assert fn(prompts=["q"], completions=["x"], domain=[None], answer=[None]) == [None]  # not applicable


def test_async_reward_function(served):
    import asyncio

    fn = AsyncRewardFunction(server_url=served.url)
    got = asyncio.run(fn(prompts=["a", "b"], completions=[RIGHT, WRONG], domain=["code", "code"],
                         tests=[json.dumps([{"input": i, "output": o} for i, o in zip(SQUARE["inputs"], SQUARE["outputs"])])] * 2))
    assert got == [1.0, 0.0]


# ------------------------------------------------------------------------- verl's own code


def _verl_file(relative: str):
    """A module of the installed verl distribution, loaded from its file: `import verl` itself
    needs verl's dependencies (tensordict, hydra, a transformers < 5.11 and antlr4 4.9.3, which
    would replace the pinned transformers and math-verify's antlr4 4.13.2), so scripts/setup.sh
    installs verl with --no-deps and the tests load the stdlib+requests modules they need."""
    spec = importlib.util.find_spec("verl")
    if spec is None:
        pytest.skip("verl is not installed (scripts/setup.sh: pip install --no-deps verl)")
    path = Path(spec.submodule_search_locations[0]) / relative
    name = "verl_" + relative.replace("/", "_").removesuffix(".py").removesuffix("___init__")
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=[str(path.parent)]
                                                  if path.name == "__init__.py" else None)  # fmt: skip
    module = importlib.util.module_from_spec(spec)
    import sys

    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_verl_sandbox_fusion_reward_agrees_with_ringdata_grade(served):
    """verl's `verl.utils.reward_score.sandbox_fusion.compute_score` (one /run_code per test,
    stdout compared by verl) against `ringdata serve`, on the bundled code problems' right and
    wrong Python solutions: the same pass/fail as ringdata's own grading of them."""
    sandbox_fusion = _verl_file("utils/reward_score/sandbox_fusion/__init__.py")
    problems = [json.loads(line) for line in CODE.open()]
    cases = []
    for p in problems:
        for response, expected in [(r, 1.0) for r in p["solutions"]] + [(r, 0.0) for r in p["wrong_solutions"]]:
            if response.lstrip().startswith("```python"):
                cases.append((p, response, expected))
    assert len(cases) >= 12  # verl's compute_score sends Python only
    ours = []
    for p, response, _ in cases:
        status, text, _ = served.post("/ringdata/grade", json.dumps({"problem": {k: p[k] for k in ("id", "domain", "tests")},
                                                                     "responses": [response]}))  # fmt: skip
        ours.append(json.loads(text)["rows"][0]["reward"])
    truth = [{"inputs": [t["input"] for t in p["tests"]], "outputs": [t["output"] for t in p["tests"]]} for p, _, _ in cases]
    theirs = [sandbox_fusion.compute_score(served.url + "/run_code", None, 1024, response, t, timeout=10)[0]
              for (_, response, _), t in zip(cases, truth)]  # fmt: skip
    assert ours == [e for _, _, e in cases]
    assert theirs == ours


def test_verl_loads_compute_score_as_its_custom_reward_function(served):
    """verl's own loader (`verl.utils.import_utils.load_extern_object`, what
    `custom_reward_function.path/name` goes through) on rewards/adapters.py, called the way verl's
    reward manager calls it, with `reward_kwargs` merged in."""
    import_utils = _verl_file("utils/import_utils.py")
    fn = import_utils.load_extern_object(module_path=str(ROOT / "rewards" / "adapters.py"), object_name="compute_score")
    kwargs = {"server_url": served.url}  # custom_reward_function.reward_kwargs
    assert fn(data_source="openai/gsm8k", solution_str="\\boxed{12}", ground_truth="12", extra_info={"index": 0}, **kwargs) == 1.0
    assert fn(data_source="codecontests", solution_str=RIGHT, ground_truth=json.dumps(SQUARE), extra_info=None, **kwargs) == 1.0


# ------------------------------------------------------------------------------------- TRL


@pytest.mark.slow
def test_trl_grpo_trains_the_tiny_model_with_ringdata_rewards(served, tmp_path):
    """TRL's GRPOTrainer, a few steps on CPU, on bundled math and code problems, with the sync
    reward graded here and the async one through the server; both called by TRL itself. The
    tiny model's architecture and tokenizer, unfitted (`steps=0`): what is tested is TRL calling
    the rewards, and the fit takes minutes on a busy machine."""
    trl = pytest.importorskip("trl")
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from train.tiny import build_tiny_model
    from train.toy import math_problems

    tiny_dir = build_tiny_model(tmp_path / "tiny", steps=0)

    math_rows = [{"prompt": f"Question: {p.question}\nAnswer:", "domain": "math", "answer": p.answer, "tests": None}
                 for p in math_problems(8, seed=0)]  # fmt: skip
    code = [json.loads(line) for line in CODE.open()][:4]
    code_rows = [{"prompt": f"Question: {p['question'][:200]}\nAnswer:", "domain": "code", "answer": None,
                  "tests": json.dumps(p["tests"])} for p in code]  # fmt: skip
    dataset = Dataset.from_list(math_rows + code_rows)
    calls = {"sync": 0, "async": 0}

    class Counted(RewardFunction):
        def __call__(self, *a, **kw):
            calls["sync"] += 1
            return super().__call__(*a, **kw)

    class CountedAsync(AsyncRewardFunction):
        __name__ = "ringdata_server"

        async def __call__(self, *a, **kw):
            calls["async"] += 1
            return await super().__call__(*a, **kw)

    model = AutoModelForCausalLM.from_pretrained(tiny_dir)
    tokenizer = AutoTokenizer.from_pretrained(tiny_dir)
    config = trl.GRPOConfig(output_dir=str(tmp_path / "out"), max_steps=2, per_device_train_batch_size=4, num_generations=4,
                            max_completion_length=16, logging_steps=1, report_to="none", use_cpu=True, bf16=False,
                            save_strategy="no", seed=0, dataloader_num_workers=0)  # fmt: skip
    trainer = trl.GRPOTrainer(model=model, reward_funcs=[Counted(), CountedAsync(server_url=served.url)], args=config,
                              train_dataset=dataset, processing_class=tokenizer)  # fmt: skip
    trainer.train()
    logged = [h for h in trainer.state.log_history if "reward" in h]
    assert len(logged) == 2 and calls["sync"] >= 2 and calls["async"] >= 2
    for h in logged:
        assert math.isfinite(h["reward"]) and 0.0 <= h["reward"] <= 2.0
        assert "rewards/ringdata/mean" in h and "rewards/ringdata_server/mean" in h


# ---------------------------------------------------------------------- OpenRLHF's own client


def _openrlhf_agent():
    """OpenRLHF's `openrlhf/utils/agent.py` (its remote-reward client) from the installed wheel:
    `import openrlhf.utils` pulls in its trainer (deepspeed and more), so scripts/setup.sh installs
    openrlhf with --no-deps and this loads the agent module, with the logging module it imports,
    from their files."""
    import sys
    import types

    spec = importlib.util.find_spec("openrlhf")
    if spec is None:
        pytest.skip("openrlhf is not installed (scripts/setup.sh: pip install --no-deps openrlhf)")
    root = Path(spec.submodule_search_locations[0])
    for package in ("openrlhf", "openrlhf.utils"):  # empty packages: their __init__ is what cannot load
        sys.modules.setdefault(package, types.ModuleType(package))
    modules = {}
    for name in ("logging_utils", "agent"):
        spec = importlib.util.spec_from_file_location(f"openrlhf.utils.{name}", root / "utils" / f"{name}.py")
        modules[name] = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(modules[name])
    return modules["agent"]


def test_openrlhf_remote_reward_client_against_the_server(served):
    """OpenRLHF 0.11's own `SingleTurnAgentExecutor` HTTP path (`--remote_rm_url`) posts
    `{query, prompts, labels}` to /openrlhf/reward: math, code (verl's ground-truth shape) and
    science labels, right and wrong, get ringdata's rewards."""
    import asyncio

    agent = _openrlhf_agent()
    executor = agent.SingleTurnAgentExecutor(remote_rm_url=served.url + "/openrlhf/reward")
    add = "```python\na, b = map(int, input().split())\nprint(a + b)\n```"
    cases = [  # (prompt, response, label, reward)
        ("What is 1/2 as a decimal? ", "It is \\boxed{0.5}", "\\frac{1}{2}", 1.0),
        ("What is 1/2 as a decimal? ", "It is \\boxed{0.3}", "\\frac{1}{2}", 0.0),
        ("Add two numbers. ", add, json.dumps({"inputs": ["2 3\n", "10 -4\n"], "outputs": ["5\n", "6\n"]}), 1.0),
        ("Add two numbers. ", add.replace("a + b", "a - b"), json.dumps({"inputs": ["2 3\n"], "outputs": ["5\n"]}), 0.0),
        ("Which? ", "The answer is (B).", json.dumps({"domain": "science", "answer": "B", "choices": ["1", "2", "3", "4"]}), 1.0),
    ]  # fmt: skip
    got = asyncio.run(executor._fetch_rewards_via_http([p + r for p, r, _, _ in cases], [p for p, _, _, _ in cases],
                                                       [label for _, _, label, _ in cases]))  # fmt: skip
    assert len(got) == 1 and got[0]["rewards"] == [want for *_, want in cases], got
    assert got[0]["scores"] == got[0]["rewards"] and got[0]["extra_logs"]["ringdata_correct"] == got[0]["rewards"]
    status, text, _ = served.post("/openrlhf/reward", json.dumps({"query": ["x"], "labels": []}))
    assert status == 422 and "same length" in json.loads(text)["detail"]
