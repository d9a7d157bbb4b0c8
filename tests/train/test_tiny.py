"""The tiny model the project builds itself: an ordinary model directory, loaded by the real
transformers loaders offline, small, and fitted into the band where RL has room to improve."""

import json

from transformers import AutoModelForCausalLM, AutoTokenizer

from train.tiny import SIZES, probe_accuracy, toy_split


def test_is_an_ordinary_transformers_directory(tiny_dir):
    tokenizer = AutoTokenizer.from_pretrained(tiny_dir, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(tiny_dir, local_files_only=True)
    params = sum(p.numel() for p in model.parameters())
    assert 1e5 <= params <= 5e6, params
    assert model.config.hidden_size // model.config.num_attention_heads in (32, 64)  # vLLM CPU
    ids = tokenizer("Question: What is 2+3?")["input_ids"]
    assert tokenizer.decode(ids, skip_special_tokens=True).endswith("What is 2+3?")
    assert tokenizer.eos_token_id is not None and tokenizer.pad_token_id is not None


def test_accuracy_leaves_room_for_rl(tiny_dir):
    """Sampled at temperature 1.0 on the probe questions (the ones RL holds out), the model is
    right sometimes but far from always, the band RL needs (a reward of 0 or 1 has no signal),
    and boxes about half its answers: the format habit RL can fix."""
    info = json.loads((tiny_dir / "ringdata_tiny.json").read_text())
    _, probe = toy_split(SIZES["tiny"], seed=info["seed"])
    measured = probe_accuracy(tiny_dir, probe, samples=4, seed=1)
    for stats in (measured, info["probe"]):
        assert 0.05 <= stats["accuracy"] <= 0.8, stats
        assert 0.3 <= stats["boxed_rate"] <= 0.7, stats
        assert stats["accuracy"] < stats["answer_accuracy"] <= 0.9, stats


def test_a_shipped_fit_is_copied_not_refitted_and_a_changed_recipe_is_fitted(tmp_path):
    """data/models/ holds the fits of the current recipes: a fresh cache gets a copy, byte for
    byte, without calling the fit; a recipe the project does not ship is fitted."""
    from train.chain import chain_model_dir
    from train.tiny import SHIPPED, build_key, cached_build

    def refuse(out):
        raise AssertionError("a shipped model was refitted")

    got = cached_build(tmp_path, "tiny", build_key("tiny", 0, None), refuse)
    assert (got / "model.safetensors").read_bytes() == (SHIPPED / got.name / "model.safetensors").read_bytes()
    chain = chain_model_dir(tmp_path)  # the chain model's current recipe is shipped too: no fit here
    assert (chain / "model.safetensors").read_bytes() == (SHIPPED / chain.name / "model.safetensors").read_bytes()
    fitted = []

    def fit(out):
        fitted.append(out)
        (out / "ringdata_tiny.json").write_text("{}")

    other = cached_build(tmp_path, "tiny", build_key("tiny", 1, 3), fit)
    assert fitted and (other / "ringdata_tiny.json").is_file() and not (SHIPPED / other.name).exists()
