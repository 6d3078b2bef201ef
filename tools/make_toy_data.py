"""Generate the toy COCO and Cityscapes sets (deterministic by seed).

    python tools/make_toy_data.py [--root data] [--seed 0] [--force]

Writes ROOT/toy_coco and ROOT/toy_cityscapes, the default data_root of the
toy configs; an existing set is kept unless --force is given.
"""
import argparse
import os
import os.path as osp
import shutil

from akd.datasets.toy_cityscapes import make_toy_cityscapes
from akd.datasets.toy_coco import make_toy_coco

MAKERS = {'toy_coco': make_toy_coco, 'toy_cityscapes': make_toy_cityscapes}


def make_toy_data(root: str = 'data', seed: int = 0,
                  force: bool = False) -> None:
    for name, make in MAKERS.items():
        path = osp.join(root, name)
        if osp.isdir(path) and not force:
            print(f'[akd] {path} exists, kept (--force to regenerate)')
            continue
        partial = path + '.partial'  # renamed when complete
        shutil.rmtree(partial, ignore_errors=True)
        make(partial, seed=seed)
        shutil.rmtree(path, ignore_errors=True)
        os.replace(partial, path)
        print(f'[akd] wrote {path}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--root', default='data')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--force', action='store_true')
    args = parser.parse_args()
    make_toy_data(args.root, args.seed, args.force)


if __name__ == '__main__':
    main()
