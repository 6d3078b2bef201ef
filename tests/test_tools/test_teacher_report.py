import json
import shutil

import matplotlib.image as mpimg

from conftest import SEG_TEACHER, run_tool


def test_reports_metric_and_response_statistics_per_checkpoint(
        toy_cityscapes, toy_weights, tmp_path):
    run = tmp_path / 'run'  # a training run's work dir
    run.mkdir()
    for name in ('iter_10.pth', 'iter_2.pth'):
        shutil.copy(toy_weights['seg_teacher'], run / name)
    out = tmp_path / 'report'
    process = run_tool('tools/analysis/teacher_report.py', SEG_TEACHER,
                       str(run), '--data-root', toy_cityscapes, '--out-dir',
                       str(out))
    rows = json.loads((out / 'teacher_report.json').read_text())
    assert [row['checkpoint'] for row in rows] == ['iter_2', 'iter_10']
    for row in rows:
        assert row['metric_name'] == 'mIoU'
        assert 0 < row['non_target_mass'] < 1 and row['entropy'] > 0
    # the same weights give the same report
    assert rows[0]['entropy'] == rows[1]['entropy']
    assert '| iter_2 | mIoU ' in process.stdout
    image = mpimg.imread(out / 'teacher_report.png')
    assert image.shape[:2] == (300, 1600)  # five panels of 3.2 x 3 inches
    assert (image[..., :3] < 0.5).mean() > 0.005  # lines, ticks and text


def test_first_argument_must_be_a_config(toy_weights):
    process = run_tool('tools/analysis/teacher_report.py',
                       toy_weights['seg_teacher'], check=False)
    assert process.returncode == 2
    assert 'the first argument must be a config (.py)' in process.stderr
