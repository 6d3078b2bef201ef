"""tools/analysis/plot_curves.py: runs' curves overlaid in one PNG."""
import json

import matplotlib.image as mpimg
import numpy as np

from conftest import run_tool

TAB_BLUE, TAB_ORANGE = (0.122, 0.467, 0.706), (1.0, 0.498, 0.055)


def write_run(work_dir, records_by_timestamp):
    for timestamp, records in records_by_timestamp.items():
        vis_data = work_dir / timestamp / 'vis_data'
        vis_data.mkdir(parents=True)
        (vis_data / 'scalars.json').write_text(
            ''.join(json.dumps(r) + '\n' for r in records))


def train_record(step, akd=True):
    record = {'lr': 1e-3, 'loss': 3.0 / step, 'decode.loss_ce': 1.0 / step,
              'distill.loss_cwd': 2.0 / step, 'iter': step, 'step': step}
    if akd:
        record['distill.akd_uncertainty'] = 0.1 * step
    return record


def colour_share(image, rgb, tolerance=0.1):
    return (np.abs(image[..., :3] - np.array(rgb)).max(axis=2) <
            tolerance).mean()


def test_two_runs_overlaid_in_every_panel(tmp_path):
    # a run resumed once: its two logs are read in order
    write_run(tmp_path / 'akd', {
        '20260101_000000': [train_record(s) for s in (10, 20)],
        '20260101_010000': [train_record(s) for s in (30, 40)] +
        [{'mIoU': 70.0, 'step': 40}],
    })
    write_run(tmp_path / 'cwd', {
        '20260102_000000': [train_record(s, akd=False)
                            for s in (10, 20, 30, 40)] +
        [{'mIoU': 68.0, 'step': 40}],
    })
    out = tmp_path / 'curves.png'
    process = run_tool('tools/analysis/plot_curves.py',
                       str(tmp_path / 'akd'), str(tmp_path / 'cwd'),
                       '--out', str(out))
    assert process.stdout.startswith(
        'task losses, distillation losses, AKD statistics, validation '
        'mIoU: written to')
    image = mpimg.imread(out)
    assert image.shape[:2] == (400, 2000)  # 4 panels of 5 x 4 in, 100 dpi
    for colour in (TAB_BLUE, TAB_ORANGE):  # the first run, the second
        assert colour_share(image, colour) > 0.001
    # the AKD statistics panel (third quarter) has only the first run
    third = image[:, 1000:1500]
    assert colour_share(third, TAB_BLUE) > 0.0005
    assert colour_share(third, TAB_ORANGE) == 0


def test_a_plain_run_has_no_distillation_panels(tmp_path):
    write_run(tmp_path / 'plain', {'20260101_000000': [
        {'loss': 1.0, 'loss_cls': 0.6, 'loss_bbox': 0.4, 'iter': 10,
         'step': 10},
        {'coco/bbox_mAP': 0.1, 'step': 10}]})
    process = run_tool('tools/analysis/plot_curves.py',
                       str(tmp_path / 'plain'))
    assert process.stdout.startswith(
        'task losses, validation coco/bbox_mAP: written to')
    assert (tmp_path / 'plain' / 'curves.png').is_file()


def test_a_dir_without_logs_is_named(tmp_path):
    process = run_tool('tools/analysis/plot_curves.py', str(tmp_path),
                       check=False)
    assert process.returncode == 1
    assert 'has no <timestamp>/vis_data/scalars.json' in process.stderr
