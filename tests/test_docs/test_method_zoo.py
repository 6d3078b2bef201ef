"""docs/method_zoo.md agrees with the registry and the configs."""
import glob
import inspect
import os.path as osp
import re

import pytest
from mmengine.config import Config
from mmrazor.registry import MODELS

import akd
from conftest import REPO

ZOO = osp.join(REPO, 'docs', 'method_zoo.md')
POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY,
              inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _rows():
    with open(ZOO) as f:
        lines = [line for line in f if line.startswith('| ')]
    header = [cell.strip() for cell in lines[0].strip('|\n').split('|')]
    return [
        dict(zip(header, (cell.strip()
                          for cell in line.strip('|\n').split('|'))))
        for line in lines[1:]
    ]


ROWS = _rows()


def _names(cell):
    return re.findall(r'`([A-Za-z]+)`', cell)


def _types(node):
    """Every ``type`` in a config, however deep."""
    if isinstance(node, dict):
        found = {node['type']} if isinstance(node.get('type'), str) else set()
        for value in node.values():
            found |= _types(value)
        return found
    if isinstance(node, (list, tuple)):
        return set().union(*map(_types, node)) if node else set()
    return set()


def test_table_has_the_columns_the_issue_asks_for():
    assert set(ROWS[0]) >= {
        'method', 'registered name', 'paper', 'distils', 'det', 'seg',
        'AKD-wrappable', 'configs', 'status'
    }


@pytest.mark.parametrize('row', ROWS, ids=[r['method'] for r in ROWS])
def test_every_name_is_registered_in_mmrazor(row):
    for name in _names(row['registered name']):
        assert MODELS.get(name) is not None, name


def test_every_akd_loss_and_algorithm_has_a_row():
    listed = {n for row in ROWS for n in _names(row['registered name'])}
    ours = set(akd.losses.__all__) | set(akd.algorithms.__all__)
    assert ours <= listed, sorted(ours - listed)


@pytest.mark.parametrize('row', ROWS, ids=[r['method'] for r in ROWS])
def test_config_folders_exist_and_use_the_name(row):
    folders = re.findall(r'`(configs/[^`]+)/`', row['configs'])
    if row['configs'] == 'none':
        assert 'not shipped' in row['status']
        return
    assert folders, row['configs']
    used = set()
    for folder in folders:
        paths = glob.glob(osp.join(REPO, folder, '*.py'))
        assert paths, folder
        for path in paths:
            used |= _types(Config.fromfile(path).model)
    for name in _names(row['registered name']):
        assert name in used, f'{name} not in any config of {folders}'


@pytest.mark.parametrize(
    'row', [r for r in ROWS if r['AKD-wrappable'].startswith('yes')],
    ids=lambda r: r['method'])
def test_wrappable_losses_take_student_and_teacher_first(row):
    for name in _names(row['registered name']):
        cls = MODELS.get(name)
        if not name.endswith(('Loss', 'Divergence')):
            continue  # an algorithm: its losses are the rows
        params = list(inspect.signature(cls.forward).parameters.values())[1:]
        assert len(params) >= 2 and all(p.kind in POSITIONAL
                                        for p in params[:2]), name
