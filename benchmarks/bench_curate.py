"""Benchmark: normalise + exact dedup + near dedup + decontamination on N synthetic problems.

    python benchmarks/bench_curate.py              # 1,000,000 problems
    python benchmarks/bench_curate.py --n 100000   # quicker

What is planted (ids are random, so the smallest-id survivor is as often a copy as the original):
- exact duplicates: a problem re-typed so that only case, spacing and LaTeX delimiters differ;
- near duplicates: one word substituted or deleted in a problem of 70-90 words (shingle Jaccard
  about 0.86-0.97; the exact value of every pair is measured and reported);
- contaminated rows: a real item of the bundled evaluation sets, re-typed one of several ways
  (LaTeX delimiters, braces, case, punctuation) and wrapped in a random prompt prefix/suffix;
- hard negatives: pairs sharing a template (about half their words), which must both be kept;
- clean negatives: everything else.

Real-data lines follow (`--only quality,gold,real` runs just these):
- what decontamination and near dedup do on real data: MATH-500 items with fractions re-typed
  (`a/b`, `{a \\over b}`) caught; MATH test against MATH-500 (items found, extra flags); near
  duplicates dropped on MATH train + test, and how many had another gold than their survivor;
- the gold-answer parse check on a realistic mix of golds (rows sampled from the bundled MATH,
  MATH-500, GSM8K, AIME and AMC sets): the parser on every distinct answer (what curation did
  before `ringdata.curate.gold`) against the recogniser + cache, first run (empty cache) and re-run;
- `curate` on real MATH train + test (../shared/data, 12,500 rows; the bundled 1,500 + 5,000 when
  it is absent): read and every default step, with the old gold check, then first run and re-run.
  Target: the gold check >= 4x faster on real data.

The curation runs in a child process so that its peak RSS is its own, not the generator's. A
straightforward baseline (a Python regex normaliser + dict for exact dups, datasketch MinHashLSH
for near dups, a Python set of n-gram tuples for decontamination) runs in this process on a
random subsample; the speed ratio compares rows per second. Targets: 1M rows in < 3 min on 2
cores, peak RSS < 6 GiB, recall >= 0.95, false positives <= 1 %, >= 10x the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ringdata.curate.decontam import DEFAULT_EVALSETS, DecontamConfig, _label  # noqa: E402
from ringdata.curate.dedup import DedupConfig  # noqa: E402
from ringdata.core.records import PROBLEM_SCHEMA  # noqa: E402

console = Console()

# ---- synthetic data ------------------------------------------------------------------------

_SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "qu", "de", "fi", "go", "hu", "ja"]
_LATEX = ["$x^2$", "$y_1$", r"$\frac{a}{b}$", r"$\sqrt{n}$", "$n+1$", "$2k-1$", r"$\pi r^2$", "$a_n$", r"$\le$"]
_TEMPLATES = [
    "Find the value of", "How many positive integers", "Compute the sum of", "Let", "Suppose that",
    "What is the remainder when", "Determine all real numbers", "A bag contains", "Write a function that",
    "Given an array of integers",
]  # fmt: skip
_PREFIXES = ["Solve the following problem.", "Question:", "Please answer carefully.", "Here is a task for you."]
_SUFFIXES = ["Put your final answer in \\boxed{}.", "Show your work.", "Answer with a number only.", ""]

RETYPE = {
    "dollars_to_parens": lambda t: re.sub(r"\$([^$]+)\$", r"\\(\1\\)", t),
    "dollars_dropped": lambda t: t.replace("$", ""),
    "braced_scripts": lambda t: re.sub(r"([\^_])(\w)", r"\1{\2}", t),
    "upper_case": lambda t: t.upper(),
    "lower_case": lambda t: t.lower(),
    "no_punctuation": lambda t: re.sub(r"[.,;:?!](?=\s|$)", "", t),
    "respaced": lambda t: re.sub(r"\s+", "  ", t),
}
CODE_SAFE = ("upper_case", "lower_case", "respaced", "no_punctuation")


def vocabulary(rng: np.random.Generator, size: int = 6000) -> np.ndarray:
    syl = np.array(_SYLLABLES)
    words = {"".join(rng.choice(syl, size=rng.integers(2, 5))) for _ in range(size * 2)}
    words = sorted(words)[:size] + _LATEX + [str(i) for i in range(100)]
    return np.array(words, dtype=object)


def make_texts(rng: np.random.Generator, vocab: np.ndarray, n: int, lo: int, hi: int) -> list[list[str]]:
    lengths = rng.integers(lo, hi + 1, size=n)
    idx = rng.integers(0, len(vocab), size=(n, hi))
    tmpl = rng.integers(0, len(_TEMPLATES), size=n)
    return [[_TEMPLATES[t], *vocab[row[:L]].tolist()] for row, L, t in zip(idx, lengths, tmpl)]


def eval_items() -> list[tuple[str, str, bool]]:
    """(label, question, is_code) of every bundled evaluation item."""
    from ringdata.core.io.problems import ReadConfig, read_problems

    out = []
    for path in DEFAULT_EVALSETS:
        frame = read_problems([path], ReadConfig(domain="math")).frame
        code = path.stem in ("humaneval", "mbpp_test")
        out += [(_label(s, i), q, code) for s, i, q in frame.select("source", "id", "question").iter_rows()]
    return out


def generate(n: int, seed: int) -> tuple[pl.DataFrame, dict]:
    rng = np.random.default_rng(seed)
    pyrng = random.Random(seed)
    vocab = vocabulary(rng)
    n_exact, n_near, n_cont, n_hard = int(n * 0.02), int(n * 0.02), int(n * 0.01), int(n * 0.04)
    n_clean = n - n_exact - n_near - n_cont - n_hard
    clean = make_texts(rng, vocab, n_clean, 30, 70)
    near_base = make_texts(rng, vocab, n_near, 70, 90)  # long enough that one edit keeps J >= ~0.86
    texts = [" ".join(w) for w in clean] + [" ".join(w) for w in near_base]
    kind = ["clean"] * n_clean + ["near_base"] * n_near
    group = list(range(n_clean)) + list(range(n_clean, n_clean + n_near))
    # exact duplicates of clean rows, re-typed
    for k in range(n_exact):
        src = pyrng.randrange(n_clean)
        t = texts[src]
        for name in pyrng.sample(["upper_case", "lower_case", "respaced", "dollars_to_parens", "braced_scripts"], 2):
            t = RETYPE[name](t)
        texts.append(t), kind.append("exact"), group.append(group[src])
    # near duplicates: one word substituted or deleted, away from the ends
    for k in range(n_near):
        words = list(near_base[k])
        pos = pyrng.randrange(5, len(words) - 5)
        if pyrng.random() < 0.5:
            words[pos] = str(vocab[rng.integers(0, len(vocab))])
        else:
            del words[pos]
        texts.append(" ".join(words)), kind.append("near"), group.append(n_clean + k)
    # hard negatives: pairs that share about half their words
    for k in range(n_hard // 2):
        words = make_texts(rng, vocab, 1, 50, 70)[0]
        other = list(words)
        for pos in range(1, len(other), 2):
            other[pos] = str(vocab[rng.integers(0, len(vocab))])
        texts += [" ".join(words), " ".join(other)]
        kind += ["hard", "hard"]
        group += [-2, -2]
    # contaminated: evaluation items re-typed and wrapped in a prompt
    items = eval_items()
    labels = []
    for k in range(n_cont):
        label, q, code = items[pyrng.randrange(len(items))]
        name = pyrng.choice(CODE_SAFE if code else list(RETYPE))
        noise = " ".join(vocab[rng.integers(0, len(vocab), size=3)].tolist())
        texts.append(f"{pyrng.choice(_PREFIXES)} ({noise})\n\n{RETYPE[name](q)}\n\n{pyrng.choice(_SUFFIXES)}")
        kind.append("contaminated"), group.append(-3), labels.append(label)
    n = len(texts)
    ids = [f"syn/{h:016x}" for h in rng.integers(0, 2**63, size=n)]
    frame = pl.DataFrame({"id": ids, "domain": ["math"] * n, "source": ["synthetic"] * n, "question": texts})
    order = rng.permutation(n)
    frame = frame[order]
    truth = {"kind": [kind[i] for i in order], "group": [group[i] for i in order], "ids": [ids[i] for i in order],
             "labels": labels, "cont_ids": [ids[i] for i in range(n) if kind[i] == "contaminated"]}  # fmt: skip
    return frame, truth


def to_problem_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the remaining `PROBLEM_SCHEMA` columns as nulls."""
    empty = pl.from_arrow(PROBLEM_SCHEMA.empty_table())
    missing = [pl.lit(None, dtype=empty.schema[c]).alias(c) for c in empty.columns if c not in frame.columns]
    return frame.with_columns(missing).select(empty.columns)


