"""List a model's module names and output shapes, to pick recorder sources.

    python tools/analysis/list_modules.py CONFIG [--shape H W] [--depth N]
        [--grep REGEX]

``CONFIG`` is a detector or segmentor config, or a distillation config, whose
student (``model.architecture``) and teacher (``model.teacher``) are then
listed one after the other. One random image of ``H x W`` goes through each
model's tensor-mode forward, and every module that ran is printed as it
finished, with its type and the shape of its output (a list for a tuple of
tensors). A printed name is what a recorder takes as ``source``, e.g.
``dict(type='ModuleOutputs', source='neck.fpn_convs.0.conv')``. A module
run several times (a head shared by the FPN levels) is printed once per
call, numbered as the recorder's ``data_idx`` picks them. Where the
student's and teacher's channels differ, the distiller needs a connector
(``docs/get_started.md``).
"""
import argparse
import os.path as osp
import re
import sys
from collections import Counter
from typing import Iterator, List, Tuple

import akd  # noqa: E402,F401  (the stack's fixes, before mmengine loads)

# isort: split
import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from akd.tooling.preflight import load_config  # noqa: E402
from akd.tooling.tool_args import exit_on_guard_error  # noqa: E402


def models_of(config: str) -> Iterator[Tuple[str, torch.nn.Module]]:
    """``(title, model)`` of a model config, or of a distillation config's
    student and teacher."""
    import mmengine.hub

    from akd.compat.local_cfg_path import build_from_config_file
    model = load_config(config).model
    if 'architecture' not in model:
        yield 'model', build_from_config_file(config)
        return
    for key, title in (('architecture', 'student'), ('teacher', 'teacher')):
        part = model.get(key)
        if part is None:
            continue
        if 'cfg_path' not in part:
            sys.exit(f'model.{key} of {config} has no cfg_path: '
                     'list_modules.py builds a distillation config\'s models '
                     'from their cfg_path; run it on that model\'s config.')
        shown = (part.cfg_path if '::' in part.cfg_path else osp.relpath(
            part.cfg_path))
        yield (f'{title} (model.{key}: {shown})',
               mmengine.hub.get_model(part.cfg_path, pretrained=False))


def shape_of(output) -> str:
    if isinstance(output, torch.Tensor):
        return str(tuple(output.shape))
    if isinstance(output, (tuple, list)):
        shapes = [shape_of(o) for o in output]
        return '[' + ', '.join(s for s in shapes if s) + ']'
    return ''


def module_outputs(model: torch.nn.Module,
                   shape: Tuple[int, int]) -> List[Tuple[str, str, str]]:
    """``(name, type, output shape)`` of each module call, as it finished;
    the calls of a module run more than once are named ``name [i]``."""
    calls = []
    handles = [
        module.register_forward_hook(
            lambda m, args, out, name=name: calls.append(
                (name, type(m).__name__, shape_of(out))))
        for name, module in model.named_modules() if name
    ]
    try:
        with torch.no_grad():
            model.eval()(torch.rand(1, 3, *shape), mode='tensor')
    finally:
        for handle in handles:
            handle.remove()
    counts = Counter(name for name, _, _ in calls)
    seen = Counter()
    rows = []
    for name, kind, out in calls:
        if counts[name] > 1:
            seen[name] += 1
            name = f'{name} [{seen[name] - 1}]'
        rows.append((name, kind, out))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--shape', type=int, nargs=2, default=[512, 512],
                        metavar=('H', 'W'))
    parser.add_argument('--depth', type=int, default=4,
                        help='list names of at most this many parts '
                        '(neck.fpn_convs.0.conv has 4)')
    parser.add_argument('--grep', default='',
                        help='list only names matching this regex')
    args = parser.parse_args(argv)
    pattern = re.compile(args.grep)
    with exit_on_guard_error():
        for title, model in models_of(args.config):
            rows = [
                row for row in module_outputs(model, tuple(args.shape))
                if row[0].count('.') < args.depth and pattern.search(row[0])
            ]
            width = max([len(name) for name, _, _ in rows] + [4])
            print(f'{title}, one {args.shape[0]}x{args.shape[1]} image:')
            for name, kind, out in rows:
                print(f'  {name:<{width}}  {kind:<24} {out}')
            print()


if __name__ == '__main__':
    main()
