"""The policy on its device: where it trains, in what precision, and how its log-probs are scored.

- Device: `device = "auto"` trains on CUDA when it is available, else on the CPU.
- Precision: on CUDA the policy keeps float32 master weights and AdamW state and runs its forward
  and backward under bf16 autocast (`precision = "auto"` or `"bf16"`); under FSDP2 the same is
  FSDP's mixed-precision policy (bf16 parameters in compute, float32 gradient reduction). The
  frozen reference is a bf16 copy on the same device (on the CPU between forwards with
  `offload_reference`). On the CPU everything stays float32, as the paper's recipe ran here.
- Scoring (`Scorer`): the decoder's final hidden states are taken at response positions only,
  then through the output layer in chunks (train/loss.py: `chunked_logprobs_and_entropy`), so no
  [tokens, vocabulary] tensor of the whole micro-batch, nor any row of a prompt position, exists.
- Several processes (`torchrun`): `shard` applies FSDP2's `fully_shard` to each decoder layer and
  to the scorer as the root; `full_state_dict` gathers the full weights on every rank (each rank
  pushes them into its own rollout engine).
"""

from __future__ import annotations

import copy
from contextlib import contextmanager, nullcontext
from pathlib import Path

import torch

from ringdata.core.errors import RingdataError
from train.config import TrainConfig
from train.loss import chunked_logprobs_and_entropy
from train.models import load_tokenizer


