"""Rollout backends behind `train.rollout.RolloutBackend`: transformers (`hf`) and vLLM (`vllm`)."""

# The rollout engines `--backend` and a config's `backend` name; "auto" is vllm when it is
# importable, else hf (train/rollout.py `make_backend`). The one list: the CLI and the config read it.
BACKENDS: tuple[str, ...] = ("vllm", "hf", "auto")
