"""The project's shape: the engine's modules import one another in one direction (the layers its docstring names),
nothing outside the standard library but numpy (the numpy runners) and hypothesis (engine.testing); the packages
stand on each other as engine ← nn ← viz ← playground ← glassgrad, no module reaches itself through its imports,
and no function is longer than a reader takes in at once."""

import ast
import importlib
import importlib.util
import re
import sys
from pathlib import Path

import pytest

import engine
from engine import Value, primitives
from engine.batch import RUNNERS

ENGINE = Path(engine.__file__).parent
MODULES = {("engine" if p.stem == "__init__" else f"engine.{p.stem}"): p for p in sorted(ENGINE.glob("*.py"))}

#: The packages each module may import from outside the standard library.
OUTSIDE = {"engine.numpy_runner": {"numpy"}, "engine.matrix_runner": {"numpy"}, "engine.testing": {"hypothesis"}}

#: The runners that use numpy.
NUMPY_RUNNERS = {"numpy", "matrix"}

#: The longest function, in lines.
MAX_FUNCTION_LINES = 120


def _imports(module: str) -> list[str]:
    """Every module ``module`` imports, at its top, inside functions and under ``TYPE_CHECKING`` alike (``_owner``)."""
    found = []
    for node in ast.walk(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [_owner(alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0 and node.module, f"{module}: a relative import"
            found += [_owner(f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _owner(name: str) -> str:
    """The module an import of ``name`` loads: an engine module by its name (``engine.switches.x`` is
    ``engine.switches``; ``engine.Value`` is the package, ``engine``), any other by its top-level package."""
    top = name.split(".")[0]
    if top != "engine":
        return top
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def _engine_graph() -> dict[str, set[str]]:
    """Module -> the engine modules it imports (the package's re-exports left out: ``engine/__init__`` imports every
    module it names), with ``engine.batch``'s runners, which it loads by their module's name."""
    graph = {m: {i for i in _imports(m) if i in MODULES and i != m} for m in MODULES if m != "engine"}
    graph["engine.batch"] |= {runner.module for runner in RUNNERS.values()}
    return graph


def _layers() -> list[set[str]]:
    """The layers ``engine``'s docstring names, lowest first: ``switches, fmath → primitives → …``."""
    text = engine.__doc__ or ""
    chain = " ".join(line.strip() for line in text.splitlines() if "→" in line and "``" not in line)
    return [{f"engine.{name.strip()}" for name in layer.split(",")} for layer in chain.split("→")]


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of ``graph`` (its modules in order, the first repeated at the end), or None."""
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt, [*path, nxt])):
                return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_layers_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_engine_imports_have_no_cycle():
    cycle = _cycle(_engine_graph())
    assert cycle is None, f"an import circle: {' → '.join(cycle or [])}"


def test_engine_modules_import_nothing_from_the_package_itself():
    """``from engine import Value`` inside the engine would import ``engine/__init__``, which imports every module."""
    for module in MODULES:
        if module != "engine":
            assert "engine" not in _imports(module), f"{module} imports the package engine; import the module"


def test_engine_imports_follow_the_layers_its_docstring_names():
    layers = _layers()
    assert set().union(*layers) == set(MODULES) - {"engine"}, "every engine module in exactly one layer"
    assert sum(map(len, layers)) == len(MODULES) - 1
    level = {module: k for k, layer in enumerate(layers) for module in layer}
    for module, imported in _engine_graph().items():
        for other in imported:
            assert level[other] < level[module], f"{module} imports {other}, which stands above it or beside it"


def test_engine_imports_only_the_standard_library_but_numpy_and_hypothesis():
    for module in MODULES:
        outside = {name for name in _imports(module) if name.split(".")[0] != "engine"}
        foreign = {name for name in outside if name not in sys.stdlib_module_names and name != "__future__"}
        assert foreign <= OUTSIDE.get(module, set()), f"{module} imports {sorted(foreign)}"


def test_engine_loads_numpy_only_for_the_numpy_runners():
    runners = {RUNNERS[name].module for name in NUMPY_RUNNERS}
    assert all("numpy" not in _imports(m) for m in MODULES if m not in runners)
    assert all(RUNNERS[name].needs == "numpy" for name in NUMPY_RUNNERS)
    assert all(r.needs is None for k, r in RUNNERS.items() if k not in NUMPY_RUNNERS)


def test_engine_runners_are_modules_with_run():
    for name, runner in RUNNERS.items():
        if runner.needs is None or importlib.util.find_spec(runner.needs) is not None:
            assert callable(importlib.import_module(runner.module).run), name


#: The one-argument primitives that make a node of a Value (the 0/1 ones give a constant float).
ONE_ARGUMENT = sorted(
    name for name, fn in vars(primitives).items()
    if hasattr(fn, "on_floats") and name not in {"power", "total", "logsumexp", *primitives.CONSTANT_ON_VALUES}
)


@pytest.mark.parametrize("name", ONE_ARGUMENT)
def test_primitives_on_a_value_apply_the_values_method_of_their_name(name):
    """A primitive on a Value calls the Value's method of its name (engine.primitives does not import engine.value)."""
    x = Value(0.5)
    y = getattr(primitives, name)(x)
    assert type(y) is Value and y.op == name and y.parents == (x,)
    assert repr(y.data) == repr(primitives.PRIMITIVES[name](0.5))  # acosh(0.5) is nan


def test_primitives_on_values_cover_power_and_the_constants_and_refuse_the_rest():
    x = Value(2.0)
    assert primitives.power(x, 3.0).data == 8.0 and primitives.power(x, 3.0).op == "pow"
    assert primitives.power(3, x).op == "vpow" and primitives.power(3, x).parents[0].is_constant
    assert primitives.step(x) == 1.0 and primitives.sign(Value(-2.0)) == -1.0
    with pytest.raises(TypeError, match=re.escape("exp(): expected a float, a Value or a Sym, got 'x' (str)")):
        primitives.exp("x")


# -- the project: engine ← nn ← viz ← playground ← glassgrad ------------------------------------------------

ROOT = ENGINE.parent
#: the packages, lowest first: each may import only those before it (and itself)
PACKAGES = ("engine", "nn", "viz", "playground", "glassgrad")
#: what each package may import from outside the standard library and the project
THIRD_PARTY = {
    "engine": {"numpy", "hypothesis"},
    "nn": {"tqdm", "sklearn", "torch"},
    "viz": {"graphviz", "graphviz_pure", "matplotlib", "numpy", "PIL", "IPython"},
    "playground": {"numpy", "starlette", "uvicorn", "h11", "anywidget", "traitlets"},
    "glassgrad": set(),
}


def _project_modules() -> dict[str, Path]:
    """Every module of the project's packages by its dotted name (a package's ``__init__`` by the package's)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


PROJECT = _project_modules()


def _project_imports(path: Path) -> set[str]:
    """The modules a file imports (top level, in functions, under ``TYPE_CHECKING``): a project module by its
    name (``from nn import losses`` is ``nn.losses``, ``from nn import MLP`` the package ``nn``), any other by
    its top-level package."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    owners = set()
    for name in names:
        if name.split(".")[0] not in PACKAGES:
            owners.add(name.split(".")[0])
            continue
        while name not in PROJECT:
            name = name.rpartition(".")[0]
        owners.add(name)
    return owners


def test_packages_import_only_the_packages_below_them():
    rank = {package: k for k, package in enumerate(PACKAGES)}
    for module, path in PROJECT.items():
        own = module.split(".")[0]
        for other in _project_imports(path):
            top = other.split(".")[0]
            if top in rank:
                assert rank[top] <= rank[own], f"{module} imports {other}: {top} stands above {own}"


def test_packages_import_only_their_declared_third_party_packages():
    for module, path in PROJECT.items():
        own = module.split(".")[0]
        outside = {name for name in _project_imports(path) if name.split(".")[0] not in PACKAGES}
        foreign = {name for name in outside if name not in sys.stdlib_module_names and name != "__future__"}
        assert foreign <= THIRD_PARTY[own], f"{module} imports {sorted(foreign - THIRD_PARTY[own])}"


def test_project_modules_import_without_a_circle():
    """No module reaches itself through imports (a package's ``__init__``, which imports its modules to re-export
    them, left out as a target)."""
    graph = {m: {i for i in _project_imports(p) if i in PROJECT and i not in PACKAGES and i != m}
             for m, p in PROJECT.items()}
    cycle = _cycle(graph)
    assert cycle is None, f"an import circle: {' → '.join(cycle or [])}"


def test_project_functions_fit_in_120_lines():
    for module, path in PROJECT.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                assert lines <= MAX_FUNCTION_LINES, f"{module}.{node.name}: {lines} lines"
