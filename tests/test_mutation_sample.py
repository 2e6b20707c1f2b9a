"""A fast sample of the mutation test (the whole run: python -m tests.mutation): slips in a few reference answers
are all rejected by the checks."""
from tests.mutation import run


def test_the_checks_reject_slips_in_a_sample_of_solutions():
    rate, totals, survivors = run(["relu_backward", "conv_output_size", "adagrad_update", "two_layer_net_gradients"],
                                  probe_seeds=5, out=lambda text: None)
    assert totals["killed"] > 50
    assert survivors == [], [f"{m.exercise} line {m.line}: {m.what}" for m in survivors]


def test_the_time_limit_stops_a_hung_mutant_also_outside_the_main_thread():
    """Older pytest-xdist workers run tests in a thread, where SIGALRM cannot be used."""
    import threading
    import time

    from tests.mutation import _time_limit, _Timeout

    outcome = {}

    def hang():
        started = time.monotonic()
        try:
            with _time_limit(1):
                while True:
                    pass
        except _Timeout:
            outcome["stopped after"] = time.monotonic() - started
        time.sleep(1.5)  # the timer, cancelled, sends nothing later
        outcome["after"] = "quiet"

    worker = threading.Thread(target=hang)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert 0.9 < outcome["stopped after"] < 10 and outcome["after"] == "quiet"
