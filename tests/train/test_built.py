"""The models the project builds, by name: each name gets its own model (from the shipped fit,
no refitting here), and a name the project does not build is refused, not served another model."""

import pytest

from ringdata.core.errors import RingdataError
from train.built import BUILT, built_model_dir, is_built, model_dir
from train.models import is_model_dir
from train.tiny import SHIPPED


def test_every_built_name_gets_its_own_model_and_an_unknown_name_is_refused(tmp_path):
    dirs = {name: built_model_dir(name, tmp_path) for name in BUILT}
    assert all(is_model_dir(d) and (SHIPPED / d.name).is_dir() for d in dirs.values())
    assert len({d.name for d in dirs.values()}) == len(BUILT)  # no two names share a model
    assert dirs["tiny-chain"].name.startswith("tiny-chain-") and dirs["tiny"].name.startswith("tiny-tiny-")
    with pytest.raises(RingdataError, match="not a model the project builds"):
        built_model_dir("tiny-2", tmp_path)  # was: silently the chain model
    assert not is_built("tiny-2")
    with pytest.raises(RingdataError, match="tiny-2"):
        model_dir("tiny-2")  # not built, no such directory, not a cached Hub repo
