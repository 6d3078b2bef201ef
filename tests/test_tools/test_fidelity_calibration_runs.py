"""``tools/test.py`` prints fidelity and calibration beside mAP and mIoU
when a config adds their metrics to ``test_evaluator``."""
import json

from conftest import DET_DISTILL, DET_TEACHER, REPO, SEG_TEACHER, run_tool


def evaluator_config(tmp_path, base, metrics):
    config = tmp_path / 'with_metrics.py'
    config.write_text(f"_base_ = ['{REPO}/{base}']\n"
                      'test_evaluator = [{{_base_.test_evaluator}}, '
                      f'{", ".join(metrics)}]\n')
    return str(config)


def teacher(config, ckpt):
    return (f"teacher=dict(model=dict(cfg_path='{REPO}/{config}', "
            f"pretrained=False), ckpt='{ckpt}')")


def test_segmentor_reports_fidelity_and_ece_beside_miou(
        toy_cityscapes, toy_weights, tmp_path):
    diagram = tmp_path / 'reliability.png'
    ckpt = toy_weights['seg_teacher']
    config = evaluator_config(tmp_path, SEG_TEACHER, [
        "dict(type='mmrazor.SegFidelityMetric', "
        f"{teacher(SEG_TEACHER, ckpt)})",
        f"dict(type='mmrazor.SegCalibrationMetric', diagram_file='{diagram}')"
    ])
    metrics_json = tmp_path / 'metrics.json'
    process = run_tool('tools/test.py', config, ckpt, '--work-dir',
                       str(tmp_path / 'work'), '--data-root', toy_cityscapes,
                       '--metrics-json', str(metrics_json))
    metrics = json.loads(metrics_json.read_text())
    # the teacher evaluated against itself agrees everywhere
    assert metrics['fidelity/top1_agreement'] == 1.0
    assert abs(metrics['fidelity/kl']) < 1e-6
    assert 0 <= metrics['calibration/ece'] <= 1 and 'mIoU' in metrics
    assert 'fidelity/top1_agreement: 1.0000' in process.stdout
    assert diagram.stat().st_size > 1000


def test_distilled_detector_reports_its_student_fidelity_beside_map(
        toy_coco, toy_weights, tmp_path):
    """The metric model hook hands the distillation's student to the
    fidelity metric, which compares it with the teacher."""
    config = evaluator_config(tmp_path, DET_DISTILL, [
        "dict(type='mmrazor.DetFidelityMetric', score_thr=0, "
        f"{teacher(DET_TEACHER, toy_weights['det_teacher'])})",
        "dict(type='mmrazor.DetCalibrationMetric', score_thr=0)"
    ])
    metrics_json = tmp_path / 'metrics.json'
    run_tool('tools/test.py', config, toy_weights['distillation'],
             '--work-dir', str(tmp_path / 'work'), '--data-root', toy_coco,
             '--metrics-json', str(metrics_json))
    metrics = json.loads(metrics_json.read_text())
    assert 'coco/bbox_mAP' in metrics
    assert 0 <= metrics['fidelity/top1_agreement'] < 1
    assert metrics['fidelity/kl'] > 0
    assert 0 <= metrics['calibration/d_ece'] <= 1
