"""SGD and Adam: updates against hand formulas, schedules, no graph, convergence, bad input, state_dict, and the same
update on arrays."""

import json
import math

import pytest

from engine import Value, is_grad_enabled
from nn.optim import SGD, Adam, Optimizer

# --- helpers ---


def make_params(data, grads=None):
    """Leaf Values holding ``data``, with ``.grad`` set to ``grads`` (zeros if not given)."""
    params = [Value(d) for d in data]
    for p, g in zip(params, grads or [0.0] * len(params)):
        p.grad = g
    return params


def grads_at(step, n):
    """A fixed, non-trivial gradient sequence: the gradient of parameter i at step k."""
    return [math.sin(1.0 + 0.7 * step + 1.3 * i) * (i + 1) for i in range(n)]


def snapshot(params):
    return [(p.data, p.grad) for p in params]


# --- SGD ---


def test_sgd_one_step_equals_the_hand_formula():
    params = make_params([1.0, -2.0, 0.5], [0.3, -0.7, 2.0])
    opt = SGD(params, lr=0.1)
    opt.step()
    assert [p.data for p in params] == [1.0 - 0.1 * 0.3, -2.0 - 0.1 * -0.7, 0.5 - 0.1 * 2.0]
    assert [p.grad for p in params] == [0.3, -0.7, 2.0]  # step reads gradients, does not change them
    assert opt.step_count == 1


def test_sgd_momentum_three_steps_equal_a_hand_rolled_loop():
    lr, mu = 0.05, 0.9
    data = [1.0, -2.0]
    params = make_params(data)
    opt = SGD(params, lr=lr, momentum=mu)
    x = list(data)
    v = [None, None]
    for k in range(3):
        g = grads_at(k, 2)
        for p, gi in zip(params, g):
            p.grad = gi
        opt.step()
        for i in range(2):
            v[i] = g[i] if v[i] is None else mu * v[i] + g[i]  # PyTorch: the buffer starts as the first gradient
            x[i] = x[i] - lr * v[i]
        assert [p.data for p in params] == pytest.approx(x, rel=1e-15, abs=0.0)
    # after the first step the velocity is the gradient itself, not (1 - momentum)·g or momentum·g
    assert opt.state_dict()["momentum_buffer"] == pytest.approx(v, rel=1e-15)


def test_sgd_momentum_first_step_is_a_plain_gradient_step():
    params = make_params([2.0], [0.5])
    SGD(params, lr=0.1, momentum=0.9).step()
    assert params[0].data == 2.0 - 0.1 * 0.5


def test_sgd_weight_decay_adds_decay_times_data_to_the_gradient():
    params = make_params([2.0, -3.0], [0.5, 0.0])
    SGD(params, lr=0.1, weight_decay=0.01).step()
    assert [p.data for p in params] == [2.0 - 0.1 * (0.5 + 0.01 * 2.0), -3.0 - 0.1 * (0.0 + 0.01 * -3.0)]


def test_sgd_weight_decay_enters_the_momentum_buffer():
    lr, mu, wd = 0.1, 0.5, 0.2
    params = make_params([1.0], [0.0])
    opt = SGD(params, lr=lr, momentum=mu, weight_decay=wd)
    x, v = 1.0, None
    for _ in range(3):
        opt.step()  # zero gradient: only the decay pulls the weight towards 0
        g = 0.0 + wd * x
        v = g if v is None else mu * v + g
        x = x - lr * v
        assert params[0].data == pytest.approx(x, rel=1e-15)
    assert 0.0 < params[0].data < 1.0


# --- Adam ---


def reference_adam(x0, grads, lr, b1, b2, eps, wd):
    """Adam as in the paper and torch.optim.Adam (L2 decay in the gradient), written out for one parameter."""
    x, m, v = x0, 0.0, 0.0
    trajectory = []
    for t, g in enumerate(grads, start=1):
        g = g + wd * x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        x = x - lr * m_hat / (math.sqrt(v_hat) + eps)
        trajectory.append(x)
    return trajectory


