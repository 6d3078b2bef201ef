"""tools/train.py puts akd's hooks under default_hooks: its checkpoint hook
in the place of mmengine's, with the config's arguments."""
import pytest
from mmengine.config import Config

from akd.engine.runner_hooks import RUNNER_HOOKS, add_runner_hooks


@pytest.mark.parametrize('given, expected', [
    ({}, dict(type='mmrazor.SafeCheckpointHook', interval=1)),
    ({'checkpoint': dict(type='CheckpointHook', interval=5)},
     dict(type='mmrazor.SafeCheckpointHook', interval=5)),
    ({'checkpoint': dict(type='mmengine.CheckpointHook', by_epoch=False)},
     dict(type='mmrazor.SafeCheckpointHook', by_epoch=False)),
    ({'checkpoint': dict(type='MyCheckpointHook')},
     dict(type='MyCheckpointHook')),
    ({'checkpoint': None}, None),
], ids=['absent', 'mmengine', 'scoped', 'own-class', 'switched-off'])
def test_checkpoint_hook_is_akds_with_the_configs_arguments(given, expected):
    cfg = Config(dict(default_hooks=given))
    add_runner_hooks(cfg, RUNNER_HOOKS)
    assert cfg.default_hooks['checkpoint'] == expected
    assert cfg.default_hooks['iteration_seed'] == dict(
        type='mmrazor.IterationSeedHook')
