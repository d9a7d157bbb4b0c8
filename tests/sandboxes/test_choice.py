"""sandboxes/choice.py: the one sandbox setting, validated once, the same wherever it is given."""

from __future__ import annotations

import pytest

from ringdata.core.errors import DataError, RingdataError
from sandboxes import SandboxChoice
from sandboxes.docker_backend import DockerConfig

MESSAGE = "unknown sandbox 'vm'; choose auto, docker, local"


def test_auto_is_the_one_default_and_settings_travel_with_the_kind():
    from rewards.grade import GradeConfig
    from ringdata.curate.pipeline import CurateConfig
    from ringdata.curate.validate import ValidateTests
    from train.config import TrainConfig

    assert SandboxChoice().kind == "auto"
    assert GradeConfig().sandbox == TrainConfig().sandbox == SandboxChoice()
    assert ValidateTests().sandbox == CurateConfig().sandbox == SandboxChoice()  # spelled one way; opened only when needed
    tuned = SandboxChoice("docker", docker=DockerConfig(pool_size=1))
    assert GradeConfig(sandbox=tuned).sandbox.docker.pool_size == 1


def test_an_unknown_kind_is_refused_with_one_message_everywhere(tmp_path):
    from sandboxes import open_sandbox
    from train.config import load_config

    with pytest.raises(RingdataError, match=MESSAGE):
        SandboxChoice("vm")
    with pytest.raises(RingdataError, match=MESSAGE):
        open_sandbox("vm")
    config = tmp_path / "c.toml"
    config.write_text('sandbox = "vm"\n[stages.math]\n')
    with pytest.raises(DataError, match=f"c.toml, field 'sandbox': {MESSAGE}"):
        load_config(config)


def test_a_training_config_names_its_sandbox_by_kind(tmp_path):
    from train.config import load_config

    config = tmp_path / "c.toml"
    config.write_text('sandbox = "local"\n[stages.math]\n')
    assert load_config(config).sandbox == SandboxChoice("local")
