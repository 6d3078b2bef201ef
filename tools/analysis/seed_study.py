"""Plain student vs CWD vs AKD-CWD (K=1, K=4; bn, variance) on toy data.

For toy COCO detection (RetinaNet, CWD on FPN; also MasKD, TCS, PKD,
CrossKD, FreeKD and their AKD twins), toy COCO detection with GFL heads
(``det-gfl``: CWD, LD, CrossKD, BCKD and their AKD twins, the GFL teacher
trained as the demo's) and toy Cityscapes segmentation (PSPNet, CWD on
logits), trains every variant for each seed with the teachers of `make
demo` (trained first if absent), evaluates it and prints a markdown table
of mean, sample std and the per-seed values. MasKD's receptive tokens and
FreeKD's frequency prompts come from their stage-1 configs, run first if
their checkpoints are absent. FRSKD and FRSKD with teacher-free AKD need
no teacher, nor do the online distillations (DML, SwitOKD, BD-KD online),
whose peers train together and are each evaluated, nor BAKE, nor the
born-again chain (generations 1 and 2 after the plain student). Label
smoothing is compared on the student (teacher-free) and, for segmentation,
on the teacher CWD distils from (trained with smoothing first, like the
demo's teachers). Runs go to work_dirs/seed_study/<variant>/seed<S>/
(born-again chains in work_dirs/seed_study/born-again/<config>/seed<S>/)
and are reused like the demo's.

    python tools/analysis/seed_study.py [--seeds 0 1 2] [--tasks det seg]
        [--variants NAME ...]       (tasks: det, seg, det-gfl)
"""
import argparse
import os
import os.path as osp
import statistics
import sys

from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from akd.tooling.tool_runs import (ROOT, Run, evaluate, run_tool,  # noqa: E402
                                   train)
from demo import TASKS, Task  # noqa: E402

STUDY = osp.join('work_dirs', 'seed_study')
CWD_CONFIGS = {
    'det': 'configs/cwd/cwd_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py',
    'seg': 'configs/cwd/cwd_logits_pspnet-r18-w32-d8_pspnet-r18-w16-d8_'
           'toy-cityscapes.py',
}
AKD_CONFIGS = {
    'det': 'configs/akd/akd-cwd_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py',
    'seg': 'configs/akd/akd-cwd_logits_pspnet-r18-w32-d8_pspnet-r18-w16-d8_'
           'toy-cityscapes.py',
}
AKD_LOSS = 'model.distiller.distill_losses.loss_akd'
NUM_AVATARS = f'{AKD_LOSS}.num_avatars'
STANDARDIZE = f'{AKD_LOSS}.standardize'
WEIGHTING = f'{AKD_LOSS}.weighting'
# the former uncertainty='bn' and 'variance', as the rows call them
BN = (f'{STANDARDIZE}=True', f'{WEIGHTING}=uniform')
VARIANCE = (f'{STANDARDIZE}=False', f'{WEIGHTING}=variance')
MASKD = 'configs/maskd/maskd_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py'
AKD_MASKD = ('configs/akd/akd-maskd_fpn_retina-r18-w32_retina-r18-w16_'
             'toy-coco.py')
