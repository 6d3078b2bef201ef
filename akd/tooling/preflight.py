"""Checks run before a Runner is built, so bad input fails in seconds.

Each error names the config key, its value and the fix, instead of a stack
trace minutes (or a dataloader worker) later.
"""
import json
import os.path as osp
from typing import Iterator, Optional, Tuple

import mmengine.hub
from mmengine.config import Config

from ..checkpoints.checkpoint_files import file_problem
from ..checkpoints.downloads import (cached, config_checkpoint_urls,
                                     download_error, unreachable_reason)
from ..checkpoints.stage_one_weights import STAGE_ONE_CHECKPOINTS
from ..compat.local_cfg_path import read_config_file
from ..utils.guard_error import GuardError

DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
EVALUATORS = ('val_evaluator', 'test_evaluator')
EVALUATOR_OF = {'val_dataloader': 'val_evaluator',
                'test_dataloader': 'test_evaluator'}
# JSON files up to this size are parsed whole before the run; larger ones
# (COCO's train annotations, ~450 MB) are checked for truncation by their
# ends and brace counts, and parsed only when those look wrong.
FULL_PARSE_BYTES = 64 * 2**20
CHUNK_BYTES = 16 * 2**20
TOY_HINT = ('For the generated toy sets run `python tools/make_toy_data.py` '
            '(or `make demo`).')


class PreflightError(GuardError):
    """A config points at something that is not there."""


def load_config(path: str) -> Config:
    """``Config.fromfile`` with a clear message for a missing file."""
    if not osp.isfile(path):
        raise PreflightError(
            f'config file {path!r} does not exist (working directory: '
            f'{osp.abspath(".")}). Give a path to a .py config, e.g. '
            'configs/cwd/cwd_fpn_retina-r101_retina-r50_1x_coco.py.')
    return Config.fromfile(path)


def _datasets(dataset_cfg):
    """The leaf datasets of a (possibly wrapped) dataset config."""
    if dataset_cfg is None:
        return []
    if 'datasets' in dataset_cfg:  # ConcatDataset
        return [d for sub in dataset_cfg['datasets'] for d in _datasets(sub)]
    if 'dataset' in dataset_cfg:  # RepeatDataset, ClassBalancedDataset
        return _datasets(dataset_cfg['dataset'])
    return [dataset_cfg]


def _evaluator_entries(cfg: Config) -> Iterator[Tuple[str, dict]]:
    """(key, metric config) of each val/test metric; an evaluator may be
    one metric or a list of them."""
    for evaluator in EVALUATORS:
        entries = cfg.get(evaluator)
        if isinstance(entries, dict):
            yield evaluator, entries
        elif isinstance(entries, (list, tuple)):
            for index, entry in enumerate(entries):
                yield f'{evaluator}.{index}', entry


def set_data_root(cfg: Config, data_root: str) -> None:
    """Point every dataset, and evaluator ann_files under it, at ``data_root``.

    Paths that started with a dataset's old ``data_root`` move with it, so a
    COCO or Cityscapes config needs only this one change.
    """
    data_root = osp.join(data_root, '')
    for loader in DATALOADERS:
        for dataset in _datasets(cfg.get(loader, {}).get('dataset')):
            old_root = dataset.get('data_root')
            dataset['data_root'] = data_root
            for _, metric in _evaluator_entries(cfg):
                ann_file = metric.get('ann_file')
                moves = (old_root and isinstance(ann_file, str)
                         and ann_file.startswith(old_root))
                if moves:
                    relative = ann_file[len(old_root):]
                    metric['ann_file'] = data_root + relative


def _brace_balance(path: str) -> int:
    """``{`` minus ``}`` over the file, read in chunks."""
    balance = 0
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(CHUNK_BYTES), b''):
            balance += chunk.count(b'{') - chunk.count(b'}')
    return balance


def _looks_whole(path: str, size: int) -> bool:
    """Whether the JSON file's first and last bytes match, and its braces
    balance; a truncated file fails one of these."""
    with open(path, 'rb') as f:
        head = f.read(64).lstrip()[:1]
        f.seek(max(0, size - 64))
        tail = f.read().rstrip()[-1:]
    closing = {b'{': b'}', b'[': b']'}.get(head)
    return closing is not None and tail == closing and not _brace_balance(
        path)


