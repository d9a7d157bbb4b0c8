"""train/backends/common.py with the real tiny model's tokenizer: prompts encoded exactly, padded
on the left; a response cut after its EOS (kept) or at a stop string (removed from the text)."""

from __future__ import annotations

from train.backends.common import cut_response, encode_prompts, generation_tokenizer


def test_prompts_are_encoded_exactly_and_padded_on_the_left(tiny_dir):
    tok = generation_tokenizer(tiny_dir)
    assert tok.padding_side == "left"
    [ids] = encode_prompts(tok, ["1+1="])
    assert tok.decode(ids) == "1+1="  # no BOS or EOS added


def test_a_response_is_cut_after_its_eos_or_at_a_stop_string(tiny_dir):
    tok = generation_tokenizer(tiny_dir)
    body = encode_prompts(tok, ["12+3"])[0]
    eos = tok.eos_token_id
    tokens, logprobs, text, reason = cut_response([*body, eos, *body], [-0.5] * (2 * len(body) + 1), tok, {eos}, ())
    assert tokens == [*body, eos] and len(logprobs) == len(tokens) and text == "12+3" and reason == "stop"
    _, _, text, reason = cut_response(body, [-0.5] * len(body), tok, {eos}, ("+",))
    assert text == "12" and reason == "stop"
    assert cut_response(body, [-0.5] * len(body), tok, {eos}, ())[3] == "length"
