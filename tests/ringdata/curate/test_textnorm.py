"""Match text: the re-typings of one problem collapse, different problems stay apart."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ringdata.curate.textnorm import HashedTokens, match_text, match_text_expr


@pytest.mark.parametrize(
    "a,b",
    [
        # LaTeX delimiters and grouping braces
        ("Find $x^2$ when $x=3$.", r"Find \(x^{2}\) when \(x=3\)."),
        ("Find $x^2$ when $x=3$.", "Find x^2 when x=3"),
        ("$a_{n+1} = y_{1}$", "$a_n+1 = y_1$"),
        ("Find $x^2$ when $x=3$.", r"Find $$x^2$$ when \[x = 3\]"),
        # case, spacing, punctuation
        ("Find $x^2$ when $x=3$.", "FIND   X^2 WHEN X = 3 !"),
        ("What is 7, then?", "what is 7 then"),
        # presentation-only LaTeX
        (r"$\dfrac{1}{2}$", r"$\frac{1}{2}$"),
        (r"$\sqrt2$", r"$\sqrt{2}$"),
        (r"$\left( a \right)$", "(a)"),
        (r"$a \leq b$", r"$a\le b$"),
        (r"5 \text{ cm}", "5 cm"),
        (r"$a\,b$", "a b"),
        # thousands separators, Unicode compatibility forms
        ("1,000 apples", "1000 apples"),
        (r"$1{,}000$ apples", "1000 apples"),
        ("ｆｉｎｄ x", "find x"),
        ("1,000,000 grains", r"$1\,000\,000$ grains"),
        # fractions in every notation
        (r"$\frac{1}{2}$", "1/2"),
        (r"$\tfrac12$", "1/2"),
        ("½ cup", "1/2 cup"),
        (r"$\cfrac{1}{2}$", r"${1 \over 2}$"),
        (r"$\frac{x+1}{x-1}$", "(x+1)/(x-1)"),
        (r"$\frac{(x+5)(x+2)}{x+1}$", "((x+5)(x+2))/(x+1)"),
        (r"$\frac{\sqrt{3}}{2}$", r"$(\sqrt3)/2$"),
        (r"$\frac{1}{\frac{1}{2} + 1}$", "1/(1/2 + 1)"),
        (r"$\frac{1}{2}x^2$", "1/2x^2"),
        (r"$\frac{1}{\cos^2 10^\circ}$", "1/(cos^2 10°)"),
        # one spelling per symbol
        (r"$30^\circ$", "30°"),
        (r"$30^{\circ}$", "30 degrees"),
        (r"$5\%$", "5 percent"),
        ("5%", "5 percent"),
        (r"$2 \cdot 3 \times 4$", "2*3×4"),
        (r"$a \le b \ne c$", "a ≤ b ≠ c"),
        (r"$1 + 2 + \cdots + 10$", "1 + 2 + ... + 10"),
        (r"$2\pi r$", "2πr"),
        (r"$\dbinom{5}{2}$", r"$\binom{5}{2}$"),
        ("$3 − 1$", "3 - 1"),
    ],
)
def test_retypings_have_the_same_match_text(a: str, b: str) -> None:
    assert match_text([a]) == match_text([b])


@pytest.mark.parametrize(
    "a,b",
    [
        ("Compute $2+3$.", "Compute $2-3$."),  # operators are content
        ("Compute $3.5 + 1$.", "Compute $35 + 1$."),  # a decimal point is content
        ("Find $f(x)$", "Find $fx$"),  # brackets are content
        ("x < y", "x > y"),
        (r"$\frac{2}{3}$", r"$\frac{3}{2}$"),  # a fraction's order is content
        (r"$\frac{1}{2}3$", r"$\frac{1}{23}$"),
        ("(x+1)/2", "x+1/2"),  # parentheses around a composite operand are content
    ],
)
def test_different_problems_stay_different(a: str, b: str) -> None:
    assert match_text([a]) != match_text([b])


def test_choices_are_part_of_the_match_text() -> None:
    frame = pl.DataFrame({"question": ["Which is true?", "Which is true?"], "choices": [["A cat", "A dog"], None]})
    got = frame.select(match_text_expr()).to_series().to_list()
    assert got == ["which is true a cat a dog", "which is true"]


def _grams(texts: list[str], n: int) -> list[set[int]]:
    h, d = HashedTokens(pl.Series(texts)).ngrams(n)
    return [set(h[d == i].tolist()) for i in range(len(texts))]


def test_ngrams_count_order_and_boundaries() -> None:
    a, b, c, short, empty = _grams(["a b c d", "b c d e", "d c b a", "a b", ""], 3)
    assert len(a) == 2 and len(b) == 2
    assert len(a & b) == 1  # "b c d" is shared
    assert not a & c  # order matters
    assert len(short) == 1  # a text shorter than n is one gram, itself
    assert not empty


def test_short_text_gram_equals_the_same_tokens_inside_a_longer_text() -> None:
    """A short text's one gram is the hash of its tokens: the same tokens at the start of a
    longer text give the same prefix hash (what decontamination of short items relies on)."""
    tokens = HashedTokens(pl.Series(["x y z w", "x y"]))
    for length, running in tokens.prefix_grams(2):
        if length == 2:
            assert running[0] == running[4]
            assert running[0] != running[1]  # "x y" vs "y z"


def test_grams_never_cross_texts() -> None:
    joined, = _grams(["a b c d e f"], 3)
    split = _grams(["a b c", "d e f"], 3)
    crossing = joined - split[0] - split[1]
    assert len(crossing) == 2  # "b c d" and "c d e" exist only in the joined text
    assert np.all(np.array(sorted(split[0] | split[1])) != 0)


def test_frame_and_expression_forms_agree() -> None:
    """`with_match_text` skips NFKC on ASCII rows; it must give what the expression gives."""
    from ringdata.curate.textnorm import MATCH_TEXT, with_match_text

    texts = ["ｆｉｎｄ x²", "Find $x^2$", "ﬁnd the ½", "plain ascii 1,000"]
    frame = pl.DataFrame({"question": texts, "choices": [None, ["Ａ", "b"], None, None]})
    assert with_match_text(frame)[MATCH_TEXT].to_list() == frame.select(match_text_expr()).to_series().to_list()
    # row slices on several threads: the same column, in the same order
    many = pl.concat([frame] * 7)
    sliced = with_match_text(many, slice_rows=3)[MATCH_TEXT].to_list()
    assert sliced == with_match_text(many, slice_rows=10**6)[MATCH_TEXT].to_list()
    assert sliced == many.select(match_text_expr()).to_series().to_list()