def json_problem(path: str) -> Optional[str]:
    """What is wrong with the JSON file ``path``, said as the end of a
    sentence that starts with its name; None if it parses."""
    size = osp.getsize(path)
    if size == 0:
        return ('is empty: it was not copied or written; copy it again from '
                'the dataset')
    if size > FULL_PARSE_BYTES and _looks_whole(path, size):
        return None
    with open(path, 'rb') as f:
        data = f.read()
    try:
        json.loads(data)
    except UnicodeDecodeError as error:
        return (f'is not text (byte {error.start:,} of {size:,} is not '
                'UTF-8): it is not a JSON annotation file, or it is corrupt; '
                'copy it again from the dataset')
    except json.JSONDecodeError as error:
        what = error.msg[:-3] if error.msg.endswith(' at') else error.msg
        where = (f'is not valid JSON: {what} at line {error.lineno}, '
                 f'column {error.colno} (character {error.pos:,}; the file '
                 f'ends at {len(error.doc):,})')
        if error.doc.lstrip()[:1] == '<':
            cause = ('it is an HTML page, e.g. an error page saved by a '
                     'download; download the annotations again')
        elif not _looks_whole(path, size):
            cause = ('its brackets are left open, so it is truncated, e.g. '
                     'by an interrupted copy or download; copy it again and '
                     "compare its size with the original's")
        else:
            cause = ('it is corrupt or not a JSON annotation file; copy it '
                     'again from the dataset')
        return f'{where}: {cause}'
    return None


def _check_ann_file(key: str, value: str, path: str, checked: set) -> None:
    if not path.endswith('.json') or not osp.isfile(path) or path in checked:
        return
    checked.add(path)
    problem = json_problem(path)
    if problem:
        named = f'{key}={value!r}' + (f' ({path})' if path != value else '')
        raise PreflightError(f'{named} {problem}.')


def check_data(cfg: Config, loaders=DATALOADERS) -> None:
    """Raise :class:`PreflightError` if a data_root or ann_file is missing,
    or a JSON annotation file (of a dataset or its evaluator) does not
    parse."""
    checked = set()
    for loader in loaders:
        for dataset in _datasets(cfg.get(loader, {}).get('dataset')):
            root = dataset.get('data_root')
            if root and not osp.isdir(root):
                raise PreflightError(
                    f'{loader}.dataset.data_root={root!r} does not exist. '
                    'Point it at your dataset with `--data-root PATH` (or '
                    f'--cfg-options {loader}.dataset.data_root=PATH). '
                    f'{TOY_HINT}')
            ann_file = dataset.get('ann_file')
            if ann_file:
                path = osp.join(root or '', ann_file)  # absolute stays
                if not osp.exists(path):
                    raise PreflightError(
                        f'{loader}.dataset.ann_file={ann_file!r} does not '
                        f'exist under data_root={root!r} (looked for '
                        f'{path!r}). {TOY_HINT}')
                _check_ann_file(f'{loader}.dataset.ann_file', ann_file, path,
                                checked)
    evaluators = {EVALUATOR_OF[loader] for loader in loaders
                  if loader in EVALUATOR_OF}
    for key, metric in _evaluator_entries(cfg):
        ann_file = metric.get('ann_file')
        if key.split('.')[0] in evaluators and isinstance(ann_file, str):
            _check_ann_file(f'{key}.ann_file', ann_file, ann_file, checked)


def drop_teacher_checkpoints(cfg: Config) -> None:
    """Load no teacher checkpoint: a distillation checkpoint holds them."""
    model = cfg.get('model', {})
    if model.get('teacher_ckpt'):
        model.teacher_ckpt = None
    for spec in (*model.get('teachers', {}).values(),
                 *model.get('peers', {}).values()):
        spec.ckpt = None


def check_teacher_checkpoint(cfg: Config) -> None:
    """Raise if a config's local teacher checkpoint is missing.

    ``model.teacher_ckpt`` for one teacher, ``model.teachers.<name>.ckpt``
    for ``MultiTeacherDistill``, ``model.peers.<name>.ckpt`` for
    ``OnlineDistill``, and the ``teacher.ckpt`` of a metric that compares
    with a teacher (fidelity).
    """
    model = cfg.get('model', {})
    keys = {'model.teacher_ckpt': model.get('teacher_ckpt')}
    for group in ('teachers', 'peers'):
        for name, spec in model.get(group, {}).items():
            keys[f'model.{group}.{name}.ckpt'] = spec.get('ckpt')
    for key, metric in _evaluator_entries(cfg):
        if isinstance(metric.get('teacher'), dict):
            keys[f'{key}.teacher.ckpt'] = metric.teacher.get('ckpt')
    for key, ckpt in keys.items():
        if not ckpt or '://' in ckpt:
            continue  # none, or a URL that mmengine downloads
        if not osp.isfile(ckpt):
            raise PreflightError(
                f'{key}={ckpt!r} does not exist. Train the teacher first '
                '(tools/train.py on its config) or download its released '
                'checkpoint, then pass it with --cfg-options '
                f'{key}=PATH.')