# ---- the measured run (child process) -------------------------------------------------------


def worker(data: Path, out: Path) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ringdata.curate.base import run_pipeline
    from ringdata.curate.decontam import decontam_steps
    from ringdata.curate.dedup import dedup_steps

    try:
        from ringdata.curate.normalise import Normalise

        steps, normaliser = [Normalise()], "ringdata.curate.normalise.Normalise"
    except ImportError:
        steps, normaliser = [], "none (normalise step not available)"
    frame = pl.read_parquet(data)
    steps += dedup_steps(DedupConfig()) + decontam_steps(DecontamConfig())
    started, cpu0 = time.perf_counter(), sum(os.times()[:2])
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=Console(stderr=True)) as p:
        result = run_pipeline(frame, steps, p)
    wall = time.perf_counter() - started
    result.dropped.select("id", "drop_reason", "drop_match").write_parquet(out.with_suffix(".parquet"))
    out.write_text(json.dumps({
        "wall": wall, "rows": frame.height, "normaliser": normaliser,
        "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
        "steps": [(s.name, s.seconds, s.rows_in, s.rows_out) for s in result.steps],
        "cpu": sum(os.times()[:2]) - cpu0,
    }))  # fmt: skip


# ---- the baseline (this process) -----------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:\.\d+)*|[+\-*/=<>^()\[\]|]")


