"""train/policy.py on the real tiny model: the device and precision a config resolves to, the
policy and its frozen reference, and the scorer's log-probs equal to the model's own log-softmax
at the scored positions (0 elsewhere)."""

from __future__ import annotations

import pytest
import torch

from ringdata.core.errors import RingdataError
from train.config import TrainConfig
from train.policy import compute_dtype, load_policy, on_device, resolve_device


def test_device_and_precision_resolve_as_documented():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    cpu = torch.device("cpu")
    assert compute_dtype(TrainConfig(), cpu) is None and compute_dtype(TrainConfig(precision="bf16"), cpu) is torch.bfloat16
    assert compute_dtype(TrainConfig(), torch.device("cuda")) is torch.bfloat16  # auto on cuda


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_names_the_fix():
    with pytest.raises(RingdataError, match="torch sees no GPU"):
        resolve_device("cuda")


@pytest.fixture(scope="module")
def policy_and_reference(tiny_dir):
    return load_policy(tiny_dir, TrainConfig(model=str(tiny_dir)), torch.device("cpu"))


def test_the_reference_is_a_frozen_copy(policy_and_reference):
    policy, reference, tokenizer = policy_and_reference
    assert all(p.requires_grad for p in policy.parameters()) and not any(p.requires_grad for p in reference.parameters())
    assert next(policy.parameters()).dtype is torch.float32 and not policy.lm.training  # no dropout
    assert reference.lm is not policy.lm and tokenizer.vocab_size > 0


def test_scores_are_the_models_log_softmax_at_the_scored_positions(policy_and_reference):
    policy, _, tokenizer = policy_and_reference
    ids = torch.tensor([tokenizer("1+1=2", add_special_tokens=False)["input_ids"]])
    T = ids.shape[1]
    pos = torch.arange(T - 1).unsqueeze(0)
    mask = torch.ones_like(pos)
    mask[0, 0] = 0
    with torch.no_grad():
        logp, entropy = policy(ids, torch.ones_like(ids), pos, mask)
        want = torch.log_softmax(policy.lm(ids).logits[0, :-1].float(), -1).gather(1, ids[0, 1:, None])[:, 0]
    assert logp.shape == pos.shape and logp[0, 0] == 0 and entropy[0, 0] == 0
    torch.testing.assert_close(logp[0, 1:], want[1:], atol=1e-4, rtol=1e-4)
    assert (entropy[0, 1:] > 0).all()


def test_on_device_on_the_home_device_is_the_scorer_itself(policy_and_reference):
    _, reference, _ = policy_and_reference
    with on_device(reference, torch.device("cpu")) as scorer:
        assert scorer is reference
