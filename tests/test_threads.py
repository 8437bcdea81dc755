"""The engine's switches are per thread: training in one thread is bit for bit the same while another thread
toggles no_grad, runs under detect_anomaly, opens scopes and traces a compile."""

import threading

import engine
from engine import Value, detect_anomaly, no_grad, scope
from nn import MLP, fit
from nn.data import make_moons


def _train():
    X, y = make_moons(40, noise=0.1, seed=0)
    model = MLP(2, [8, 1], activation="tanh", seed=0)
    history = fit(model, X, y, loss="hinge", optimizer="sgd", lr=0.1, epochs=6, progress=False)
    return history.loss, [p.data for p in model.parameters()]


def _meddle(stop):
    """What a notebook or a web request might do beside the training, in a loop until ``stop`` is set."""
    rounds = 0
    while not stop.is_set() and rounds < 2000:
        rounds += 1
        with no_grad():
            Value(1.0) * Value(2.0)
        with detect_anomaly():
            (Value(0.5) * Value(3.0)).tanh().backward()
        with scope("elsewhere"):
            Value(1.0).exp()
        compiled = engine.compile(lambda a, b: (a * b).tanh(), [0.5, 0.25])
        compiled(0.3, 0.7)
    return rounds


def test_threads_training_beside_another_threads_switches_is_bit_identical():
    alone = _train()
    stop = threading.Event()
    rounds = []
    other = threading.Thread(target=lambda: rounds.append(_meddle(stop)))
    other.start()
    try:
        beside = _train()
    finally:
        stop.set()
        other.join(timeout=60)
    assert not other.is_alive() and rounds and rounds[0] > 0
    assert beside == alone  # losses and parameters, bit for bit


def test_threads_no_grad_in_one_thread_does_not_stop_another_from_recording():
    entered, release = threading.Event(), threading.Event()

    def hold_no_grad():
        with no_grad():
            entered.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=hold_no_grad)
    holder.start()
    try:
        assert entered.wait(timeout=30)
        x = Value(2.0)
        y = x * x
        assert y.parents == (x, x) and engine.is_grad_enabled()
        with scope("mine"):
            z = y.exp()
        assert z.scope == ("mine",)
    finally:
        release.set()
        holder.join(timeout=30)
    with no_grad():
        assert Value(1.0).exp().parents == () and not engine.is_grad_enabled()


def test_threads_a_trace_in_one_thread_does_not_watch_another_threads_reads():
    started, release = threading.Event(), threading.Event()
    result = []

    def slow(a):
        started.set()
        release.wait(timeout=30)  # the trace stays open while the main thread reads numbers
        return a * 2.0

    tracer = threading.Thread(target=lambda: result.append(engine.compile(slow, [1.0])))
    tracer.start()
    try:
        assert started.wait(timeout=30)
        v = Value(3.0) * 2.0
        assert v.data == 6.0  # a read here, outside the trace, is not the traced function's read
    finally:
        release.set()
        tracer.join(timeout=30)
    assert result and result[0](4.0) == (8.0, [2.0])