@pytest.mark.parametrize(
    "lr, betas, eps, wd",
    [(1e-3, (0.9, 0.999), 1e-8, 0.0), (0.1, (0.8, 0.99), 1e-6, 0.05), (0.5, (0.0, 0.5), 0.1, 0.0)],
)
def test_adam_steps_equal_a_reference_implementation(lr, betas, eps, wd):
    data = [0.5, -1.5, 3.0]
    steps = 6
    params = make_params(data)
    opt = Adam(params, lr=lr, betas=betas, eps=eps, weight_decay=wd)
    trajectories = []
    for k in range(steps):
        for p, g in zip(params, grads_at(k, 3)):
            p.grad = g
        opt.step()
        trajectories.append([p.data for p in params])
    for i in range(3):
        expected = reference_adam(data[i], [grads_at(k, 3)[i] for k in range(steps)], lr, *betas, eps, wd)
        assert [row[i] for row in trajectories] == pytest.approx(expected, rel=1e-13, abs=1e-15)
    assert opt.step_count == steps


def test_adam_first_step_moves_each_parameter_by_about_lr():
    # bias correction makes the first update lr·g/(|g| + eps): a step of ~lr against the gradient's sign
    params = make_params([0.0, 0.0], [1e-3, -250.0])
    Adam(params, lr=0.01).step()
    assert params[0].data == pytest.approx(-0.01, rel=1e-4)
    assert params[1].data == pytest.approx(0.01, rel=1e-9)


# --- the base: no graph, zero_grad, schedules ---


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1), lambda ps: Adam(ps)])
def test_optimizer_step_leaves_no_graph(make):
    params = make_params([1.0, 2.0], [0.5, -0.5])
    opt = make(params)
    for _ in range(3):
        opt.step()
    for p in params:
        assert p.parents == () and p.op == "" and type(p.data) is float and type(p.grad) is float
    assert is_grad_enabled()


def test_optimizer_step_runs_the_update_under_no_grad_and_counts_after_it():
    seen = []

    class Probe(Optimizer):
        def _update(self, lr):
            seen.append((is_grad_enabled(), self.step_count, lr))
            for p in self.params:
                p.data = (p * 2.0).data  # a Value expression here would build no graph anyway

    opt = Probe([Value(1.0)], lr=0.5)
    opt.step()
    opt.step()
    assert seen == [(False, 0, 0.5), (False, 1, 0.5)]
    assert opt.step_count == 2 and is_grad_enabled()


def test_optimizer_base_cannot_be_instantiated():
    with pytest.raises(TypeError, match="abstract"):
        Optimizer([Value(1.0)], lr=0.1)  # type: ignore[abstract]


def test_optimizer_zero_grad_sets_every_grad_to_zero():
    x, y = Value(2.0), Value(-1.0)
    opt = SGD([x, y], lr=0.1)
    loss = x * y
    loss.backward()
    loss.backward()  # leaves accumulate
    assert (x.grad, y.grad) == (-2.0, 4.0)
    opt.zero_grad()
    assert (x.grad, y.grad) == (0.0, 0.0) and type(x.grad) is float
    assert (x.data, y.data) == (2.0, -1.0)


def test_optimizer_lr_schedule_is_called_with_0_1_2():
    calls = []

    def schedule(k):
        calls.append(k)
        return 1.0 - 0.9 * k / 100  # micrograd's demo schedule

    params = make_params([0.0], [1.0])
    opt = SGD(params, lr=schedule)
    for _ in range(3):
        opt.step()
    assert calls == [0, 1, 2]
    assert params[0].data == pytest.approx(-(1.0 + (1.0 - 0.009) + (1.0 - 0.018)), rel=1e-15)
    assert opt.lr_at(50) == pytest.approx(0.55) and calls[-1] == 50


def test_optimizer_lr_at_is_the_constant_for_a_number():
    opt = Adam([Value(1.0)], lr=3)
    assert opt.lr_at(0) == 3.0 and opt.lr_at(1000) == 3.0 and type(opt.lr_at(0)) is float


