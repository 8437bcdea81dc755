"""The functional API over the one backward loop: ``grad`` and ``gradcheck``; and forward mode, ``jvp``."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Literal, Union, overload

from engine import graph, switches
from engine.modes import no_grad
from engine.value import Value, describe, to_float

#: What seeds a backward pass: ∂C/∂output, a number (or, under ``create_graph``, a Value).
Seed = Union[Value, float]

#: The one default of gradcheck, gradgradcheck and engine.testing.check_gradients: central differences with this
#: step (float64: truncation ~eps², rounding ~1e-16/eps), and |backward - numeric| <= ATOL + RTOL·|numeric|.
EPS, ATOL, RTOL = 1e-6, 1e-6, 1e-4


class GradcheckError(AssertionError):
    """``gradcheck`` found a derivative that disagrees with central differences."""


def _check_inputs(inputs: object, what: str) -> list[Value]:
    if isinstance(inputs, Value) or not isinstance(inputs, (list, tuple)):
        raise TypeError(f"{what}: expected a list of Values, got {describe(inputs)}")
    for i, x in enumerate(inputs):
        if type(x) is not Value:
            raise TypeError(f"{what}: expected a list of Values, item {i} is {describe(x)}")
    return list(inputs)


def _seed(x: object, create_graph: bool, what: str) -> Any:
    """A seed of a pass (a gradient at the output, a tangent at an input) as a float, or, under ``create_graph``, a
    Value itself (the results then depend on it); a Value seed outside ``create_graph`` counts by its number."""
    if type(x) is Value:
        return x if create_graph else x.data
    return to_float(x, what)


@overload
def grad(
    output: Value, inputs: Sequence[Value], create_graph: Literal[False] = False, grad_output: Seed = 1.0
) -> list[float]: ...
@overload
def grad(
    output: Value, inputs: Sequence[Value], create_graph: Literal[True], grad_output: Seed = 1.0
) -> list[Value]: ...
@overload
def grad(output: Value, inputs: Sequence[Value], create_graph: bool, grad_output: Seed = 1.0) -> list[Any]: ...


def grad(output: Value, inputs: Sequence[Value], create_graph: bool = False, grad_output: Seed = 1.0) -> list[Any]:
    """d(output)/d(input) for each input, times ``grad_output``, changing no ``.grad``.

    An input that ``output`` does not depend on gets 0. With ``create_graph=True`` the
    results are Values built from the op table's partials, so they can be differentiated
    again (second and higher derivatives); otherwise they are floats. ``grad_output`` seeds the
    output, as PyTorch's ``torch.autograd.grad(..., grad_outputs=g)``: ∂C/∂output for some outer C
    (default 1.0), so each result is ∂C/∂input. Under ``create_graph`` it may be a Value, and the
    results then depend on it too; otherwise a Value seed counts by its number.
    """
    if type(output) is not Value:
        raise TypeError(f"grad(output, ...): expected a Value, got {describe(output)}")
    xs = _check_inputs(inputs, "grad(output, inputs)")
    seed = _seed(grad_output, create_graph, "grad(grad_output=...)")
    order = graph.topological_order(output)
    held = [node.grad for node in order]  # put back afterwards: grad() changes no .grad
    try:
        for node in order:
            node.grad = 0.0
        output.grad = seed
        graph.backprop(order, create_graph=create_graph)
        in_graph = set(order)
        results: list[Any] = [x.grad if x in in_graph else 0.0 for x in xs]
    finally:
        for node, before in zip(order, held):
            node.grad = before
    if create_graph:
        return [g if type(g) is Value else Value(g) for g in results]
    return results


def jvp(
    f: Callable[..., Value], primals: Sequence[Value | float], tangents: Sequence[Seed], create_graph: bool = False
) -> tuple[Any, Any]:
    """Forward mode: ``f``'s value at ``primals`` and its directional derivative along ``tangents``,
    Σᵢ ∂f/∂xᵢ · ẋᵢ, as autograd's and JAX's ``jvp``.

    ``f`` gets one Value per primal (as ``gradcheck``'s f does) and returns a Value. A primal is a number (made a
    leaf labelled ``x0``, ``x1``, …) or a Value, used itself (a model's parameter, which ``f`` may reach by itself as
    well); a tangent is a number, the rate at which that primal moves. ``f`` runs once, recorded (even inside
    ``no_grad()``), then the tangents are pushed forward through its graph in topological order, each op's partials
    from the table times its inputs' tangents (``engine.graph.push_tangents``). Returns two floats; with
    ``create_graph=True`` two Values, the output and its tangent, a graph that can be differentiated again (a
    tangent may then be a Value too).

    One pass gives one directional derivative: every ∂f/∂xᵢ takes one pass per input (each unit vector in turn),
    where ``grad`` gets them all from one backward pass.
    """
    if not callable(f):
        raise TypeError(f"jvp(f, ...): expected a callable, got {describe(f)}")
    for what, xs in (("primals", primals), ("tangents", tangents)):
        if isinstance(xs, (str, bytes, Value)) or not isinstance(xs, Sequence):
            raise TypeError(f"jvp(f, primals, tangents): expected {what} as a list, got {describe(xs)}")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: expected one tangent per primal, got {len(primals)} primals and {len(tangents)} "
                         "tangents")
    inputs = [x if type(x) is Value else Value(to_float(x, f"jvp primals[{i}]"), label=f"x{i}")
              for i, x in enumerate(primals)]
    seeds: dict[Value, Any] = {}
    for i, (x, t) in enumerate(zip(inputs, tangents)):
        t = _seed(t, create_graph, f"jvp tangents[{i}]")
        seeds[x] = seeds[x] + t if x in seeds else t  # a Value given twice moves at both rates
    previous = switches.set_grad_enabled(True)  # the tangents walk f's graph: record it even inside no_grad()
    try:
        out = _root("jvp", f, inputs)
    finally:
        switches.set_grad_enabled(previous)
    tangent = graph.push_tangents(graph.topological_order(out), seeds, create_graph).get(out, 0.0)
    if create_graph:
        return out, tangent if type(tangent) is Value else Value(tangent)
    return out.data, tangent


def _checked_point(
    what: str, f: object, inputs: object, eps: float, atol: float, rtol: float
) -> list[float]:
    """The inputs of ``gradcheck``/``gradgradcheck`` as floats, after checking every argument."""
    if not callable(f):
        raise TypeError(f"{what}(f, ...): expected a callable, got {describe(f)}")
    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Sequence) or not inputs:
        raise TypeError(f"{what}(f, inputs): expected a non-empty list of numbers, got {describe(inputs)}")
    for name, tol in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if not (to_float(tol, f"{what}({name}=...)") >= 0.0 and math.isfinite(tol)):
            raise ValueError(f"{what}: expected a finite {name} >= 0, got {tol!r}")
    if eps == 0.0:
        raise ValueError(f"{what}: expected eps > 0, got 0.0")
    return [to_float(x, f"{what} inputs[{i}]") for i, x in enumerate(inputs)]


def _root(what: str, f: Callable[..., Value], xs: list[Value]) -> Value:
    out = f(*xs)
    if type(out) is not Value:
        raise TypeError(f"{what}: f must return a Value, it returned {describe(out)}")
    return out


def _compare(
    what: str,
    point: list[float],
    analytic: Callable[[int, int], float],
    numeric_at: Callable[[list[float]], list[float]],
    names: Callable[[int, int], str],
    eps: float,
    atol: float,
    rtol: float,
) -> None:
    """Central differences of ``numeric_at`` (a list of outputs) along each input j, against
    ``analytic(i, j)`` = d output i / d input j; raise ``GradcheckError`` at the first mismatch."""
    for j, x in enumerate(point):
        plus = numeric_at([*point[:j], x + eps, *point[j + 1:]])
        minus = numeric_at([*point[:j], x - eps, *point[j + 1:]])
        for i in range(len(plus)):
            numeric = (plus[i] - minus[i]) / (2.0 * eps)
            exact = analytic(i, j)
            tolerance = atol + rtol * abs(numeric)
            if not abs(exact - numeric) <= tolerance:
                raise GradcheckError(
                    f"{what}: {names(i, j)} at {point}: backward gives {exact!r}, central differences give "
                    f"{numeric!r} (eps={eps}); |difference| = {abs(exact - numeric):.3g} exceeds the tolerance "
                    f"atol + rtol·|numeric| = {tolerance:.3g}"
                )


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float],
    eps: float = EPS,
    atol: float = ATOL,
    rtol: float = RTOL,
) -> bool:
    """Compare backward's gradient of ``f`` with central differences at the point ``inputs``.

    ``f`` gets one Value per input and returns a Value. For each input i,
    ``(f(x + eps·eᵢ) - f(x - eps·eᵢ)) / (2·eps)`` must agree with ∂f/∂xᵢ within
    ``atol + rtol·|numeric|``. Returns True, or raises ``GradcheckError`` naming the first
    input that disagrees, both numbers and the tolerance.
    """
    point = _checked_point("gradcheck", f, inputs, eps, atol, rtol)
    xs = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    first = grad(_root("gradcheck", f, xs), xs)

    def value_at(at: list[float]) -> list[float]:
        with no_grad():
            return [_root("gradcheck", f, [Value(x) for x in at]).data]

    _compare("gradcheck", point, lambda i, j: first[j], value_at, lambda i, j: f"d f/d input {j}", eps, atol, rtol)
    return True


def gradgradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float],
    eps: float = EPS,
    atol: float = ATOL,
    rtol: float = RTOL,
) -> bool:
    """Compare second derivatives from ``grad(..., create_graph=True)`` with central differences
    of the first derivatives.

    For each pair (i, j): ∂²f/∂xⱼ∂xᵢ, differentiated through the graph of ∂f/∂xᵢ, must agree with
    ``(∂f/∂xᵢ(x + eps·eⱼ) - ∂f/∂xᵢ(x - eps·eⱼ)) / (2·eps)`` within ``atol + rtol·|numeric|``.
    Returns True or raises ``GradcheckError``.
    """
    point = _checked_point("gradgradcheck", f, inputs, eps, atol, rtol)
    xs = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    firsts = grad(_root("gradgradcheck", f, xs), xs, create_graph=True)
    second = [grad(g, xs) for g in firsts]

    def first_at(at: list[float]) -> list[float]:
        vs = [Value(x) for x in at]
        return grad(_root("gradgradcheck", f, vs), vs)

    def names(i: int, j: int) -> str:
        return f"d²f/d input {j} d input {i} (double backward)"

    _compare("gradgradcheck", point, lambda i, j: second[i][j], first_at, names, eps, atol, rtol)
    return True
