"""Shared fixtures: small toy data sets and paths to the repo's tools."""
import os
import os.path as osp
import subprocess
import sys

import akd  # noqa: F401  (the stack's fixes, before mmengine loads)

# isort: split
import pytest
import torch

# MMRazor's own tests, run by tests/test_compat/test_mmrazor_own_tests.py
# in a process of their own.
collect_ignore = ['data']
# Under `pytest -n 2` (make test) the workers share the cores: with
# PyTorch's default of one thread per core each, their OpenMP threads
# contend, and tests of many tiny ops ran 20 to 70 times slower than alone.
# Each worker gets its share, and so do the tools it starts.
if os.environ.get('PYTEST_XDIST_WORKER_COUNT'):
    THREADS = max(1, (os.cpu_count() or 1) //
                  int(os.environ['PYTEST_XDIST_WORKER_COUNT']))
    os.environ.setdefault('OMP_NUM_THREADS', str(THREADS))
    torch.set_num_threads(THREADS)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DET_DISTILL = 'configs/cwd/cwd_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py'
SEG_DISTILL = ('configs/cwd/cwd_logits_'
               'pspnet-r18-w32-d8_pspnet-r18-w16-d8_toy-cityscapes.py')
AKD_DISTILL = ('configs/akd/'
               'akd-cwd_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py')
DET_STUDENT = 'configs/toy_models/retinanet_r18-w16_fpn_toy-coco.py'
SEG_STUDENT = 'configs/toy_models/pspnet_r18-w16-d8_toy-cityscapes.py'


@pytest.fixture(scope='session')
def toy_coco(tmp_path_factory):
    from akd.datasets.toy_coco import make_toy_coco
    root = str(tmp_path_factory.mktemp('toy_coco'))
    make_toy_coco(root, num_train=16, num_val=8, seed=0)
    return root


@pytest.fixture(scope='session')
def toy_cityscapes(tmp_path_factory):
    from akd.datasets.toy_cityscapes import make_toy_cityscapes
    root = str(tmp_path_factory.mktemp('toy_cityscapes'))
    make_toy_cityscapes(root, num_train=16, num_val=8, seed=0)
    return root


DET_TEACHER = 'configs/toy_models/retinanet_r18-w32_fpn_toy-coco.py'
SEG_TEACHER = 'configs/toy_models/pspnet_r18-w32-d8_toy-cityscapes.py'


@pytest.fixture(scope='session')
def toy_weights(tmp_path_factory):
    """Checkpoints of randomly initialised toy models, as a user has them.

    ``det_teacher``/``det_student`` fit the toy detection distillation's
    teacher and student, ``seg_teacher`` the segmentation teacher, and
    ``distillation`` is the two detectors under MMRazor's ``architecture.``
    and ``teacher.`` prefixes.
    """
    import torch

    from akd.compat.local_cfg_path import build_from_config_file
    root = tmp_path_factory.mktemp('toy_weights')
    torch.manual_seed(0)
    states = {
        name: build_from_config_file(osp.join(REPO, config)).state_dict()
        for name, config in (('det_teacher', DET_TEACHER),
                             ('det_student', DET_STUDENT),
                             ('seg_teacher', SEG_TEACHER))
    }
    states['distillation'] = {
        **{f'architecture.{k}': v
           for k, v in states['det_student'].items()},
        **{f'teacher.{k}': v
           for k, v in states['det_teacher'].items()}
    }
    paths = {}
    for name, state in states.items():
        paths[name] = str(root / f'{name}.pth')
        torch.save(dict(state_dict=state, meta={}), paths[name])
    return paths


def tool_main(name: str):
    """``main`` of ``tools/<name>.py``, to run a tool in this process."""
    import importlib.util
    path = osp.join(REPO, 'tools', f'{name}.py')
    spec = importlib.util.spec_from_file_location(f'_akd_tool_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def run_tool(*args, env=None, check=True):
    """Run ``python tools/...`` from the repo root; return the process."""
    process = subprocess.run([sys.executable, *args], cwd=REPO, env=env,
                             capture_output=True, text=True)
    if check and process.returncode != 0:
        raise AssertionError(
            f'{args} failed ({process.returncode}):\n'
            f'{process.stdout[-3000:]}\n{process.stderr[-5000:]}')
    return process