@pytest.mark.parametrize("bad", [math.nan, math.inf, -0.1])
def test_optimizer_schedule_bad_value_raises_naming_step_and_value_and_changes_nothing(bad):
    params = make_params([1.0], [1.0])
    opt = SGD(params, lr=lambda k: 0.1 if k < 2 else bad, momentum=0.5)
    opt.step()
    opt.step()
    before, state = snapshot(params), opt.state_dict()
    with pytest.raises(ValueError, match=rf"schedule at step 2: .*got {bad!r}"):
        opt.step()
    assert snapshot(params) == before and opt.state_dict() == state and opt.step_count == 2


def test_optimizer_schedule_returning_a_non_number_raises_type_error():
    opt = SGD([Value(1.0)], lr=lambda k: "fast")
    with pytest.raises(TypeError, match=r"step 0: expected a finite real number >= 0, got 'fast' \(str\)"):
        opt.step()
    assert opt.step_count == 0


def test_optimizer_schedule_may_reach_zero():
    params = make_params([1.0], [1.0])
    SGD(params, lr=lambda k: 0.0).step()
    assert params[0].data == 1.0


@pytest.mark.parametrize(("step", "error"), [(-1, ValueError), (1.0, TypeError), (True, TypeError)])
def test_optimizer_lr_at_rejects_a_bad_step(step, error):
    with pytest.raises(error, match=f"lr_at\\(step\\): expected an int >= 0, got {step!r}"):
        SGD([Value(1.0)], lr=0.1).lr_at(step)


def test_optimizer_lr_assignment_is_checked():
    opt = SGD([Value(1.0)], lr=0.1)
    opt.lr = 0.01
    assert opt.lr_at(0) == 0.01
    with pytest.raises(ValueError, match="got -1"):
        opt.lr = -1
    assert opt.lr == 0.01


# --- convergence on f(x, y) = (x - 3)² + (y + 1)² ---


def minimise_quadratic(make, steps):
    x, y = Value(0.0, label="x"), Value(0.0, label="y")
    opt = make([x, y])
    for _ in range(steps):
        opt.zero_grad()
        loss = (x - 3) ** 2 + (y + 1) ** 2
        loss.backward()
        opt.step()
    return x.data, y.data, ((x.data - 3) ** 2 + (y.data + 1) ** 2)


@pytest.mark.parametrize(
    "make, steps, tol",
    [
        (lambda ps: SGD(ps, lr=0.1), 100, 1e-8),
        (lambda ps: SGD(ps, lr=0.05, momentum=0.9), 500, 1e-8),
        (lambda ps: Adam(ps, lr=0.1), 500, 1e-4),
        (lambda ps: Adam(ps, lr=lambda k: 0.2 * 0.99**k), 1000, 1e-4),
    ],
)
def test_optimizer_minimises_a_quadratic(make, steps, tol):
    x, y, loss = minimise_quadratic(make, steps)
    assert x == pytest.approx(3.0, abs=tol) and y == pytest.approx(-1.0, abs=tol)
    assert loss < tol


def test_sgd_weight_decay_shrinks_the_minimiser():
    # (x-3)² + (wd/2)·x² is minimal at x = 6/(2 + wd): weight decay is L2 regularisation
    x, _, _ = minimise_quadratic(lambda ps: SGD(ps, lr=0.1, weight_decay=0.5), 200)
    assert x == pytest.approx(6.0 / 2.5, abs=1e-9)


# --- bad input ---


def _sgd(params, **kw):
    return SGD(params, **{"lr": 0.1, **kw})


def _adam(params, **kw):
    return Adam(params, **kw)


