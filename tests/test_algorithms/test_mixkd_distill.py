"""MixKD: the student's task loss on the clean batch, CWD on mixed images
that teacher and student both see."""
import pytest
import torch

from akd.tooling.synthetic_batch import det_batch, seg_batch
from distill_step import build_without_weights
from tolerances import assert_close_float32

MIXKD_SEG = ('configs/mixkd/mixkd-cwd_logits_pspnet-r18-w32-d8_'
             'pspnet-r18-w16-d8_toy-cityscapes.py')
MIXKD_DET = ('configs/mixkd/mixkd-cwd_fpn_retina-r18-w32_'
             'retina-r18-w16_toy-coco.py')


def build(path, **options):
    return build_without_weights(path, **options)[0]


def test_mix_blends_the_asked_share_of_images_with_other_images():
    model = build(MIXKD_SEG, mix_ratio=0.5)
    model.beta.sample = lambda: torch.tensor(0.3)
    torch.manual_seed(0)
    inputs = torch.randn(6, 3, 4, 4)
    mixed = model.mix(inputs)
    changed = [i for i in range(6) if not torch.equal(mixed[i], inputs[i])]
    assert len(changed) == 3
    for i in changed:
        partners = [j for j in range(6) if j != i and torch.allclose(
            mixed[i], 0.3 * inputs[i] + 0.7 * inputs[j], atol=1e-6)]
        assert len(partners) == 1
    assert torch.equal(model.mix(inputs[:1]), inputs[:1])  # no partner


@pytest.mark.parametrize('path', [MIXKD_SEG, MIXKD_DET])
def test_teacher_and_student_distil_on_the_same_mixed_images(path):
    model = build(path)
    for module in model.student.modules():  # the recomputation below
        if isinstance(module, torch.nn.modules.dropout._DropoutNd):
            module.p = 0.0
    torch.manual_seed(1)
    if 'cityscapes' in path:
        inputs, samples = seg_batch(4)
    else:
        inputs, samples = det_batch(model, 4)
    seen = {'student': [], 'teacher': []}
    for name in seen:
        getattr(model, name).backbone.register_forward_hook(
            lambda m, args, out, name=name: seen[name].append(args[0]))
    losses = model.loss(inputs, samples)
    clean, mixed = seen['student']
    assert torch.equal(clean, inputs)  # the task loss: clean
    assert not torch.equal(mixed, inputs)
    assert [torch.equal(a, b) for a, b in zip(mixed, inputs)].count(
        False) == 1  # a quarter of 4 images
    assert torch.equal(seen['teacher'][0], mixed)
    # the distillation loss is CWD between the two forwards on mixed images
    with torch.no_grad():
        if 'cityscapes' in path:
            pairs = [(model.student.decode_head(
                model.student.extract_feat(mixed)),
                model.teacher.decode_head(model.teacher.extract_feat(mixed)))]
        else:
            pairs = list(zip(model.student.extract_feat(mixed),
                             model.teacher.extract_feat(mixed)))
    distill = {k: v for k, v in losses.items() if k.startswith('distill.')}
    assert len(distill) == len(pairs)
    for (name, loss_module), (s, t) in zip(
            model.distiller.distill_losses.items(), pairs):
        assert_close_float32(distill[f'distill.{name}'], loss_module(s, t))
    total = sum(distill.values())
    total.backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert any(p.grad is not None for p in model.student.parameters())


def test_labelled_teacher_forwards_are_refused():
    with pytest.raises(ValueError, match="teacher_forward in"):
        build(MIXKD_SEG, teacher_forward='loss')
    with pytest.raises(ValueError, match='model.mix_ratio must be in'):
        build(MIXKD_SEG, mix_ratio=0.0)
