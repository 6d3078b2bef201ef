"""Convert a distillation checkpoint into a plain student checkpoint.

    python tools/model_converters/convert_kd_ckpt_to_student.py KD_CKPT OUT
        [--prefix teacher.]

The output holds the student's weights under the keys of the plain
mmdet/mmseg model (and the dataset meta), so mmdet's or mmseg's
``tools/test.py`` evaluates it with the student's own config. ``--prefix
teacher.`` takes the teacher instead (``teacher.<name>.`` one teacher of
``MultiTeacherDistill``), e.g. to distil again from it, and ``--prefix
<name>.`` a peer of an online distillation (``OnlineDistill``).
"""
import argparse
import os.path as osp
import sys

import akd  # noqa: F401  (the stack's fixes, before mmengine loads)
from akd.tooling.checkpoint_parts import save_part_checkpoint


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint', help='distillation checkpoint (.pth)')
    parser.add_argument('out', help='where to write the student checkpoint')
    parser.add_argument(
        '--prefix', default='architecture.',
        help="the part to keep: 'architecture.' (the student, default), "
        "'teacher.', or '<peer name>.' of an online distillation")
    args = parser.parse_args(argv)
    if not osp.isfile(args.checkpoint):
        sys.exit(f'error: checkpoint {args.checkpoint!r} does not exist.')
    if osp.abspath(args.out) == osp.abspath(args.checkpoint):
        sys.exit('error: OUT must differ from the input checkpoint, which '
                 'would be overwritten.')
    try:
        converted = save_part_checkpoint(args.checkpoint, args.out,
                                         args.prefix)
    except ValueError as error:
        sys.exit(f'error: {args.checkpoint}: {error}')
    print(f'wrote {len(converted["state_dict"])} tensors of '
          f'{args.prefix!r} to {args.out}')


if __name__ == '__main__':
    main()
