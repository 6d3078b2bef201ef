import math

import pytest
import torch

from akd.evaluation.metrics import SegCalibrationMetric, SegFidelityMetric
from conftest import SEG_STUDENT, SEG_TEACHER
from toy_batches import eval_batch, loaded_model


@pytest.fixture(scope='module')
def batch(toy_cityscapes):
    data = eval_batch(SEG_TEACHER, toy_cityscapes, indices=(0, 1, 2))
    # a band of image 0 and all of image 2 unlabelled: they must not count
    data['data_samples'][0].gt_sem_seg.data[..., :20, :] = 255
    data['data_samples'][2].gt_sem_seg.data.fill_(255)
    return data


def outputs_of(model, batch):
    with torch.no_grad():
        return [sample.to_dict() for sample in model.test_step(batch)]


@pytest.fixture(scope='module')
def teacher_ckpt(toy_weights, tmp_path_factory):
    """The random toy teacher with a classifier strong enough to make its
    prediction vary over the image (a random one predicts one class)."""
    checkpoint = torch.load(toy_weights['seg_teacher'])
    checkpoint['state_dict']['decode_head.conv_seg.weight'] *= 30
    path = tmp_path_factory.mktemp('seg_teacher') / 'teacher.pth'
    torch.save(checkpoint, path)
    return str(path)


def teacher_spec(teacher_ckpt):
    return dict(model=dict(cfg_path=SEG_TEACHER, pretrained=False),
                ckpt=teacher_ckpt)


def evaluate(metric, batch, outputs):
    metric.process(batch, outputs)
    return metric.compute_metrics(metric.results)


def fidelity_by_einsum(outputs_T, outputs_S):
    """Agreement and mean KL(p_T || p_S) over labelled pixels, by einsum."""
    agree = kl = count = 0
    for t, s in zip(outputs_T, outputs_S):
        logits_T, logits_S = t['seg_logits']['data'], s['seg_logits']['data']
        labelled = (t['gt_sem_seg']['data'][0] != 255).double()  # (H, W)
        log_p_T = logits_T.double().log_softmax(0)
        log_p_S = logits_S.double().log_softmax(0)
        kl_map = torch.einsum('chw,chw->hw', log_p_T.exp(), log_p_T - log_p_S)
        same = (logits_T.argmax(0) == logits_S.argmax(0)).double()
        kl += torch.einsum('hw,hw->', kl_map, labelled).item()
        agree += torch.einsum('hw,hw->', same, labelled).item()
        count += labelled.sum().item()
    return agree / count, kl / count


def test_fidelity_matches_einsum_over_labelled_pixels(batch, teacher_ckpt):
    assert (batch['data_samples'][0].gt_sem_seg.data == 255).any()
    teacher = loaded_model(SEG_TEACHER, teacher_ckpt)
    student = loaded_model(SEG_TEACHER, teacher_ckpt)
    torch.manual_seed(0)
    for weight in student.decode_head.conv_seg.parameters():
        weight.data += 0.3 * torch.randn_like(weight)  # a close student
    outputs_S = outputs_of(student, batch)
    result = evaluate(SegFidelityMetric(teacher_spec(teacher_ckpt)), batch,
                      outputs_S)
    agreement, kl = fidelity_by_einsum(outputs_of(teacher, batch), outputs_S)
    assert result['top1_agreement'] == pytest.approx(agreement, abs=1e-6)
    assert result['kl'] == pytest.approx(kl, rel=1e-4)
    assert 0 < result['top1_agreement'] < 1 and result['kl'] > 0


def test_fidelity_is_perfect_for_the_teacher_itself(batch, teacher_ckpt):
    teacher = loaded_model(SEG_TEACHER, teacher_ckpt)
    result = evaluate(SegFidelityMetric(teacher_spec(teacher_ckpt)), batch,
                      outputs_of(teacher, batch))
    assert result['top1_agreement'] == 1
    assert abs(result['kl']) < 1e-6


def test_fidelity_is_nan_without_labelled_pixels(batch, teacher_ckpt):
    metric = SegFidelityMetric(teacher_spec(teacher_ckpt))
    only_empty = dict(inputs=batch['inputs'][2:],
                      data_samples=batch['data_samples'][2:])
    result = evaluate(metric, only_empty,
                      outputs_of(loaded_model(SEG_STUDENT), only_empty))
    assert math.isnan(result['top1_agreement']) and math.isnan(result['kl'])


def test_fidelity_rejects_a_teacher_spec_naming_the_key():
    with pytest.raises(ValueError, match='SegFidelityMetric.teacher must be'):
        SegFidelityMetric(teacher=dict(cfg_path=SEG_TEACHER))


def ece_by_sorting(outputs, num_bins):
    """ECE from the labelled pixels' (confidence, hit) pairs, bin by bin."""
    pairs = []
    for out in outputs:
        probs = out['seg_logits']['data'].double().softmax(0)  # (C, H, W)
        gt = out['gt_sem_seg']['data'][0]
        confidence, predicted = probs.max(0)
        keep = gt != 255
        pairs += list(zip(confidence[keep].tolist(),
                          (predicted == gt)[keep].tolist()))
    error = 0.0
    for m in range(num_bins):
        members = [(c, h) for c, h in pairs
                   if m / num_bins < c <= (m + 1) / num_bins]
        if members:
            gap = sum(h for _, h in members) - sum(c for c, _ in members)
            error += abs(gap) / len(pairs)
    return error


def test_calibration_matches_reference_and_writes_diagram(
        batch, teacher_ckpt, tmp_path):
    outputs = outputs_of(loaded_model(SEG_TEACHER, teacher_ckpt), batch)
    diagram = tmp_path / 'plots' / 'reliability.png'
    result = evaluate(SegCalibrationMetric(num_bins=10,
                                           diagram_file=str(diagram)),
                      batch, outputs)
    assert result['ece'] == pytest.approx(ece_by_sorting(outputs, 10),
                                          rel=1e-5)
    assert diagram.stat().st_size > 1000


def test_calibration_num_bins_changes_the_error(batch, teacher_ckpt):
    outputs = outputs_of(loaded_model(SEG_TEACHER, teacher_ckpt), batch)
    coarse = evaluate(SegCalibrationMetric(num_bins=2), batch, outputs)
    fine = evaluate(SegCalibrationMetric(num_bins=15), batch, outputs)
    assert coarse['ece'] != pytest.approx(fine['ece'])


def test_calibration_rejects_zero_bins_naming_the_key():
    with pytest.raises(ValueError, match='SegCalibrationMetric.num_bins'):
        SegCalibrationMetric(num_bins=0)


def test_response_statistics_follow_the_labelled_pixels(batch, teacher_ckpt):
    from akd.evaluation.functional.response_stats import (response_statistics,
                                                          response_sums)
    from akd.evaluation.metrics import SegResponseMetric
    outputs = outputs_of(loaded_model(SEG_TEACHER, teacher_ckpt), batch)
    result = evaluate(SegResponseMetric(), batch, outputs)
    probs, labels = [], []
    for out in outputs:  # the pixels gathered by hand, all at once
        gt = out['gt_sem_seg']['data'][0]
        keep = gt != 255
        probs.append(out['seg_logits']['data'].softmax(0)[:, keep].T)
        labels.append(gt[keep])
    expected = response_statistics(
        response_sums(torch.cat(probs), torch.cat(labels)))
    assert result == pytest.approx(expected, rel=1e-6)
    assert 0 < result['non_target_mass'] < 1
