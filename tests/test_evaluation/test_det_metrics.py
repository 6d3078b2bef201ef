import math

import pytest
import torch
from mmdet.structures.bbox import HorizontalBoxes

from akd.evaluation.metrics import DetCalibrationMetric, DetFidelityMetric
from akd.utils.guard_error import GuardError
from conftest import DET_STUDENT, DET_TEACHER
from toy_batches import eval_batch, loaded_model


@pytest.fixture(scope='module')
def batch(toy_coco):
    return eval_batch(DET_TEACHER, toy_coco, indices=(0, 1))


def sharpened(checkpoint, tmp_path_factory, name):
    """A random toy detector whose class scores spread over [0, 1] (a
    random RetinaNet scores every anchor at its prior, 0.01)."""
    state = torch.load(checkpoint)
    state['state_dict']['bbox_head.retina_cls.weight'] *= 40
    path = tmp_path_factory.mktemp(name) / f'{name}.pth'
    torch.save(state, path)
    return str(path)


@pytest.fixture(scope='module')
def checkpoints(toy_weights, tmp_path_factory):
    return dict(
        teacher=sharpened(toy_weights['det_teacher'], tmp_path_factory,
                          'teacher'),
        student=sharpened(toy_weights['det_student'], tmp_path_factory,
                          'student'))


