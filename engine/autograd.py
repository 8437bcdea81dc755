"""The functional API over the one backward loop: ``grad`` and ``gradcheck``."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Literal, overload

from engine import graph
from engine.modes import no_grad
from engine.value import Value, _describe, to_float


class GradcheckError(AssertionError):
    """``gradcheck`` found a derivative that disagrees with central differences."""


def _check_inputs(inputs: object, what: str) -> list[Value]:
    if isinstance(inputs, Value) or not isinstance(inputs, (list, tuple)):
        raise TypeError(f"{what}: expected a list of Values, got {_describe(inputs)}")
    for i, x in enumerate(inputs):
        if type(x) is not Value:
            raise TypeError(f"{what}: expected a list of Values, item {i} is {_describe(x)}")
    return list(inputs)


@overload
def grad(output: Value, inputs: Sequence[Value], create_graph: Literal[False] = False) -> list[float]: ...
@overload
def grad(output: Value, inputs: Sequence[Value], create_graph: Literal[True]) -> list[Value]: ...
@overload
def grad(output: Value, inputs: Sequence[Value], create_graph: bool) -> list[Any]: ...


def grad(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list[Any]:
    """d(output)/d(input) for each input, changing no ``.grad``.

    An input that ``output`` does not depend on gets 0. With ``create_graph=True`` the
    results are Values built from the op table's partials, so they can be differentiated
    again (second and higher derivatives); otherwise they are floats.
    """
    if type(output) is not Value:
        raise TypeError(f"grad(output, ...): expected a Value, got {_describe(output)}")
    xs = _check_inputs(inputs, "grad(output, inputs)")
    order = graph.topological_order(output)
    held = [node.grad for node in order]  # put back afterwards: grad() changes no .grad
    try:
        for node in order:
            node.grad = 0.0
        output.grad = 1.0
        graph.backprop(order, create_graph=create_graph)
        in_graph = set(order)
        results: list[Any] = [x.grad if x in in_graph else 0.0 for x in xs]
    finally:
        for node, before in zip(order, held):
            node.grad = before
    if create_graph:
        return [g if type(g) is Value else Value(g) for g in results]
    return results


def _evaluate(f: Callable[..., Value], point: Sequence[float]) -> float:
    with no_grad():
        out = f(*[Value(x) for x in point])
    return out.data


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Compare backward's gradient of ``f`` with central differences at the point ``inputs``.

    ``f`` gets one Value per input and returns a Value. For each input i,
    ``(f(x + eps·eᵢ) - f(x - eps·eᵢ)) / (2·eps)`` must agree with ∂f/∂xᵢ within
    ``atol + rtol·|numeric|``. Returns True, or raises ``GradcheckError`` naming the first
    input that disagrees, both numbers and the tolerance.
    """
    if not callable(f):
        raise TypeError(f"gradcheck(f, ...): expected a callable, got {_describe(f)}")
    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Sequence) or not inputs:
        raise TypeError(f"gradcheck(f, inputs): expected a non-empty list of numbers, got {_describe(inputs)}")
    point = [to_float(x, f"gradcheck inputs[{i}]") for i, x in enumerate(inputs)]
    for name, tol in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if not (to_float(tol, f"gradcheck({name}=...)") >= 0.0 and math.isfinite(tol)):
            raise ValueError(f"gradcheck: expected a finite {name} >= 0, got {tol!r}")
    if eps == 0.0:
        raise ValueError("gradcheck: expected eps > 0, got 0.0")
    xs = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    out = f(*xs)
    if type(out) is not Value:
        raise TypeError(f"gradcheck: f must return a Value, it returned {_describe(out)}")
    analytic = grad(out, xs)
    for i, x in enumerate(point):
        plus = _evaluate(f, [*point[:i], x + eps, *point[i + 1:]])
        minus = _evaluate(f, [*point[:i], x - eps, *point[i + 1:]])
        numeric = (plus - minus) / (2.0 * eps)
        tolerance = atol + rtol * abs(numeric)
        if not abs(analytic[i] - numeric) <= tolerance:
            raise GradcheckError(
                f"gradcheck: d f/d input {i} at {point}: backward gives {analytic[i]!r}, "
                f"central differences give {numeric!r} (eps={eps}); |difference| = "
                f"{abs(analytic[i] - numeric):.3g} exceeds the tolerance atol + rtol·|numeric| = {tolerance:.3g}"
            )
    return True


def gradgradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Compare second derivatives from ``grad(..., create_graph=True)`` with central differences
    of the first derivatives.

    For each pair (i, j): ∂²f/∂xⱼ∂xᵢ, differentiated through the graph of ∂f/∂xᵢ, must agree with
    ``(∂f/∂xᵢ(x + eps·eⱼ) - ∂f/∂xᵢ(x - eps·eⱼ)) / (2·eps)`` within ``atol + rtol·|numeric|``.
    Returns True or raises ``GradcheckError``.
    """
    point = [to_float(x, f"gradgradcheck inputs[{i}]") for i, x in enumerate(inputs)]

    def first(at: list[float]) -> list[float]:
        xs = [Value(x) for x in at]
        return grad(f(*xs), xs)

    xs = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    out = f(*xs)
    if type(out) is not Value:
        raise TypeError(f"gradgradcheck: f must return a Value, it returned {_describe(out)}")
    firsts = grad(out, xs, create_graph=True)
    for j, x in enumerate(point):
        plus = first([*point[:j], x + eps, *point[j + 1:]])
        minus = first([*point[:j], x - eps, *point[j + 1:]])
        for i, g in enumerate(firsts):
            analytic = grad(g, [xs[j]])[0]
            numeric = (plus[i] - minus[i]) / (2.0 * eps)
            tolerance = atol + rtol * abs(numeric)
            if not abs(analytic - numeric) <= tolerance:
                raise GradcheckError(
                    f"gradgradcheck: d²f/d input {j} d input {i} at {point}: double backward gives {analytic!r}, "
                    f"central differences of the first derivative give {numeric!r} (eps={eps}); |difference| = "
                    f"{abs(analytic - numeric):.3g} exceeds the tolerance atol + rtol·|numeric| = {tolerance:.3g}"
                )
    return True