# method -> its stage-1 config, whose checkpoint the method's configs read
STAGE_ONE = {
    'maskd': 'maskd/maskd-tokens_fpn_retina-r18-w32_2k_toy-coco',
    'freekd': 'freekd/freekd-prompts_fpn_retina-r18-w32_2k_toy-coco',
}
ONLINE_CONFIGS = {
    'det': {
        'DML': 'configs/dml/dml_logits_retina-r18-w16x2_toy-coco.py',
        'SwitOKD': 'configs/switokd/switokd_logits_retina-r18-w32_'
                   'retina-r18-w16_toy-coco.py',
        'BD-KD online': 'configs/bdkd/bdkd-online_logits_retina-r18-w32_'
                        'retina-r18-w16_toy-coco.py',
        'SOKD': 'configs/sokd/sokd_logits_retina-r18-w32_retina-r18-w16_'
                'toy-coco.py',
    },
    'seg': {
        'DML': 'configs/dml/dml_logits_pspnet-r18-w16-d8x2_toy-cityscapes.py',
        'SwitOKD': 'configs/switokd/switokd_logits_pspnet-r18-w32-d8_'
                   'pspnet-r18-w16-d8_toy-cityscapes.py',
        'BD-KD online': 'configs/bdkd/bdkd-online_logits_pspnet-r18-w32-d8_'
                        'pspnet-r18-w16-d8_toy-cityscapes.py',
        'SOKD': 'configs/sokd/sokd_logits_pspnet-r18-w32-d8_pspnet-r18-w16-'
                'd8_toy-cityscapes.py',
    },
}
BAKE_CONFIGS = {
    'det': 'configs/bake/bake_logits_retina-r18-w16_toy-coco.py',
    'seg': 'configs/bake/bake_logits_pspnet-r18-w16-d8_toy-cityscapes.py',
}
MIXKD_CONFIGS = {
    'det': 'configs/mixkd/mixkd-cwd_fpn_retina-r18-w32_retina-r18-w16_'
           'toy-coco.py',
    'seg': 'configs/mixkd/mixkd-cwd_logits_pspnet-r18-w32-d8_pspnet-r18-w16-'
           'd8_toy-cityscapes.py',
}
BORN_AGAIN = {
    'det': 'configs/born-again/ban_logits_retina-r18-w16_toy-coco.py',
    'seg': 'configs/born-again/ban_logits_pspnet-r18-w16-d8_toy-cityscapes.py',
}
LS_STUDENTS = {
    'det': 'configs/label-smoothing/ls_retinanet_r18-w16_fpn_toy-coco.py',
    'seg': 'configs/label-smoothing/ls_pspnet_r18-w16-d8_toy-cityscapes.py',
}
LS_TEACHER = Run('configs/label-smoothing/ls_pspnet_r18-w32-d8_toy-'
                 'cityscapes.py', 800)
CWD_FROM_LS_TEACHER = ('configs/label-smoothing/cwd_logits_pspnet-r18-w32-'
                       'd8-ls_pspnet-r18-w16-d8_toy-cityscapes.py')
TCS = 'configs/tcs/tcs_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py'
AKD_TCS = 'configs/akd/akd-tcs_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py'
PKD = 'configs/pkd/pkd_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py'
AKD_PKD = 'configs/akd/akd-pkd_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py'
RETINA_PAIR = 'retina-r18-w32_retina-r18-w16_toy-coco'
FREEKD_MSE = 'model.distiller.distill_losses.loss_mse_fpn.base_loss'
GFL_PAIR = 'gfl-r18-w32_gfl-r18-w16_toy-coco'
GFL_TASK = Task(
    'toy COCO detection (GFL)', 'coco/bbox_mAP', 'LD',
    Run('configs/toy_models/gfl_r18-w32_fpn_toy-coco.py', 800),
    Run('configs/toy_models/gfl_r18-w16_fpn_toy-coco.py', 300),
    Run(f'configs/ld/ld_gfl_{GFL_PAIR}.py', 300),
    Run(f'configs/akd/akd-ld_gfl_{GFL_PAIR}.py', 300))
STUDY_TASKS = {'det': TASKS[0], 'seg': TASKS[1], 'det-gfl': GFL_TASK}
FRSKD_CONFIGS = {
    'det': ('configs/frskd/frskd_retina-r18-w16_toy-coco.py',
            'configs/frskd/frskd-akd_retina-r18-w16_toy-coco.py'),
    'seg': ('configs/frskd/frskd_pspnet-r18-w16-d8_toy-cityscapes.py',
            'configs/frskd/frskd-akd_pspnet-r18-w16-d8_toy-cityscapes.py'),
}


