"""Activation and loss functions: values, conventions, numerical stability, bad input."""
import numpy as np
import pytest

from dlcourse import functions as F
from dlcourse.gradcheck import numerical_gradient, rel_error
from dlcourse.layers import SoftmaxWithLoss

NOTES_LOGITS = [0.7, 1.3, 5.1, 2.2, 1.1]


def test_the_notes_worked_example():
    y = F.softmax(NOTES_LOGITS)
    assert np.allclose(np.round(y, 2), [0.01, 0.02, 0.90, 0.05, 0.02])
    assert F.cross_entropy_error(y, 2) == pytest.approx(-np.log(y[2]))
    assert F.cross_entropy_error(y, 2) == pytest.approx(0.1027, abs=1e-3)  # −log 0.9025 (the notes round to −log 0.9)
    assert F.cross_entropy_error(y, np.array([0, 0, 1, 0, 0])) == F.cross_entropy_error(y, 2)


def test_softmax_rows_sum_to_one_and_batch_matches_rows():
    x = np.random.default_rng(0).standard_normal((4, 6)) * 10
    y = F.softmax(x)
    assert np.allclose(y.sum(axis=1), 1.0)
    assert np.allclose(y[2], F.softmax(x[2]))


@pytest.mark.parametrize("big", [1e4, -1e4, 1000.0])
def test_softmax_and_cross_entropy_are_stable_for_huge_logits(big):
    x = np.array([[big, 0.0, -big]])
    y = F.softmax(x)
    assert np.all(np.isfinite(y)) and np.allclose(y.sum(), 1.0)
    with np.errstate(divide="raise", over="raise", invalid="raise"):  # log(0) or overflow would raise
        loss = F.cross_entropy_error(y, np.array([2]))
        exact = SoftmaxWithLoss().forward(x, np.array([2]))
    if big > 0:  # the true class has probability 0: floored, large, finite
        assert np.isfinite(loss) and loss > 700
    else:
        assert loss == pytest.approx(0.0, abs=1e-12)
    assert exact == pytest.approx(2 * big if big > 0 else 0.0, abs=1e-9)  # log-softmax is exact


def test_sigmoid_never_overflows_and_is_symmetric():
    x = np.array([-1e4, -50.0, 0.0, 50.0, 1e4])
    with np.errstate(over="raise"):
        y = F.sigmoid(x)
    assert np.allclose(y + F.sigmoid(-x), 1.0)
    assert y[2] == 0.5


def test_cross_entropy_batch_average_and_index_vs_one_hot():
    y = np.array([[0.1, 0.7, 0.2], [0.8, 0.1, 0.1]])
    expected = -(np.log(0.7) + np.log(0.8)) / 2
    assert F.cross_entropy_error(y, np.array([1, 0])) == pytest.approx(expected)
    assert F.cross_entropy_error(y, np.array([[0, 1, 0], [1, 0, 0]])) == pytest.approx(expected)


def test_mean_squared_error_uses_half_sum_per_sample_averaged_over_batch():
    y = np.array([[0.1, 0.7, 0.2], [0.8, 0.1, 0.1]])
    t = np.array([[0, 1, 0], [0, 0, 1]])
    expected = 0.5 * (np.sum((y[0] - t[0]) ** 2) + np.sum((y[1] - t[1]) ** 2)) / 2
    assert F.mean_squared_error(y, t) == pytest.approx(expected)
    assert F.mean_squared_error(y, np.array([1, 2])) == pytest.approx(expected)
    assert F.mean_squared_error(y[0], t[0]) == pytest.approx(0.5 * np.sum((y[0] - t[0]) ** 2))


def test_binary_cross_entropy_and_its_floor():
    assert F.binary_cross_entropy(np.array([0.9, 0.2]), np.array([1.0, 0.0])) == pytest.approx(
        -(np.log(0.9) + np.log(0.8)) / 2)
    with np.errstate(divide="raise", invalid="raise"):
        assert np.isfinite(F.binary_cross_entropy(np.array([0.0, 1.0]), np.array([1.0, 0.0])))


def test_activations():
    x = np.array([-2.0, -0.5, 0.0, 1.5])
    assert np.array_equal(F.relu(x), [0.0, 0.0, 0.0, 1.5])
    assert np.allclose(F.leaky_relu(x, 0.1), [-0.2, -0.05, 0.0, 1.5])
    assert np.allclose(F.tanh(x), np.tanh(x))


def test_bad_input_names_what_was_expected():
    with pytest.raises(ValueError, match=r"class indices must lie in \[0, 2\], got values from 0 to 5"):
        F.cross_entropy_error(np.full((2, 3), 1 / 3), np.array([0, 5]))
    with pytest.raises(ValueError, match=r"labels t must be class indices of shape \(2,\) or one-hot of shape "
                                         r"\(2, 3\), got shape \(3,\)"):
        F.cross_entropy_error(np.full((2, 3), 1 / 3), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="real numeric array, got dtype object"):
        F.softmax(np.array([1, None], dtype=object))
    with pytest.raises(ValueError, match="at least one axis"):
        F.softmax(3.0)
    with pytest.raises(ValueError, match=r"same shape, got \(2,\) and \(3,\)"):
        F.binary_cross_entropy(np.ones(2) / 2, np.ones(3))


