"""Both report pages opened in a real headless browser (Debian's chromium): the page renders, its
embedded charts decode and are drawn (their colours are on the screenshot), and the tables the
issue asked for are in the rendered DOM."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.conftest import DATA, skip_or_fail

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
WINDOW = "1280,5000"  # tall enough for the whole page in one screenshot


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        skip_or_fail("chromium", "RINGDATA_REQUIRE_BROWSER", "not installed (scripts/setup.sh installs it)")
    return found


def _open(page, tmp_path, name):
    """(screenshot as an RGB array, rendered DOM) of `page`."""
    from PIL import Image
    import numpy as np

    browser = _chromium()
    shot = tmp_path / f"{name}.png"
    common = [browser, *FLAGS, f"--user-data-dir={tmp_path / ('profile-' + name)}", f"--window-size={WINDOW}"]
    subprocess.run([*common, f"--screenshot={shot}", page.resolve().as_uri()], capture_output=True, timeout=120, check=True)
    dom = subprocess.run([*common, "--dump-dom", page.resolve().as_uri()], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    return np.asarray(Image.open(shot).convert("RGB")).astype(int), dom


def _pixels_of(image, hex_colour: str, tol: int = 12) -> int:
    rgb = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    return int((abs(image - rgb).max(axis=-1) <= tol).sum())


@pytest.fixture(scope="module")
def curated(tmp_path_factory):
    from ringdata.curate.pipeline import CurateConfig, curate

    out = tmp_path_factory.mktemp("curated")
    gsm8k_test = json.loads((DATA / "evalsets" / "gsm8k_test.jsonl").read_text().splitlines()[0])
    rows = [{"id": f"q{i}", "question": f"A farmer has {i} cows and buys {i + 2} more. How many cows does he have now?",
             "answer": str(2 * i + 2), "domain": "math", "source": "farm" if i % 2 else "market"} for i in range(12)]
    rows.append({**rows[0], "id": "dup", "question": rows[0]["question"] + " Explain."})  # a near-duplicate of q0
    rows.append({"id": "leak", "question": gsm8k_test["question"], "answer": "1", "domain": "math", "source": "web"})
    src = out / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    curate([src], out / "c", CurateConfig())
    return out / "c"


def test_curation_page_renders_with_its_charts_and_tables(curated, tmp_path):
    image, dom = _open(curated / "report.html", tmp_path, "curation")
    assert image.std() > 10, "a blank page"
    assert _pixels_of(image, "#4c78a8") > 100, "the funnel's 'left' line is not drawn"
    assert _pixels_of(image, "#e45756") > 100, "the funnel's 'dropped' bars are not drawn"
    assert _pixels_of(image, "#54a24b") > 200, "the question-length histogram is not drawn"
    assert dom.count("data:image/png;base64,") == 2
    for words in ("<h2>Sources</h2>", "farm", "market", "matched item (start)", "A farmer has 0 cows"):
        assert words in dom, words
    report = json.loads((curated / "report.json").read_text())
    leak = report["examples"]["contaminated"][0]
    assert leak["matched_text"].startswith(json.loads((DATA / "evalsets" / "gsm8k_test.jsonl").read_text().splitlines()[0])["question"][:40])
    assert report["examples"]["near_duplicate"][0]["matched_text"].startswith("A farmer has 0 cows")


def test_training_page_renders_with_its_charts_and_tables(tmp_path):
    from train.report import render_run

    run = tmp_path / "run"
    for stage, steps in (("math", 6), ("code", 4)):
        (run / stage).mkdir(parents=True)
        records = [{"kind": "eval", "step": 0, "stage": stage, "eval_reward": 0.2}]
        records += [{"kind": "step", "step": s, "stage": stage, "loss_kind": "c3po", "reward": 0.1 * s,
                     "response_len": 20 + s, "phi_selected_tokens": 1024, "phi_dropped_tokens": 100 + s,
                     "phi_carried_tokens": 0, "grad_norm": 1.0 / s, "entropy": 0.5, "tokens_per_s": 900.0,
                     "kl": 0.01 * s, "clip_fraction": 0.02, "truncation_rate": 0.1,
                     "reward_by_reason": {"correct": s, "no_answer": 8 - s}, "step_time": 1.0} for s in range(1, steps + 1)]
        (run / stage / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    page = render_run(run)
    image, dom = _open(page, tmp_path, "training")
    assert image.std() > 10, "a blank page"
    assert _pixels_of(image, "#1f77b4") > 300 and _pixels_of(image, "#ff7f0e") > 300, "the stages' curves are not drawn"
    for words in ("Phi selected", "Phi dropped", "KL", "clip fraction", "no_answer 27, correct 21", "6,144"):
        assert words in dom, words
