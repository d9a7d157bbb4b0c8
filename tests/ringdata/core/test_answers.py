"""ringdata/core/answers.py: the one \\boxed{} reader (data adapters, graders and the tiny probe use it)."""

import pytest

from ringdata.core.answers import last_boxed


@pytest.mark.parametrize(
    "text,boxed",
    [
        ("so $\\boxed{\\frac{1}{2}}$.", "\\frac{1}{2}"),
        ("first \\boxed{1} then \\boxed{2}", "2"),  # the last one is the answer
        ("\\fbox{7}", "7"),
        ("\\boxed{\\{1, 2\\}}", "\\{1, 2\\}"),  # escaped braces are the set's, not the group's
        # the brace-less form: the token, without the sentence's punctuation
        ("\\boxed 5", "5"),
        ("so \\boxed 5.", "5"),
        # nothing complete: no answer, and an unfinished last box does not hide a finished one
        ("no answer here", None),
        ("\\boxed{unclosed", None),
        ("\\boxed{1} and \\boxed{2", "1"),
    ],
)
def test_last_boxed(text, boxed):
    assert last_boxed(text) == boxed


def test_the_graders_and_the_adapters_share_it():
    """The copies that disagreed are gone: every user reads the same function."""
    from rewards.math import reading
    from ringdata.core.io import formats
    from train import tiny  # noqa: F401 - imports it inside the probe

    assert reading.last_boxed is last_boxed and formats.last_boxed is last_boxed