def resolve_device(name: str) -> torch.device:
    """auto: cuda when torch sees a GPU, else cpu. Asking for cuda without one is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RingdataError("device = \"cuda\" but torch sees no GPU (torch.cuda.is_available() is False): "
                            "install a CUDA build of torch, or set device = \"cpu\"")
    return torch.device(name)


def compute_dtype(cfg: TrainConfig, device: torch.device) -> torch.dtype | None:
    """The autocast dtype, or None for plain float32."""
    if cfg.precision == "bf16" or (cfg.precision == "auto" and device.type == "cuda"):
        return torch.bfloat16
    return None


class Scorer(torch.nn.Module):
    """A causal LM that returns log pi(token) and entropy at the response positions of a batch.

    One module around the model (not a function of it) because FSDP2 gathers the root's
    parameters (embeddings, final norm, output layer) in the root's forward: the hidden states
    and the chunked output layer must both run inside it.
    """

    def __init__(self, lm, *, chunk_tokens: int = 4096, compile_chunks: bool = False, keep_bytes: int = 0) -> None:
        super().__init__()
        cfg = lm.config
        for unsupported in ("final_logit_softcapping", "logit_scale", "logits_scaling"):
            if getattr(cfg, unsupported, None) not in (None, 1.0):
                raise RingdataError(f"the model's config sets {unsupported}, which the chunked loss does not apply: "
                                    "use a model whose logits are the output layer's plain product")
        self.lm = lm
        self.chunk_tokens = chunk_tokens
        self.compile_chunks = compile_chunks
        self.keep_bytes = keep_bytes  # the chunks' log-softmax kept for the backward up to this size

    def forward(self, ids: torch.Tensor, attn: torch.Tensor, pos: torch.Tensor, mask: torch.Tensor,
                temperature: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
        """ids/attn [B, T] right-padded rows; pos [B, S] the positions whose logits predict the
        scored tokens (t predicts t + 1); mask [B, S] 1 where a token is scored. Returns (logp,
        entropy), [B, S], float32 (even under bf16 autocast), 0 where mask is 0."""
        hidden = self.lm.get_decoder()(input_ids=ids, attention_mask=attn).last_hidden_state
        rows = torch.arange(ids.shape[0], device=ids.device).unsqueeze(1)
        targets = ids.gather(1, (pos + 1).clamp(max=ids.shape[1] - 1))
        valid = mask.bool()
        head = self.lm.get_output_embeddings()
        logp, entropy = chunked_logprobs_and_entropy(
            hidden[rows, pos][valid], head.weight, head.bias, targets[valid],
            chunk_tokens=self.chunk_tokens, temperature=temperature, compile=self.compile_chunks,
            keep_bytes=self.keep_bytes,
        )
        zeros = torch.zeros(mask.shape, dtype=logp.dtype, device=mask.device)  # float32 (float64 for a double model)
        return zeros.masked_scatter(valid, logp), zeros.masked_scatter(valid, entropy)


def load_policy(model_dir: Path, cfg: TrainConfig, device: torch.device):
    """(policy scorer, frozen reference scorer, tokenizer): the policy float32 on `device`; the
    reference bf16 when the policy computes in bf16, on `device` or (offloaded) on the CPU."""
    from transformers import AutoModelForCausalLM

    lm = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32, local_files_only=True)
    lm.eval()  # no dropout: the importance ratio must be exactly 1 for on-policy tokens
    ref_lm = copy.deepcopy(lm).requires_grad_(False).eval()
    if cfg.optim.gradient_checkpointing:
        enable_gradient_checkpointing(lm)
    if compute_dtype(cfg, device) is not None:
        ref_lm = ref_lm.to(compute_dtype(cfg, device))
    opts = dict(chunk_tokens=cfg.optim.logit_chunk_tokens, **chunk_options(cfg, device))
    policy = Scorer(lm.to(device), **opts)
    reference = Scorer(ref_lm.to("cpu" if cfg.offload_reference else device), **opts)
    return policy, reference, load_tokenizer(model_dir)


def chunk_options(cfg: TrainConfig, device: torch.device) -> dict:
    """The output-layer chunks' settings: compiled and their log-softmax kept (up to 4 GiB) on cuda
    unless the config says otherwise; on the CPU eager and recomputed, as before they existed."""
    cuda = device.type == "cuda"
    compile_chunks = cfg.optim.compile_chunks if cfg.optim.compile_chunks is not None else cuda
    keep_mb = cfg.optim.logit_keep_mb if cfg.optim.logit_keep_mb is not None else (4096 if cuda else 0)
    return {"compile_chunks": compile_chunks, "keep_bytes": keep_mb * 2**20}


def enable_gradient_checkpointing(lm) -> None:
    """transformers recomputes layers only in training mode; the policy stays dropout-free."""
    lm.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    lm.train()
    for m in lm.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
        if hasattr(m, "attention_dropout"):
            m.attention_dropout = 0.0


@contextmanager
def on_device(scorer: Scorer, device: torch.device):
    """The (offloaded) reference moved to `device` for the duration, then back."""
    home = next(scorer.parameters()).device
    if home == device:
        yield scorer
        return
    scorer.to(device)
    try:
        yield scorer
    finally:
        scorer.to(home)


def autocast(device: torch.device, dtype: torch.dtype | None):
    return torch.autocast(device.type, dtype=dtype) if dtype is not None else nullcontext()


def shard(policy: Scorer, device: torch.device, dtype: torch.dtype | None) -> Scorer:
    """FSDP2 over the current process group: each decoder layer its own unit, the scorer (embeddings,
    final norm, output layer, tied or not) the root. With `dtype` the parameters compute in it and
    gradients are reduced in float32."""
    from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard

    mp = MixedPrecisionPolicy(param_dtype=dtype, reduce_dtype=torch.float32) if dtype is not None else MixedPrecisionPolicy()
    for layer in policy.lm.get_decoder().layers:
        fully_shard(layer, mp_policy=mp)
    fully_shard(policy, mp_policy=mp)
    return policy


def is_sharded(policy) -> bool:
    from torch.distributed.fsdp import FSDPModule

    return isinstance(policy, FSDPModule)


def full_state_dict(policy: Scorer) -> dict[str, torch.Tensor]:
    """The model's full weights (transformers names), on every rank when sharded."""
    if not is_sharded(policy):
        return policy.lm.state_dict()
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict

    full = get_model_state_dict(policy, options=StateDictOptions(full_state_dict=True))
    return {k.removeprefix("lm."): v for k, v in full.items()}
