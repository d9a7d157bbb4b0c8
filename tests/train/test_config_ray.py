"""The Ray keys of a training config: rewards.executor and rollout_workers, checked on load."""

from __future__ import annotations

import pytest

from ringdata.core.errors import DataError
from train.config import config_from_dict

STAGES = {"stages": {"math": {"steps": 1}}}


def test_ray_keys_load():
    cfg = config_from_dict({**STAGES, "rollout_workers": 4, "ray_address": "head:6379", "rewards": {"executor": "ray"}})
    assert (cfg.rewards.executor, cfg.rollout_workers, cfg.ray_address) == ("ray", 4, "head:6379")
    assert config_from_dict(STAGES).rewards.executor == "local"


@pytest.mark.parametrize("extra,field", [({"rewards": {"executor": "spark"}}, "rewards.executor"),
                                         ({"rewards": {"exector": "ray"}}, "rewards.exector"),
                                         ({"rollout_workers": 0}, "rollout_workers")])
def test_bad_ray_keys_name_the_field(extra, field):
    with pytest.raises(DataError) as err:
        config_from_dict({**STAGES, **extra}, file="c.toml")
    assert field in str(err.value)