def check_stage_one_checkpoints(cfg: Config) -> None:
    """Raise if a two-stage loss's local stage-1 checkpoint is missing
    (MasKD's ``tokens_ckpt``, FreeKD's ``prompts_ckpt``, also under
    ``AvatarKDLoss``'s ``base_loss``)."""
    losses = cfg.get('model', {}).get('distiller', {}).get(
        'distill_losses', {})
    for name, loss in losses.items():
        key = f'model.distiller.distill_losses.{name}'
        for part_key, part in ((key, loss),
                               (f'{key}.base_loss', loss.get('base_loss'))):
            if not isinstance(part, dict) or part.get(
                    'type') not in STAGE_ONE_CHECKPOINTS:
                continue
            argument, stage_one = STAGE_ONE_CHECKPOINTS[part['type']]
            ckpt = part.get(argument)
            if ckpt and '://' not in ckpt and not osp.isfile(ckpt):
                raise PreflightError(
                    f'{part_key}.{argument}={ckpt!r} does not exist. Run '
                    f'stage 1 first: python tools/train.py {stage_one} (the '
                    'config header names it), or pass its checkpoint with '
                    f'--cfg-options {part_key}.{argument}=PATH.')


def check_online_wiring(cfg: Config) -> None:
    """Raise unless an ``OnlineDistill`` config gives each peer its own
    optimizer and DDP wrapper (mmengine's defaults fail deep inside the
    runner, the DDP one only once several processes run)."""
    if not str(cfg.get('model', {}).get('type', '')).endswith(
            'OnlineDistill'):
        return
    wanted = (('optim_wrapper', 'constructor',
               'PeerOptimWrapperConstructor', 'one optimizer per peer'),
              ('model_wrapper_cfg', 'type',
               'MMSeparateDistributedDataParallel',
               'one DDP wrapper per peer'))
    for key, field, value, why in wanted:
        got = (cfg.get(key) or {}).get(field)
        if got != value:
            raise PreflightError(
                f'{key}.{field}={got!r}: OnlineDistill needs {why}; set '
                f"{key}.{field}='{value}' (configs/_base_/distill/online_*.py "
                'and the online configs do).')


def _nested_model(node: dict, key: str):
    """The config of the model MMRazor builds from ``node['cfg_path']``."""
    cfg_path = node['cfg_path']
    if '::' in cfg_path:
        return mmengine.hub.get_config(cfg_path, bool(node.get('pretrained')))
    if not osp.isfile(cfg_path):
        raise PreflightError(
            f'{key}.cfg_path={cfg_path!r} does not exist: give an installed '
            "package's config as 'mmdet::path/to/config.py' or a file path.")
    return read_config_file(cfg_path)


def _checkpoint_urls(cfg: Config) -> Iterator[Tuple[str, str, str]]:
    """``(config key, value, URL)`` of each checkpoint a run would fetch
    over http, those of models built from ``cfg_path`` included. A
    teacher with a checkpoint skips its own initialisation, so its
    ``init_cfg`` is not fetched."""
    yield from config_checkpoint_urls({'load_from': cfg.get('load_from')})
    model = cfg.get('model', {})
    parts = [('architecture', model.get('architecture'), None),
             ('teacher', model.get('teacher'), model.get('teacher_ckpt'))]
    for name, spec in model.get('teachers', {}).items():
        key = f'model.teachers.{name}'
        yield from config_checkpoint_urls({'ckpt': spec.get('ckpt')}, key)
        parts.append((f'teachers.{name}.model', spec.get('model'),
                      spec.get('ckpt')))
    rest = {
        key: value
        for key, value in model.items()
        if key not in ('architecture', 'teacher', 'teachers')
    }
    yield from config_checkpoint_urls(rest, 'model')
    for key, metric in _evaluator_entries(cfg):
        teacher = metric.get('teacher')
        if isinstance(teacher, dict):  # a fidelity metric's teacher
            yield from config_checkpoint_urls({'ckpt': teacher.get('ckpt')},
                                              f'{key}.teacher')
    for key, node, ckpt in parts:
        if not isinstance(node, dict):
            continue
        if 'cfg_path' not in node:
            if not ckpt:
                yield from config_checkpoint_urls(node, f'model.{key}')
            continue
        nested = _nested_model(node, f'model.{key}')
        label = f'model.{key}(cfg_path={node["cfg_path"]!r})'
        if nested.get('model_path'):
            yield from config_checkpoint_urls(
                {'pretrained': nested.model_path}, label)
        if not ckpt:
            yield from config_checkpoint_urls(nested.model, f'{label}.model')


def check_downloads(cfg: Config) -> None:
    """Raise if a checkpoint the run would download cannot be fetched.

    Each URL not in torch's hub cache gets one HEAD request, so an offline
    machine stops here, naming the key, instead of minutes later in
    ``urlopen``.
    """
    for key, value, url in _checkpoint_urls(cfg):
        if cached(url):
            continue
        reason = unreachable_reason(url)
        if reason:
            raise PreflightError(download_error(url, reason, key, value))


def check_checkpoint_file(path: str, named: str, fix: str) -> None:
    """Raise unless ``path`` is a readable checkpoint file (or a URL,
    which mmengine fetches).

    Args:
        path (str): The file.
        named (str): How the command line named it, e.g. ``--resume``.
        fix (str): What to give instead.
    """
    problem = None if '://' in path else file_problem(path)
    if problem:
        raise PreflightError(f'{named} {path!r} {problem}. Give {fix}.')