def gfl_variants(task) -> dict:
    """The GFL distillations beside CWD on the same pair."""
    return {
        'student (GFL)': (task.student.config, []),
        'CWD (GFL)': (f'configs/cwd/cwd_fpn_{GFL_PAIR}.py', []),
        'LD': (task.base.config, []),
        'LD main region only': (
            task.base.config,
            ['model.distiller.distill_losses.loss_ld.vlr_weight=0']),
        'AKD-LD K=4 variance': (task.akd.config, []),
        'CrossKD': (f'configs/crosskd/crosskd_gfl_{GFL_PAIR}.py', []),
        'AKD-CrossKD K=4 variance': (
            f'configs/akd/akd-crosskd_gfl_{GFL_PAIR}.py', []),
        'BCKD': (f'configs/bckd/bckd_gfl_{GFL_PAIR}.py', []),
        'AKD-BCKD K=4 variance': (f'configs/akd/akd-bckd_gfl_{GFL_PAIR}.py',
                                  []),
    }


def variants(task_key: str, task) -> dict:
    """name -> (config, extra cfg-options) of the compared runs."""
    if task_key == 'det-gfl':
        return gfl_variants(task)
    akd = AKD_CONFIGS[task_key]
    compared = {
        'student': (task.student.config, []),
        'CWD': (CWD_CONFIGS[task_key], []),
        'AKD-CWD K=1 bn': (akd, [f'{NUM_AVATARS}=1', *BN]),
        'AKD-CWD K=4 bn': (akd, [f'{NUM_AVATARS}=4', *BN]),
        'AKD-CWD K=4 variance': (akd, [f'{NUM_AVATARS}=4', *VARIANCE]),
    }
    if task_key == 'det':
        compared['MasKD'] = (MASKD, [])
        compared['AKD-MasKD K=4 bn'] = (AKD_MASKD, [])
        compared['TCS'] = (TCS, [])
        compared['AKD-TCS K=4 variance'] = (AKD_TCS, [])
        compared['PKD'] = (PKD, [])
        compared['AKD-PKD K=4 variance'] = (AKD_PKD, [])
        compared['CrossKD (RetinaNet)'] = (
            f'configs/crosskd/crosskd_retina_{RETINA_PAIR}.py', [])
        compared['AKD-CrossKD (RetinaNet) K=4 variance'] = (
            f'configs/akd/akd-crosskd_retina_{RETINA_PAIR}.py', [])
        compared['FreeKD'] = (f'configs/freekd/freekd_fpn_{RETINA_PAIR}.py',
                              [])
        compared['AKD-FreeKD K=4 variance'] = (
            f'configs/akd/akd-freekd_fpn_{RETINA_PAIR}.py', [])
        # FreeKD's own loss without the official config's feature MSE
        no_mse = [f'{FREEKD_MSE}.loss_weight=0']
        compared['FreeKD without MSE'] = (
            f'configs/freekd/freekd_fpn_{RETINA_PAIR}.py', no_mse)
        compared['AKD-FreeKD without MSE K=4 variance'] = (
            f'configs/akd/akd-freekd_fpn_{RETINA_PAIR}.py',
            [f'{FREEKD_MSE}.base_loss.loss_weight=0'])
    frskd, frskd_akd = FRSKD_CONFIGS[task_key]
    compared['FRSKD'] = (frskd, [])
    compared['FRSKD+AKD K=4 variance'] = (frskd_akd, [])
    for name, config in ONLINE_CONFIGS[task_key].items():
        compared[name] = (config, [])
    compared['BAKE'] = (BAKE_CONFIGS[task_key], [])
    compared['MixKD-CWD'] = (MIXKD_CONFIGS[task_key], [])
    compared['born-again'] = (BORN_AGAIN[task_key], [])
    compared['label smoothing 0.1'] = (LS_STUDENTS[task_key], [])
    if task_key == 'seg':
        compared['CWD from a label-smoothed teacher'] = (CWD_FROM_LS_TEACHER,
                                                         [])
    return compared


def run_stage_one(stage_one: str, teacher_ckpt: str) -> None:
    """A two-stage method's stage 1 on the demo teacher, unless its
    checkpoint exists."""
    work_dir = osp.join('work_dirs', osp.basename(stage_one))
    if osp.isfile(osp.join(work_dir, 'iter_2000.pth')):
        return
    os.makedirs(work_dir, exist_ok=True)
    run_tool(['tools/train.py', f'configs/{stage_one}.py', '--cfg-options',
              f'model.teacher_ckpt={teacher_ckpt}'],
             osp.join(work_dir, 'train.log'))


