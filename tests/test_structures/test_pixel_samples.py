"""The zoo's dense-logit convention: pixels and anchors as rows."""
import pytest
import torch

from akd.structures.pixel_samples import anchor_view, pixel_samples


def test_anchor_rows_follow_mmdets_order():
    N, A, C, H, W = 2, 3, 4, 2, 5
    logits = torch.randn(N, A * C, H, W)
    rows = anchor_view(logits, num_classes=C).flatten(0, -2)
    for n in range(N):
        for h in range(H):
            for w in range(W):
                for a in range(A):
                    row = ((n * H + h) * W + w) * A + a
                    torch.testing.assert_close(
                        rows[row], logits[n, a * C:(a + 1) * C, h, w])


def test_label_maps_are_resized_by_nearest_and_ignored_rows_dropped():
    logits = torch.randn(1, 3, 2, 2)
    labels = torch.tensor([[[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 255, 255],
                            [2, 2, 255, 255]]])  # (1, 4, 4)
    S, T, y = pixel_samples(logits, logits, labels)
    assert y.tolist() == [0, 1, 2]
    torch.testing.assert_close(S, logits[0].reshape(3, 4).t()[:3])


def test_background_anchors_are_dropped():
    logits = torch.randn(1, 2 * 3, 1, 2)  # 2 anchors of 3 classes
    labels = torch.tensor([[0, 3, 2, 3]])  # (1, H*W*A), 3 = background
    S, _, y = pixel_samples([logits], None, [labels], num_classes=3)
    assert y.tolist() == [0, 2] and S.shape == (2, 3)


def test_rejects_num_classes_that_does_not_divide_the_channels():
    with pytest.raises(ValueError, match='does not divide the 10 logit'):
        anchor_view(torch.randn(1, 10, 2, 2), num_classes=4)


def test_rejects_labels_that_do_not_fit_the_logits():
    with pytest.raises(ValueError, match='num_classes set'):
        pixel_samples(torch.randn(1, 6, 2, 2), None, torch.zeros(1, 5))


def test_rejects_student_and_teacher_of_other_shapes():
    with pytest.raises(ValueError, match='connector'):
        pixel_samples(torch.randn(1, 3, 2, 2), torch.randn(1, 3, 2, 3))


def test_kept_anchor_rows_and_their_gradients_match_a_loop_over_anchors():
    N, A, C = 2, 3, 4
    sizes = [(3, 5), (2, 2)]
    levels = [torch.randn(N, A * C, h, w, requires_grad=True)
              for h, w in sizes]
    labels = [torch.randint(0, C + 1, (N, h * w * A)) for h, w in sizes]
    S, T, y = pixel_samples(levels, [x.detach() for x in levels], labels,
                            num_classes=C)
    expected_rows, expected_labels = [], []
    for x, lab in zip(levels, labels):
        H, W = x.shape[2:]
        for n in range(N):
            for h in range(H):
                for w in range(W):
                    for a in range(A):
                        label = int(lab[n, (h * W + w) * A + a])
                        if label < C:
                            expected_rows.append(x[n, a * C:(a + 1) * C, h,
                                                   w])
                            expected_labels.append(label)
    expected = torch.stack(expected_rows)
    assert y.tolist() == expected_labels
    torch.testing.assert_close(S, expected)
    torch.testing.assert_close(T, expected.detach())
    weights = torch.randn_like(S)
    grads = torch.autograd.grad((S * weights).sum(), levels)
    expected_grads = torch.autograd.grad((expected * weights).sum(), levels)
    for grad, expected_grad in zip(grads, expected_grads):
        torch.testing.assert_close(grad, expected_grad)
