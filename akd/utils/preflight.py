"""Checks run before a Runner is built, so bad input fails in seconds.

Each error names the config key, its value and the fix, instead of a stack
trace minutes (or a dataloader worker) later.
"""
import os.path as osp

from mmengine.config import Config

DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
EVALUATORS = ('val_evaluator', 'test_evaluator')
TOY_HINT = ('For the generated toy sets run `python tools/make_toy_data.py` '
            '(or `make demo`).')


class PreflightError(ValueError):
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
            for evaluator in EVALUATORS:
                ann_file = cfg.get(evaluator, {}).get('ann_file')
                moves = (old_root and isinstance(ann_file, str)
                         and ann_file.startswith(old_root))
                if moves:
                    relative = ann_file[len(old_root):]
                    cfg[evaluator]['ann_file'] = data_root + relative


def check_data(cfg: Config, loaders=DATALOADERS) -> None:
    """Raise :class:`PreflightError` if a data_root or ann_file is missing."""
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


def drop_teacher_checkpoints(cfg: Config) -> None:
    """Load no teacher checkpoint: a distillation checkpoint holds them."""
    model = cfg.get('model', {})
    if model.get('teacher_ckpt'):
        model.teacher_ckpt = None
    for teacher in model.get('teachers', {}).values():
        teacher.ckpt = None


def check_teacher_checkpoint(cfg: Config) -> None:
    """Raise if a distillation config's local teacher checkpoint is missing.

    ``model.teacher_ckpt`` for one teacher, ``model.teachers.<name>.ckpt``
    for ``MultiTeacherDistill``.
    """
    model = cfg.get('model', {})
    keys = {'model.teacher_ckpt': model.get('teacher_ckpt')}
    for name, teacher in model.get('teachers', {}).items():
        keys[f'model.teachers.{name}.ckpt'] = teacher.get('ckpt')
    for key, ckpt in keys.items():
        if not ckpt or '://' in ckpt:
            continue  # none, or a URL that mmengine downloads
        if not osp.isfile(ckpt):
            raise PreflightError(
                f'{key}={ckpt!r} does not exist. Train the teacher first '
                '(tools/train.py on its config) or download its released '
                'checkpoint, then pass it with --cfg-options '
                f'{key}=PATH.')