BAD_INPUT = [
    # id: (constructor, params from p (a good Value), keyword arguments, error type, regex the message must match)
    ("params-a-value", _sgd, lambda p: p, {}, TypeError,
     r"SGD\(params=\.\.\.\): expected a non-empty list of Values, got Value\(data=1\.0"),
    ("params-a-float", _sgd, lambda p: 3.0, {}, TypeError, r"expected a non-empty list of Values, got 3\.0 \(float\)"),
    ("params-a-str", _sgd, lambda p: "ab", {}, TypeError, r"got 'ab' \(str\)"),
    ("params-a-set", _sgd, lambda p: {p}, {}, TypeError, r"a set has no fixed order"),
    ("params-empty", _sgd, lambda p: [], {}, ValueError, r"expected a non-empty list of Values, got an empty list"),
    ("params-empty-iterator", _adam, lambda p: iter(()), {}, ValueError, r"got an empty"),
    ("params-float-inside", _sgd, lambda p: [p, 2.5], {}, TypeError,
     r"expected a Value at index 1, got 2\.5 \(float\)"),
    ("params-none-inside", _adam, lambda p: [None, p], {}, TypeError,
     r"expected a Value at index 0, got None \(NoneType\)"),
    ("params-duplicate", _sgd, lambda p: [p, Value(2.0), p], {}, ValueError,
     r"the same Value appears at index 0 and index 2"),
    ("lr=0", _sgd, lambda p: [p], {"lr": 0}, ValueError,
     r"SGD\(lr=\.\.\.\): expected a finite real number > 0.*got 0 \(int\)"),
    ("lr=-1", _sgd, lambda p: [p], {"lr": -1}, ValueError, r"got -1 \(int\)"),
    ("lr=a", _adam, lambda p: [p], {"lr": "a"}, TypeError, r"Adam\(lr=\.\.\.\): expected .* got 'a' \(str\)"),
    ("lr=nan", _sgd, lambda p: [p], {"lr": math.nan}, ValueError, r"got nan \(float\)"),
    ("lr=inf", _sgd, lambda p: [p], {"lr": math.inf}, ValueError, r"got inf \(float\)"),
    ("lr=True", _sgd, lambda p: [p], {"lr": True}, TypeError, r"got True \(bool\)"),
    ("lr=huge-int", _sgd, lambda p: [p], {"lr": 10**400}, ValueError, r"SGD\(lr=\.\.\.\)"),
    ("momentum=1", _sgd, lambda p: [p], {"momentum": 1.0}, ValueError,
     r"SGD\(momentum=\.\.\.\): expected a real number in \[0, 1\), got 1\.0"),
    ("momentum=-0.1", _sgd, lambda p: [p], {"momentum": -0.1}, ValueError, r"got -0\.1 \(float\)"),
    ("momentum=nan", _sgd, lambda p: [p], {"momentum": math.nan}, ValueError, r"momentum=.*got nan"),
    ("momentum=str", _sgd, lambda p: [p], {"momentum": "0.9"}, TypeError, r"momentum=.*got '0\.9' \(str\)"),
    ("sgd-weight_decay<0", _sgd, lambda p: [p], {"weight_decay": -1e-4}, ValueError,
     r"SGD\(weight_decay=\.\.\.\): expected a finite real number >= 0, got -0\.0001"),
    ("betas=(1,0.9)", _adam, lambda p: [p], {"betas": (1.0, 0.9)}, ValueError,
     r"Adam\(betas\[0\]=\.\.\.\): expected a real number in \[0, 1\), got 1\.0"),
    ("betas=(0.9,-0.5)", _adam, lambda p: [p], {"betas": (0.9, -0.5)}, ValueError, r"betas\[1\]=.*got -0\.5"),
    ("betas-one-item", _adam, lambda p: [p], {"betas": (0.9,)}, ValueError,
     r"expected a pair of real numbers in \[0, 1\), got 1 items"),
    ("betas-a-float", _adam, lambda p: [p], {"betas": 0.9}, TypeError, r"expected a pair .* got 0\.9 \(float\)"),
    ("betas-none-inside", _adam, lambda p: [p], {"betas": (0.9, None)}, TypeError, r"betas\[1\]=.*got None"),
    ("eps=0", _adam, lambda p: [p], {"eps": 0}, ValueError,
     r"Adam\(eps=\.\.\.\): expected a finite real number > 0, got 0 \(int\)"),
    ("eps<0", _adam, lambda p: [p], {"eps": -1e-8}, ValueError, r"eps=.*got -1e-08"),
    ("adam-weight_decay=inf", _adam, lambda p: [p], {"weight_decay": math.inf}, ValueError,
     r"Adam\(weight_decay=\.\.\.\).*got inf"),
]