def rows_by_hand(model, batch):
    """(N, R, C) class logits: levels, then positions, then anchors."""
    data = model.data_preprocessor(batch, False)
    with torch.no_grad():
        cls_scores = model._forward(data['inputs'])[0]
    rows = []
    for level in cls_scores:
        N, AC, H, W = level.shape
        C = model.bbox_head.cls_out_channels
        per_anchor = level.reshape(N, AC // C, C, H, W)  # (N, A, C, H, W)
        rows.append(per_anchor.permute(0, 3, 4, 1, 2).reshape(N, -1, C))
    return torch.cat(rows, dim=1)  # (N, R, C)


def fidelity_by_hand(rows_T, rows_S, score_thr):
    t, s = rows_T.double(), rows_S.double()
    p = t.sigmoid()
    kept = p.max(dim=2).values >= score_thr  # (N, R)
    log_p, log_not_p = -torch.log1p((-t).exp()), -torch.log1p(t.exp())
    log_q, log_not_q = -torch.log1p((-s).exp()), -torch.log1p(s.exp())
    bernoulli_kl = (p * (log_p - log_q) + (1 - p) *
                    (log_not_p - log_not_q)).sum(2)  # (N, R)
    same = rows_T.argmax(2) == rows_S.argmax(2)
    count = kept.sum().item()
    return (same & kept).sum().item() / count, \
        bernoulli_kl[kept].sum().item() / count


def run_fidelity(metric, student, batch):
    metric.attach_model(student)
    metric.process(batch, [])
    return metric.compute_metrics(metric.results)


@pytest.mark.parametrize('score_thr', [0.0, 0.3])
def test_fidelity_matches_hand_computation_over_teacher_anchors(
        batch, checkpoints, score_thr):
    teacher = loaded_model(DET_TEACHER, checkpoints['teacher'])
    student = loaded_model(DET_STUDENT, checkpoints['student'])
    metric = DetFidelityMetric(
        dict(model=dict(cfg_path=DET_TEACHER, pretrained=False),
             ckpt=checkpoints['teacher']), score_thr=score_thr)
    result = run_fidelity(metric, student, batch)
    agreement, kl = fidelity_by_hand(rows_by_hand(teacher, batch),
                                     rows_by_hand(student, batch), score_thr)
    assert result['top1_agreement'] == pytest.approx(agreement, abs=1e-9)
    assert result['kl'] == pytest.approx(kl, rel=1e-4)
    assert 0 < result['top1_agreement'] < 1


def test_fidelity_is_perfect_for_the_teacher_itself(batch, checkpoints):
    teacher = loaded_model(DET_TEACHER, checkpoints['teacher'])
    metric = DetFidelityMetric(
        dict(model=dict(cfg_path=DET_TEACHER, pretrained=False),
             ckpt=checkpoints['teacher']))
    result = run_fidelity(metric, teacher, batch)
    assert result['top1_agreement'] == 1 and abs(result['kl']) < 1e-6


def test_fidelity_without_the_hook_names_it(batch, toy_weights):
    metric = DetFidelityMetric(
        dict(model=dict(cfg_path=DET_TEACHER, pretrained=False),
             ckpt=toy_weights['det_teacher']))
    with pytest.raises(GuardError, match='default_hooks.metric_model'):
        metric.process(batch, [])


def test_fidelity_rejects_a_score_thr_naming_the_key():
    with pytest.raises(ValueError, match='DetFidelityMetric.score_thr'):
        DetFidelityMetric(dict(model={}, ckpt=''), score_thr=2)


def iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    area = lambda r: (r[2] - r[0]) * (r[3] - r[1])  # noqa: E731
    return inter / (area(a) + area(b) - inter)


def d_ece_by_loop(samples, num_bins, score_thr, iou_thr):
    pairs = []  # (score, hit) of the counted detections
    for sample in samples:
        pred, gt = sample['pred_instances'], sample['gt_instances']
        gt_boxes = gt['bboxes'].tensor.tolist()
        for box, score, label in zip(pred['bboxes'].tolist(),
                                     pred['scores'].tolist(),
                                     pred['labels'].tolist()):
            if score < score_thr:
                continue
            overlaps = [iou(box, g) for g in gt_boxes]
            hit = bool(overlaps) and max(overlaps) >= iou_thr and \
                gt['labels'][overlaps.index(max(overlaps))].item() == label
            pairs.append((score, hit))
    error = 0.0
    for m in range(num_bins):
        members = [(s, h) for s, h in pairs
                   if m / num_bins < s <= (m + 1) / num_bins]
        if members:
            error += abs(sum(h for _, h in members) -
                         sum(s for s, _ in members)) / len(pairs)
    return error


def detections(boxes, scores, labels, gt_boxes, gt_labels):
    return dict(
        pred_instances=dict(bboxes=torch.tensor(boxes, dtype=torch.float),
                            scores=torch.tensor(scores),
                            labels=torch.tensor(labels)),
        gt_instances=dict(
            bboxes=HorizontalBoxes(torch.tensor(gt_boxes,
                                                dtype=torch.float).reshape(
                                                    -1, 4)),
            labels=torch.tensor(gt_labels, dtype=torch.long)))


SAMPLES = [
    detections(
        boxes=[[0, 0, 10, 10], [22, 22, 40, 40], [1, 0, 10, 10],
               [0, 0, 10, 10], [60, 60, 70, 70]],
        scores=[0.9, 0.7, 0.8, 0.2, 0.5],
        labels=[1, 1, 1, 1, 2],
        gt_boxes=[[0, 0, 10, 10], [20, 20, 40, 40]],
        gt_labels=[1, 2]),
    # an image without objects: every detection misses
    detections([[5, 5, 15, 15]], [0.65], [0], [], []),
]


def test_d_ece_matches_reference_loop_with_duplicates_and_empty_images():
    metric = DetCalibrationMetric(num_bins=10)
    metric.process({}, SAMPLES)
    result = metric.compute_metrics(metric.results)
    # counted: 0.9 hit, 0.7 wrong class, 0.8 duplicate hit, 0.5 and 0.65
    # miss; 0.2 is under score_thr
    expected = d_ece_by_loop(SAMPLES, 10, 0.3, 0.5)
    assert result['d_ece'] == pytest.approx(expected, rel=1e-9)
    assert expected == pytest.approx((0.1 + 0.2 + 0.7 + 0.65 + 0.5) / 5)


def test_d_ece_iou_thr_decides_a_near_hit():
    loose, strict = DetCalibrationMetric(iou_thr=0.5), DetCalibrationMetric(
        iou_thr=0.95)
    for metric in (loose, strict):
        metric.process({}, SAMPLES[:1])
    assert strict.compute_metrics(strict.results)['d_ece'] > \
        loose.compute_metrics(loose.results)['d_ece']


def test_d_ece_is_nan_when_no_detection_reaches_score_thr():
    metric = DetCalibrationMetric(score_thr=0.95)
    metric.process({}, SAMPLES)
    assert math.isnan(metric.compute_metrics(metric.results)['d_ece'])


def test_d_ece_without_annotations_names_the_pipeline_fix():
    # PackDetInputs without LoadAnnotations: empty gt_instances
    sample = dict(pred_instances=SAMPLES[0]['pred_instances'],
                  gt_instances=dict())
    with pytest.raises(ValueError, match="LoadAnnotations"):
        DetCalibrationMetric().process({}, [sample])


def test_response_statistics_count_the_assigned_anchors(batch, checkpoints):
    from mmdet.models.utils import unpack_gt_instances

    from akd.evaluation.functional import response_statistics, response_sums
    from akd.evaluation.metrics import DetResponseMetric
    model = loaded_model(DET_TEACHER, checkpoints['teacher'])
    metric = DetResponseMetric()
    metric.attach_model(model)
    metric.process(batch, [])
    rows = sum(r['totals'][0].item() for r in metric.results)
    # the assigner called directly, as the head's loss calls it
    data = model.data_preprocessor(batch, False)
    gt_instances, _, img_metas = unpack_gt_instances(data['data_samples'])
    with torch.no_grad():
        cls_scores = model._forward(data['inputs'])[0]
    head = model.bbox_head
    anchors, valid = head.get_anchors([s.shape[-2:] for s in cls_scores],
                                      img_metas, device='cpu')
    labels = torch.cat(head.get_targets(anchors, valid, gt_instances,
                                        img_metas)[0], dim=1)
    positive = (labels >= 0) & (labels < head.num_classes)  # (N, R)
    assert rows == positive.sum() > 0
    # each positive anchor's row paired with its label, by hand
    scores = rows_by_hand(model, batch).sigmoid()  # (N, R, C)
    probs = scores / scores.sum(dim=2, keepdim=True)
    expected = response_statistics(
        response_sums(probs[positive], labels[positive]))
    stats = metric.compute_metrics(metric.results)
    assert stats == pytest.approx(expected, rel=1e-5)
    assert 0 < stats['non_target_mass'] < 1


def test_response_statistics_without_the_hook_name_it(batch):
    from akd.evaluation.metrics import DetResponseMetric
    with pytest.raises(GuardError, match='default_hooks.metric_model'):
        DetResponseMetric().process(batch, [])


def test_fidelity_leaves_out_the_batch_padding(checkpoints):
    """Two image sizes in one batch: the smaller image's padded positions
    do not count, so it counts the anchors it counts alone (its logits
    near the border still differ a little, as a CNN's do with padding)."""
    from mmdet.testing import demo_mm_inputs
    teacher = dict(model=dict(cfg_path=DET_TEACHER, pretrained=False),
                   ckpt=checkpoints['teacher'])
    student = loaded_model(DET_STUDENT, checkpoints['student'])
    small, large = (3, 64, 96), (3, 128, 128)
    torch.manual_seed(0)
    batch = demo_mm_inputs(2, [large, small], num_items=[2, 2])
    alone = dict(inputs=batch['inputs'][1:],
                 data_samples=batch['data_samples'][1:])
    with_large = run_fidelity(DetFidelityMetric(teacher, score_thr=0),
                              student, batch)
    metric = DetFidelityMetric(teacher, score_thr=0)
    metric.attach_model(student)
    metric.process(batch, [])
    count_small = metric.results[1][0].item()
    single = DetFidelityMetric(teacher, score_thr=0)
    single.attach_model(student)
    single.process(alone, [])
    # anchors inside a 64 x 96 image: 9 per position on each level
    strides = (8, 16, 32, 64, 128)
    inside = sum(math.ceil(64 / s) * math.ceil(96 / s) * 9 for s in strides)
    padded = sum(math.ceil(128 / s)**2 * 9 for s in strides)
    assert count_small == single.results[0][0].item() == inside < padded
    assert metric.results[0][0].item() == padded  # the large image: all
    assert 0 < with_large['top1_agreement'] < 1