def _py_norm(text: str) -> list[str]:
    text = re.sub(r"\$\$|\\\[|\\\]|\\\(|\\\)|\$", " ", text.lower())
    return _WORD.findall(text)


def baseline(texts: list[str], ids: list[str], evalsets: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds for normalise + exact + near + decontam, the straightforward way."""
    from datasketch import MinHash, MinHashLSH

    n, k = DecontamConfig().ngram, DedupConfig().shingle
    eval_grams = set()
    for q in evalsets:
        t = _py_norm(q)
        eval_grams.update(tuple(t[i : i + n]) for i in range(max(1, len(t) - n + 1)))
    started, cpu = time.perf_counter(), time.process_time()
    seen, lsh, dropped = {}, MinHashLSH(threshold=0.8, num_perm=128), 0
    for pid, text in zip(ids, texts):
        tokens = _py_norm(" ".join(text.split()))
        key = " ".join(tokens)
        if key in seen:
            dropped += 1
            continue
        seen[key] = pid
        m = MinHash(num_perm=128)
        m.update_batch([" ".join(tokens[i : i + k]).encode() for i in range(max(1, len(tokens) - k + 1))])
        if lsh.query(m):
            dropped += 1
            continue
        lsh.insert(pid, m)
        if any(tuple(tokens[i : i + n]) in eval_grams for i in range(max(1, len(tokens) - n + 1))):
            dropped += 1
    return time.perf_counter() - started, time.process_time() - cpu


# ---- scoring -------------------------------------------------------------------------------


def score(truth: dict, dropped: pl.DataFrame) -> dict:
    """Recall per planted group: a group of m rows should lose m - 1 rows, each naming a row of
    the same group as its survivor (which row survives is the smallest-id rule's business)."""
    kinds = dict(zip(truth["ids"], truth["kind"]))
    groups = dict(zip(truth["ids"], truth["group"]))
    d = {r[0]: (r[1], r[2]) for r in dropped.iter_rows()}
    group_kind = {groups[p]: k for p, k in kinds.items() if k in ("exact", "near")}
    planted = {"exact": 0, "near": 0}
    for p, k in kinds.items():
        if k in planted:
            planted[k] += 1  # copies planted = drops expected
    right = {"exact": 0, "near": 0}
    for pid, (reason, match) in d.items():
        g = groups.get(pid, -1)
        if g in group_kind and reason in ("exact_duplicate", "near_duplicate") and groups.get(match) == g:
            right[group_kind[g]] += 1
    negatives = [p for p, k in kinds.items() if k in ("clean", "hard") and groups[p] not in group_kind]
    fp = sum(1 for p in negatives if p in d)
    cont = truth["cont_ids"]
    cont_dropped = sum(1 for p in cont if p in d)
    cont_named = sum(1 for p in cont if p in d and d[p][0] == "contaminated")
    return {
        "exact_recall": right["exact"] / max(1, planted["exact"]),
        "near_recall": right["near"] / max(1, planted["near"]),
        "cont_recall": cont_dropped / max(1, len(cont)),
        "cont_as_contaminated": cont_named / max(1, len(cont)),
        "fp_rate": fp / max(1, len(negatives)),
        "negatives": len(negatives), "fp": fp,
        "planted_exact": planted["exact"], "planted_near": planted["near"], "planted_cont": len(cont),
    }  # fmt: skip


def near_jaccards(frame: pl.DataFrame, truth: dict, sample: int = 3000) -> np.ndarray:
    from ringdata.curate.textnorm import match_text

    text = dict(zip(frame["id"].to_list(), frame["question"].to_list()))
    by_group: dict[int, list[str]] = {}
    for pid, kind, g in zip(truth["ids"], truth["kind"], truth["group"]):
        if kind in ("near", "near_base"):
            by_group.setdefault(g, []).append(pid)
    pairs = [v for v in by_group.values() if len(v) == 2][:sample]
    k, out = DedupConfig().shingle, []
    for a, b in pairs:
        ta, tb = (t.split() for t in match_text([text[a], text[b]]))
        sa = {tuple(ta[i : i + k]) for i in range(len(ta) - k + 1)}
        sb = {tuple(tb[i : i + k]) for i in range(len(tb) - k + 1)}
        out.append(len(sa & sb) / len(sa | sb))
    return np.array(out)


# ---- real data: the gold check, and curate on MATH train + test --------------------------------

SHARED = ROOT.parent / "shared" / "data"


def gold_mix(n: int, seed: int) -> list[str]:
    """`n` gold answers drawn from the rows of the bundled math sets (repeats as in real data)."""
    from ringdata.core.io.problems import ReadConfig, read_problems

    files = [ROOT / "data/problems/math_train.jsonl", ROOT / "data/problems/gsm8k_train.jsonl"]
    files += [ROOT / f"data/evalsets/{n}.jsonl" for n in ("math_test", "math500", "gsm8k_test", "aime2024", "aime2025", "amc2023")]
    golds = read_problems(files, ReadConfig()).frame.filter(pl.col("domain") == "math")["answer"].drop_nulls().to_list()
    return random.Random(seed).choices(golds, k=n)


def measure_child(mode: str, arg: str, cache: Path) -> dict:
    """Run one measurement in a fresh process (as a real `ringdata curate` run would start): its
    report plus the CPU seconds of the process and its verifier workers (they exit with it)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([sys.executable, __file__, "--measure", mode, arg, str(cache), out.name], check=True)
        report = json.loads(Path(out.name).read_text())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    report["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return report


def measure(mode: str, arg: str, cache: Path, out: Path) -> None:
    """Child side of `measure_child`: mode `gold-old|gold-new` (arg: a JSON list of golds) or
    `real-old|real-new` (arg: comma-separated problem files)."""
    from rewards.math import golds_are_parsable

    from ringdata.curate.clean import CleanConfig, UnparsableGold
    from ringdata.curate.gold import GoldChecker

    report: dict = {}
    if mode.startswith("gold"):
        golds = json.loads(Path(arg).read_text())
        check = golds_are_parsable if mode == "gold-old" else GoldChecker(cache)
        started = time.perf_counter()
        report["verdicts"] = check(golds)
        report["wall"] = time.perf_counter() - started
        if isinstance(check, GoldChecker):
            report["stats"] = check.stats.as_notes()
    else:
        from ringdata.curate.base import run_pipeline
        from ringdata.curate.pipeline import CurateConfig, default_steps
        from ringdata.core.io.problems import read_problems

        started = time.perf_counter()
        steps = default_steps(CurateConfig(clean=CleanConfig(gold_cache=cache)))
        if mode == "real-old":
            steps = [UnparsableGold(check=golds_are_parsable) if isinstance(s, UnparsableGold) else s for s in steps]
        frame = read_problems([Path(f) for f in arg.split(",")]).frame
        result = run_pipeline(frame, steps)
        report["wall"] = time.perf_counter() - started
        report["rows"] = frame.height
        report["gold"] = next(s.seconds for s in result.steps if s.name == "unparsable_gold")
        report["kept"] = result.kept.height
    out.write_text(json.dumps(report))


def bench_gold(n: int, seed: int) -> list[tuple[str, str]]:
    """(measure, value) rows: the old check vs the recogniser + cache on `n` real golds."""
    golds = gold_mix(n, seed)
    distinct = sorted(set(golds))
    with tempfile.TemporaryDirectory() as tmp:
        data, cache = Path(tmp) / "golds.json", Path(tmp) / "gold.sqlite"
        data.write_text(json.dumps(distinct))
        old = measure_child("gold-old", str(data), cache)
        first = measure_child("gold-new", str(data), cache)
        again = measure_child("gold-new", str(data), cache)
    assert old["verdicts"] == first["verdicts"] == again["verdicts"], "the fast gold check disagrees with the parser"
    stats = first["stats"]
    return [
        (f"gold check: {n:,} golds sampled from the bundled sets ({len(distinct):,} distinct)", "wall (parsing only) / CPU of the process and workers"),
        ("  parser on every distinct answer (before)", f"{old['wall']:.2f} s / {old['cpu']:.2f} s"),
        (f"  recogniser + cache, first run ({stats['simple (no parser)']:,} simple, {stats['parsed']:,} parsed)",
         f"{first['wall']:.2f} s / {first['cpu']:.2f} s = {old['wall'] / first['wall']:.1f}x wall, {old['cpu'] / first['cpu']:.1f}x CPU"),
        ("  recogniser + cache, re-run", f"{again['wall']:.3f} s / {again['cpu']:.2f} s = {old['wall'] / max(again['wall'], 1e-6):.0f}x wall"),
    ]  # fmt: skip


def bench_real(real_dir: Path) -> list[tuple[str, str]]:
    """Rows: read + every default curate step on real MATH train + test, old gold check vs new."""
    files = [real_dir / "math_train.jsonl", real_dir / "math_test.jsonl"]
    if not all(f.exists() for f in files):
        files = [ROOT / "data/problems/math_train.jsonl", ROOT / "data/evalsets/math_test.jsonl"]
    arg = ",".join(map(str, files))
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "gold.sqlite"
        runs = [(label, measure_child(mode, arg, cache)) for label, mode in (
            ("before: the parser on every distinct gold", "real-old"), ("first run (empty cache)", "real-new"), ("re-run", "real-new"))]  # fmt: skip
    base = runs[0][1]
    lines = [(f"real data: read + curate steps on {' + '.join(str(f) for f in files)} ({base['rows']:,} rows)",
              "wall (gold check) / CPU of the process and workers")]  # fmt: skip
    for label, r in runs:
        value = (f"{r['wall']:.2f} s ({r['gold']:.2f} s) / {r['cpu']:.2f} s = {base['wall'] / r['wall']:.1f}x wall, "
                 f"gold check {base['gold'] / max(r['gold'], 1e-6):.0f}x")  # fmt: skip
        lines.append((f"  {label}", value))
    return lines


_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")


def _slash(m: re.Match, parens: bool = True) -> str:
    """`\\frac{a}{b}` typed as `a/b`, composite parts in parentheses (or not, `parens=False`)."""
    wrap = lambda t: t if not parens or re.fullmatch(r"-?[\w.]+|\\?\w+", t) else f"({t})"  # noqa: E731
    return f"{wrap(m.group(1).strip())}/{wrap(m.group(2).strip())}"


def bench_quality(real_dir: Path) -> list[tuple[str, str]]:
    """Rows: what decontamination and near dedup do on real data (the issue-10 figures)."""
    from ringdata.curate.base import run_pipeline
    from ringdata.curate.clean import CleanConfig
    from ringdata.curate.decontam import EVALSET_DIR, DecontamConfig, decontam_steps
    from ringdata.curate.pipeline import CurateConfig, default_steps
    from ringdata.core.io.problems import read_problems

    def flagged(questions: list[str], evalsets: tuple[Path, ...] = DecontamConfig().evalsets) -> dict[int, str]:
        f = pl.DataFrame({"id": [f"t{i:05d}" for i in range(len(questions))], "domain": ["math"] * len(questions), "question": questions})
        result = run_pipeline(f, decontam_steps(DecontamConfig(evalsets=evalsets)))
        return {int(r["id"][1:]): r["drop_match"] for r in result.dropped.iter_rows(named=True)}

    m500 = [json.loads(line) for line in (EVALSET_DIR / "math500.jsonl").read_text().splitlines()]
    picked = [r["problem"] for r in m500 if _FRAC.search(r["problem"]) and "\\frac{" not in _FRAC.sub("", r["problem"])][:50]
    retypings = {
        "a/b (composite parts in parentheses)": [_FRAC.sub(_slash, q) for q in picked],
        "a/b (no parentheses at all)": [_FRAC.sub(lambda m: _slash(m, parens=False), q) for q in picked],
        "{a \\over b}": [_FRAC.sub(r"{\1 \\over \2}", q) for q in picked],
    }
    rows = [(f"MATH-500: the first {len(picked)} items with a \\frac, re-typed (issue 10 before: 14 of 50 for a/b)", "caught")]
    rows += [(f"  {name}", f"{len(flagged(qs))} of {len(qs)}") for name, qs in retypings.items()]
    test = read_problems([EVALSET_DIR / "math_test.jsonl"]).frame
    ids500 = {r["unique_id"] for r in m500}
    hits = flagged(test["question"].to_list(), (EVALSET_DIR / "math500.jsonl",))
    inside = sum(1 for i in hits if test["id"][i].split("/", 1)[1] in ids500)
    rows.append(("MATH test decontaminated against MATH-500 (before: 499 found, 26 extra flags)",
                 f"{inside} of 500 found, {len(hits) - inside} extra flags"))  # fmt: skip
    files = [real_dir / "math_train.jsonl", real_dir / "math_test.jsonl"]
    if not all(f.exists() for f in files):
        files = [ROOT / "data/problems/math_train.jsonl", ROOT / "data/evalsets/math_test.jsonl"]
    frame = read_problems(files).frame
    steps = default_steps(CurateConfig(clean=CleanConfig(check_gold=False), evalsets=("none",)))
    result = run_pipeline(frame, steps)
    gold = dict(zip(frame["id"].to_list(), frame["answer"].to_list()))
    near = result.dropped.filter(pl.col("drop_reason") == "near_duplicate")
    other = sum(1 for pid, match in near.select("id", "drop_match").iter_rows() if gold[pid] != gold[match])
    notes = next(s.notes for s in steps if s.name == "near_dedup")
    rows.append((f"near dedup on {' + '.join(f.name for f in files)} ({frame.height:,} rows; before: 105 dropped, 102 of them another gold)",
                 f"{near.height} dropped, {other} with another gold; kept apart: " + ", ".join(f"{k.split(': ')[-1]} {v}" for k, v in notes.items())))  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="synthetic problems to curate")
    parser.add_argument("--baseline-n", type=int, default=20_000, help="rows the baseline runs on")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gold-n", type=int, default=5000, help="gold answers in the gold-check line")
    parser.add_argument("--only", default="synthetic,quality,gold,real", help="sections to run: synthetic, quality, gold, real")
    parser.add_argument("--real-dir", type=Path, default=SHARED, help="folder with the full MATH math_train.jsonl and math_test.jsonl")
    parser.add_argument("--worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(*args.worker)
    if args.measure:
        mode, arg, cache, out = args.measure
        return measure(mode, arg, Path(cache), Path(out))
    sections = set(args.only.split(","))
    real = Table(title="bench_curate: real data (ratios against the old gold check, same run)")
    for col in ("measure", "value"):
        real.add_column(col)
    if "quality" in sections:
        for row in bench_quality(args.real_dir):
            real.add_row(*row)
    if "gold" in sections:
        for row in bench_gold(args.gold_n, args.seed):
            real.add_row(*row)
    if "real" in sections:
        for row in bench_real(args.real_dir):
            real.add_row(*row)
    if "synthetic" not in sections:
        return console.print(real)

    load_before = os.getloadavg()
    with console.status(f"generating {args.n:,} problems"):
        t = time.perf_counter()
        frame, truth = generate(args.n, args.seed)
        gen_s = time.perf_counter() - t
    console.print(f"generated {frame.height:,} rows in {gen_s:.1f}s")
    with tempfile.TemporaryDirectory() as tmp:
        data, out = Path(tmp) / "problems.parquet", Path(tmp) / "result.json"
        to_problem_frame(frame).write_parquet(data)
        subprocess.run([sys.executable, __file__, "--worker", str(data), str(out)], check=True)
        run = json.loads(out.read_text())
        dropped = pl.read_parquet(out.with_suffix(".parquet"))
    load_after = os.getloadavg()
    scores = score(truth, dropped)
    jac = near_jaccards(frame, truth)

    sub = np.random.default_rng(1).choice(frame.height, size=min(args.baseline_n, frame.height), replace=False)
    sample = frame[sub]
    evaltexts = [q for _, q, _ in eval_items()]
    with console.status(f"baseline on {len(sub):,} rows"):
        base_s, base_cpu = baseline(sample["question"].to_list(), sample["id"].to_list(), evaltexts)
    base_rate = len(sub) / base_s
    rate = run["rows"] / run["wall"]
    mine = [s for s in run["steps"] if s[0] != "normalise"]  # the steps the baseline also does
    mine_rate = run["rows"] / sum(s[1] for s in mine)

    steps = Table(title="curation steps (child process)")
    for col in ("step", "seconds", "rows in", "rows out"):
        steps.add_column(col, justify="right" if col != "step" else "left")
    for name, sec, rin, rout in run["steps"]:
        steps.add_row(name, f"{sec:.1f}", f"{rin:,}", f"{rout:,}")
    console.print(steps)

    ok = lambda good: "[green]yes[/green]" if good else "[red]no[/red]"  # noqa: E731
    table = Table(title=f"bench_curate: {run['rows']:,} synthetic problems")
    for col in ("measure", "value", "target", "met"):
        table.add_column(col)
    table.add_row("wall time (normalise + dedup + decontam)", f"{run['wall']:.1f} s", "< 180 s for 1M", ok(run["wall"] * 1e6 / run["rows"] < 180))
    table.add_row("throughput", f"{rate:,.0f} rows/s", "", "")
    table.add_row("CPU time of the run (user + sys)", f"{run['cpu']:.1f} s", "", "")
    table.add_row("peak RSS of the run", f"{run['peak_rss_gib']:.2f} GiB", "< 6 GiB", ok(run["peak_rss_gib"] < 6))
    table.add_row("exact-dup recall", f"{scores['exact_recall']:.4f} of {scores['planted_exact']:,}", ">= 0.95", ok(scores["exact_recall"] >= 0.95))
    table.add_row("near-dup recall", f"{scores['near_recall']:.4f} of {scores['planted_near']:,}", ">= 0.95", ok(scores["near_recall"] >= 0.95))
    table.add_row("  planted near-dup Jaccard (min / median)", f"{jac.min():.3f} / {np.median(jac):.3f}", "", "")
    table.add_row("contamination recall (row not kept)", f"{scores['cont_recall']:.4f} of {scores['planted_cont']:,}", ">= 0.95", ok(scores["cont_recall"] >= 0.95))
    table.add_row("  of which dropped as contaminated", f"{scores['cont_as_contaminated']:.4f}", "", "")
    table.add_row("false positives on negatives", f"{scores['fp_rate']:.4%} ({scores['fp']:,} of {scores['negatives']:,})", "<= 1%", ok(scores["fp_rate"] <= 0.01))
    table.add_row(f"baseline (regex + dict + datasketch LSH + n-gram set) on {len(sub):,} rows", f"{base_rate:,.0f} rows/s", "", "")
    table.add_row("speed ratio vs baseline, whole run (wall)", f"{rate / base_rate:.1f}x", ">= 10x", ok(rate / base_rate >= 10))
    table.add_row("speed ratio, dedup + decontam steps only (wall)", f"{mine_rate / base_rate:.1f}x", ">= 10x", ok(mine_rate / base_rate >= 10))
    cpu_ratio = (base_cpu / len(sub)) / (run["cpu"] / run["rows"])
    table.add_row("speed ratio, whole run (CPU seconds per row)", f"{cpu_ratio:.1f}x", "", "")
    table.add_row("normalise phase", run["normaliser"], "", "")
    table.add_row("load average (1/5/15 min) before", " / ".join(f"{x:.2f}" for x in load_before), "", "")
    table.add_row("load average after", " / ".join(f"{x:.2f}" for x in load_after), "", "")
    table.add_row("cores", str(os.cpu_count()), "", "")
    console.print(table)
    if real.row_count:
        console.print(real)


if __name__ == "__main__":
    main()
