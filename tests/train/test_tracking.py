"""`--report-to`: step records become scalars on one global step; W&B in offline mode."""

from __future__ import annotations

import json
import time

import pytest

from train.config import StageConfig
from train.tracking import Tracker, flatten, make_tracker

RECORD = {"kind": "step", "step": 2, "stage": "code", "loss_kind": "c3po", "reward": 0.25, "kl": 0.01,
          "reward_by_domain": {"code": 0.25}, "reasons": {"wrong_answer": 3}, "done": True, "note": "x"}
PLAN = (StageConfig(name="math", steps=5), StageConfig(name="code", steps=3))


def test_records_flatten_to_numeric_scalars():
    assert flatten(RECORD) == {"reward": 0.25, "kl": 0.01, "reward_by_domain/code": 0.25, "reasons/wrong_answer": 3.0}


def test_stages_share_one_global_step_even_on_resume():
    logged = []

    class Recording(Tracker):
        def log(self, scalars, step):
            logged.append((step, scalars["code/reward"]))

    tracker = Recording({"math": 0, "code": 5})  # a resumed run whose math stage was skipped
    tracker.step_record(RECORD)
    assert logged == [(7, 0.25)]
    assert make_tracker("none", "unused", {}, PLAN).offsets == {"math": 0, "code": 5}


def test_wandb_offline_run_holds_the_config_and_every_step(tmp_path, monkeypatch):
    pytest.importorskip("wandb")
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    tracker = make_tracker("wandb", tmp_path, {"seed": 3, "optim": {"lr": 1e-4}}, PLAN)
    tracker.step_record({**RECORD, "stage": "math", "step": 1})
    tracker.step_record(RECORD)
    tracker.close()
    files = list((tmp_path / "wandb").glob("offline-run-*/run-*.wandb"))
    assert len(files) == 1, "no offline run to `wandb sync` later"
    for _ in range(50):  # wandb's service may still be flushing the file under a loaded machine
        records = _wandb_records(files[0])
        if sum(r.WhichOneof("record_type") == "history" for r in records) >= 2:
            break
        time.sleep(0.2)
    history = [{i.key or "/".join(i.nested_key): i.value_json for i in r.history.item} for r in records if r.WhichOneof("record_type") == "history"]
    assert [(h["_step"], h.get("math/reward"), h.get("code/reward")) for h in history] == [("1", "0.25", None), ("7", None, "0.25")]
    config = {u.key: u.value_json for r in records if r.WhichOneof("record_type") == "run" for u in r.run.config.update}
    assert json.loads(config["seed"]) == 3 and json.loads(config["optim"]) == {"lr": 1e-4}


def _wandb_records(path):
    """The records of a .wandb file: a 7-byte header, then LevelDB-log blocks of 32 KiB whose
    records (4-byte checksum, 2-byte length, 1-byte type) carry protobuf `Record`s, split across
    blocks as FIRST/MIDDLE/LAST. wandb reads these in Go; this is enough to check what was logged."""
    import struct

    from wandb.proto import wandb_internal_pb2 as pb

    data = path.read_bytes()
    assert data[:4] == b":W&B"
    pos, pending, out = 7, b"", []
    while pos + 7 <= len(data):
        if 32768 - pos % 32768 < 7:  # a block's tail too short for a header is padding
            pos += 32768 - pos % 32768
            continue
        length, kind = struct.unpack_from("<HB", data, pos + 4)
        if kind == 0:
            break
        pending += data[pos + 7 : pos + 7 + length]
        pos += 7 + length
        if kind in (1, 4):  # FULL or LAST
            record = pb.Record()
            record.ParseFromString(pending)
            out.append(record)
            pending = b""
    return out