@pytest.mark.parametrize(
    "make, params_of, kwargs, error, message", [pytest.param(*row[1:], id=row[0]) for row in BAD_INPUT]
)
def test_optimizer_bad_input_raises_naming_what_was_given_and_changes_nothing(make, params_of, kwargs, error, message):
    p = Value(1.0)
    p.grad = 0.25
    with pytest.raises(error, match=message):
        make(params_of(p), **kwargs)
    assert (p.data, p.grad, p.parents) == (1.0, 0.25, ())


def test_optimizer_accepts_any_iterable_of_values_and_copies_it():
    ps = make_params([1.0, 2.0])
    opt = Adam(p for p in ps)
    assert opt.params == ps and opt.params is not ps
    listed = list(ps)
    opt2 = SGD(listed, lr=0.1)
    listed.append(Value(3.0))
    assert len(opt2.params) == 2


# --- state_dict ---


def train(opt, start, steps):
    for k in range(start, start + steps):
        for p, g in zip(opt.params, grads_at(k, len(opt.params))):
            p.grad = g
        opt.step()


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=lambda k: 0.1 / (1 + k), momentum=0.9, weight_decay=0.01),
        lambda ps: SGD(ps, lr=0.1),
        lambda ps: Adam(ps, lr=lambda k: 0.05 * 0.9**k, betas=(0.8, 0.95), weight_decay=0.1),
    ],
)
def test_optimizer_state_dict_round_trip_continues_training_exactly(make):
    data = [0.5, -1.0, 2.0]
    a = make(make_params(data))
    train(a, 0, 4)
    b = make(make_params([p.data for p in a.params]))
    b.load_state_dict(json.loads(json.dumps(a.state_dict())))  # plain JSON survives the trip
    assert b.step_count == 4 and b.state_dict() == a.state_dict()
    train(a, 4, 3)
    train(b, 4, 3)
    assert [p.data for p in b.params] == [p.data for p in a.params]
    # and a fresh optimizer (no state) would have gone elsewhere
    c = make(make_params(data))
    train(c, 4, 3)
    assert [p.data for p in c.params] != [p.data for p in a.params]


def test_optimizer_state_dict_is_a_copy_of_plain_floats():
    opt = Adam(make_params([1.0, 2.0], [0.5, -0.5]))
    opt.step()
    state = opt.state_dict()
    assert set(state) == {"step_count", "exp_avg", "exp_avg_sq"} and state["step_count"] == 1
    assert all(type(x) is float for x in state["exp_avg"] + state["exp_avg_sq"])
    state["exp_avg"][0] = 99.0
    state["step_count"] = 7
    assert opt.state_dict()["exp_avg"][0] != 99.0 and opt.step_count == 1


def test_optimizer_load_state_dict_copies_its_input():
    opt = SGD([Value(1.0)], lr=0.1, momentum=0.9)
    state = {"step_count": 2, "momentum_buffer": [0.5]}
    opt.load_state_dict(state)
    state["momentum_buffer"][0] = 42.0
    assert opt.state_dict() == {"step_count": 2, "momentum_buffer": [0.5]}


