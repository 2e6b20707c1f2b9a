"""A fast sample of the mutation test (the whole run: python -m tests.mutation): slips in a few reference answers
are all rejected by the checks."""
from tests.mutation import run


def test_the_checks_reject_slips_in_a_sample_of_solutions():
    rate, totals, survivors = run(["relu_backward", "conv_output_size", "adagrad_update", "two_layer_net_gradients"],
                                  probe_seeds=5, out=lambda text: None)
    assert totals["killed"] > 50
    assert survivors == [], [f"{m.exercise} line {m.line}: {m.what}" for m in survivors]