def run_variant(name: str, config: str, options: list, seed: int,
                teacher_ckpt: str, iters: int) -> tuple:
    """Train one variant for one seed; return its Run and checkpoint."""
    root = osp.join(STUDY, name.replace(' ', '_').replace('=', ''),
                    f'seed{seed}')
    run = Run(config, iters, root=root)
    extra = [f'randomness.seed={seed}', *options]
    if config == CWD_FROM_LS_TEACHER:
        extra.append(f'model.teacher_ckpt={train(LS_TEACHER)}')
    elif 'teacher_ckpt' in Config.fromfile(config).model:
        extra.append(f'model.teacher_ckpt={teacher_ckpt}')
    return run, train(run, extra)


def born_again_rows(config: str, task, seeds: list) -> list:
    """Generations 1 and 2 of ``tools/born_again_chain.py`` per seed, the
    plain student of that seed as generation 0; generation 2 learns from
    the ensemble of generations 0 and 1."""
    reduce = 'mean_sigmoids' if 'retina' in config else 'mean_probs'
    scores = {1: [], 2: []}
    for seed in seeds:
        _, gen0 = run_variant('student', task.student.config, [], seed, '',
                              task.student.iters)
        work_dir = osp.join(STUDY, 'born-again',
                            osp.splitext(osp.basename(config))[0],
                            f'seed{seed}')  # one chain per task
        os.makedirs(work_dir, exist_ok=True)
        run_tool(['tools/born_again_chain.py', config, '--generations', '2',
                  '--gen0', gen0, '--ensemble', reduce, '--work-dir',
                  work_dir, '--', '--cfg-options', f'randomness.seed={seed}'],
                 osp.join(work_dir, 'chain.log'))
        for gen, values in scores.items():
            gen_dir = osp.join(work_dir, f'gen{gen}')
            run = Run(task.student.config, task.student.iters, root=gen_dir)
            checkpoint = osp.join(gen_dir, 'student.pth')
            values.append(evaluate(run, checkpoint)[task.metric])
    return [('born-again gen 1', scores[1]),
            ('born-again gen 2 (ensemble of gens 0-1 teaching)', scores[2])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--tasks', nargs='+', default=['det', 'seg'],
                        choices=list(STUDY_TASKS))
    parser.add_argument('--variants', nargs='+',
                        help='only these variants (default: all)')
    args = parser.parse_args()
    os.chdir(ROOT)
    tables = []
    for task_key in args.tasks:
        task = STUDY_TASKS[task_key]
        teacher_ckpt = train(task.teacher)
        rows = []
        for name, (config, options) in variants(task_key, task).items():
            if args.variants and name not in args.variants:
                continue
            for method, stage_one in STAGE_ONE.items():
                if method in osp.basename(config):
                    run_stage_one(stage_one, teacher_ckpt)
            if config in BORN_AGAIN.values():
                rows += born_again_rows(config, task, args.seeds)
                continue
            peers = list(Config.fromfile(config).model.get('peers', ['']))
            scores = {peer: [] for peer in peers}
            for seed in args.seeds:
                run, ckpt = run_variant(name, config, options, seed,
                                        teacher_ckpt, task.student.iters)
                for peer in peers:  # every peer of an online distillation
                    scores[peer].append(
                        evaluate(run, ckpt, peer)[task.metric])
            rows += [(f'{name} ({peer})' if peer else name, values)
                     for peer, values in scores.items()]
        tables.append(format_table(task, rows, args.seeds))
    print('\n\n'.join(tables))


def format_table(task, rows, seeds) -> str:
    lines = [f'{task.title}, {task.metric}, seeds {seeds}, '
             f'{task.student.iters} iterations:', '',
             '| variant | mean | std | per seed |', '|---|---:|---:|---|']
    for name, scores in rows:
        std = statistics.stdev(scores) if len(scores) > 1 else 0.0
        per_seed = ', '.join(f'{s:.3f}' for s in scores)
        lines.append(f'| {name} | {statistics.mean(scores):.3f} | '
                     f'{std:.3f} | {per_seed} |')
    return '\n'.join(lines)


if __name__ == '__main__':
    main()
