"""Imported by a verifier worker before it says ready (`PoolConfig.preload`): builds the tables the
graders otherwise build on their first call, so no call pays seconds of set-up inside its timeout
(pint's unit registry ~1-4 s, the CLDR currency names, the Unicode confusables and LaTeX tables)."""

from rewards.math.canonical import _confusable_table, _math_table, unit_registry
from rewards.math.hedges import _currency_words

_confusable_table()
_math_table()
_currency_words()
unit_registry()
