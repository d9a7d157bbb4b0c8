"""Rollout backends behind `train.rollout.RolloutBackend`: transformers (`hf`) and vLLM (`vllm`)."""