def test_functions_do_not_modify_their_arguments():
    x = np.array([[1.0, 2.0, 3.0]])
    before = x.copy()
    F.softmax(x), F.sigmoid(x), F.relu(x), F.cross_entropy_error(F.softmax(x), np.array([1]))
    assert np.array_equal(x, before)


# ---------------------------------------------------------------- multiclass SVM (hinge) loss

SVM_SCORES = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])  # cat, car, frog: the classic example
SVM_LABELS = np.array([0, 1, 2])


def test_svm_loss_by_hand():
    # sample 0: max(0, 5.1 - 3.2 + 1) + max(0, -1.7 - 3.2 + 1) = 2.9 + 0
    # sample 1: max(0, 1.3 - 4.9 + 1) + max(0, 2.0 - 4.9 + 1) = 0 + 0
    # sample 2: max(0, 2.2 + 3.1 + 1) + max(0, 2.5 + 3.1 + 1) = 6.3 + 6.6
    per_sample = [2.9, 0.0, 12.9]
    assert F.svm_loss(SVM_SCORES[0], 0) == pytest.approx(2.9)
    assert F.svm_loss(SVM_SCORES, SVM_LABELS) == pytest.approx(np.mean(per_sample))
    assert F.svm_loss(SVM_SCORES, np.eye(3)[SVM_LABELS]) == pytest.approx(np.mean(per_sample))  # one-hot
    assert F.svm_loss(SVM_SCORES, SVM_LABELS, delta=0.0) == pytest.approx((1.9 + 5.3 + 5.6) / 3)
    loss, dscores = F.svm_loss_and_grad_scores(SVM_SCORES, SVM_LABELS)
    assert loss == F.svm_loss(SVM_SCORES, SVM_LABELS)
    # sample 0 violates one margin (car), sample 1 none, sample 2 two (cat and car); each over N = 3
    np.testing.assert_allclose(dscores, np.array([[-1, 1, 0], [0, 0, 0], [1, 1, -2]]) / 3)


@pytest.mark.parametrize("delta", [1.0, 0.3])
@pytest.mark.parametrize("one_hot", [False, True])
def test_svm_gradient_passes_the_gradient_check(delta, one_hot):
    rng = np.random.default_rng(0)
    scores, t = rng.standard_normal((6, 4)) * 2, rng.integers(0, 4, size=6)
    labels = np.eye(4)[t] if one_hot else t
    margins = scores - scores[np.arange(6), t][:, None] + delta
    margins[np.arange(6), t] = 1.0
    assert np.min(np.abs(margins)) > 1e-3  # away from the kinks, where the centred difference straddles two slopes
    _, dscores = F.svm_loss_and_grad_scores(scores, labels, delta)
    numeric = numerical_gradient(lambda s: F.svm_loss(s, labels, delta), scores.copy())
    assert rel_error(dscores, numeric) < 1e-9


def test_svm_margin_met_gives_zero_loss_and_zero_gradient_while_cross_entropy_keeps_pulling():
    scores = np.array([[5.0, 3.9, -2.0], [0.0, 2.5, 1.5]])  # true class ahead by ≥ 1 everywhere
    t = np.array([0, 1])
    loss, dscores = F.svm_loss_and_grad_scores(scores, t)
    assert loss == 0.0 and np.array_equal(dscores, np.zeros_like(scores))
    assert F.svm_loss(scores, t, delta=1.2) > 0  # a wider margin is violated by the first sample's 1.1 lead
    layer = SoftmaxWithLoss()
    assert layer.forward(scores, t) > 0.1 and np.max(np.abs(layer.backward())) > 0.05


def test_svm_loss_bad_input_says_what_was_expected():
    with pytest.raises(ValueError, match=r"^svm_loss: class indices must lie in \[0, 2\], got values from 0 to 3$"):
        F.svm_loss(SVM_SCORES, np.array([0, 1, 3]))
    with pytest.raises(ValueError, match=r"^svm_loss: scores must have shape \(C,\) or \(N, C\), got \(3, 3, 1\)$"):
        F.svm_loss(SVM_SCORES[..., None], SVM_LABELS)
    with pytest.raises(ValueError, match=r"^svm_loss_and_grad_scores: delta is the margin .* must be >= 0, got -1"):
        F.svm_loss_and_grad_scores(SVM_SCORES, SVM_LABELS, delta=-1)
    before = SVM_SCORES.copy()
    F.svm_loss_and_grad_scores(SVM_SCORES, SVM_LABELS)
    assert np.array_equal(SVM_SCORES, before)  # never modifies its arguments