@pytest.mark.parametrize(
    "change, error, message",
    [
        (lambda s: {**s, "exp_avg": s["exp_avg"][:1]}, ValueError, r"expected 'exp_avg' to hold 2 floats .*got 1"),
        (lambda s: {**s, "exp_avg_sq": [*s["exp_avg_sq"], 0.0]}, ValueError, r"'exp_avg_sq' to hold 2 floats .*got 3"),
        (lambda s: {**s, "exp_avg": "ab"}, TypeError, r"'exp_avg' to be a list of 2 floats, got 'ab' \(str\)"),
        (lambda s: {**s, "exp_avg_sq": [0.0, "x"]}, TypeError, r"exp_avg_sq\[1\]: expected a real number, got 'x'"),
        (lambda s: {k: v for k, v in s.items() if k != "exp_avg"}, ValueError, r"missing \['exp_avg'\]"),
        (lambda s: {**s, "momentum_buffer": [0.0, 0.0]}, ValueError, r"unexpected \['momentum_buffer'\]"),
        (lambda s: {**s, "step_count": True}, TypeError, r"'step_count' to be an int >= 0, got True \(bool\)"),
        (lambda s: {**s, "step_count": -1}, ValueError, r"'step_count' to be an int >= 0, got -1"),
        (lambda s: [1, 2], TypeError, r"expected a dict, got \[1, 2\] \(list\)"),
    ],
)
def test_optimizer_load_state_dict_bad_state_raises_and_changes_nothing(change, error, message):
    opt = Adam(make_params([1.0, 2.0]))
    train(opt, 0, 2)
    before = opt.state_dict()
    good_elsewhere = Adam(make_params([0.0, 0.0]))
    train(good_elsewhere, 0, 5)
    with pytest.raises(error, match=message):
        opt.load_state_dict(change(good_elsewhere.state_dict()))
    assert opt.state_dict() == before


def test_optimizer_load_state_dict_rejects_another_optimizer_s_state():
    sgd = SGD([Value(1.0)], lr=0.1, momentum=0.9)
    adam = Adam([Value(1.0)])
    with pytest.raises(ValueError, match=r"missing \['momentum_buffer'\], unexpected \['exp_avg', 'exp_avg_sq'\]"):
        sgd.load_state_dict(adam.state_dict())
    assert sgd.state_dict() == {"step_count": 0, "momentum_buffer": [0.0]}


def test_optimizer_repr_names_the_hyperparameters():
    text = repr(SGD([Value(1.0), Value(2.0)], lr=0.1, momentum=0.9))
    assert text == "SGD(2 params, lr=0.1, momentum=0.9, weight_decay=0.0, step_count=0)"
    assert "betas=(0.9, 0.999)" in repr(Adam([Value(1.0)]))


# --- the update on arrays (fit(compile=True) holds the parameters in one) ---


@pytest.mark.parametrize(
    "make",
    [lambda ps: SGD(ps, lr=0.1), lambda ps: SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01),
     lambda ps: Adam(ps, lr=0.01), lambda ps: Adam(ps, lr=lambda t: 0.1 / (t + 1), betas=(0.8, 0.9), weight_decay=0.1)],
    ids=["sgd", "sgd-momentum-decay", "adam", "adam-schedule-decay"],
)
def test_optimizer_step_arrays_is_step_bit_for_bit(make):
    np = pytest.importorskip("numpy")
    data = [0.5, -1.25, 3.0, 1e-3, -7.5]
    on_values, on_arrays = make(make_params(data)), make(make_params(data))
    theta, buffers = np.array(data), {k: np.array(v) for k, v in on_arrays.buffers().items()}
    for k in range(4):
        for p, g in zip(on_values.params, grads_at(k, len(data))):
            p.grad = g
        on_values.step()
        on_arrays.step_arrays(theta, np.array(grads_at(k, len(data))), buffers)
    assert theta.tolist() == [p.data for p in on_values.params], "the same float operations"
    on_arrays.load_buffers(buffers)
    assert on_arrays.state_dict() == on_values.state_dict() and on_arrays.updates_arrays()
    assert [p.data for p in on_arrays.params] == data, "the Values are left to whoever holds the array"


def test_optimizer_step_arrays_refuses_an_optimizer_whose_update_it_does_not_write():
    np = pytest.importorskip("numpy")

    class Halved(SGD):
        def _update(self, lr: float) -> None:
            super()._update(lr / 2)

    class Same(SGD):
        pass

    halved = Halved(make_params([1.0]), lr=0.1)
    assert not halved.updates_arrays() and Same(make_params([1.0]), lr=0.1).updates_arrays()
    with pytest.raises(TypeError, match=r"Halved.step_arrays: expected an optimizer whose class writes its update"):
        halved.step_arrays(np.array([1.0]), np.array([1.0]), {})
