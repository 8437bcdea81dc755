"""Module: parameters and their names, zero_grad, state_dict, and saving/loading models as JSON.

The file format is JSON with a format name and a version; a save goes through a temporary
file renamed over the target, so a crash mid-save never loses the previous file; a load
never runs code, and every problem with a file is a ValueError that says what was wrong,
leaving nothing half-changed.
"""

import json
import math
import os
import pickle
import re
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn.files
import nn.network
from engine import Value
from nn import MLP, Layer, Neuron
from nn.losses import cross_entropy
from nn.module import FORMAT, VERSION

X = [0.5, -1.25]


def perturbed(model, seed=7):
    """``model`` with every parameter (biases too, which start at 0) set to a distinct non-round value."""
    state = {name: math.sin(seed + 1.37 * i) * 1.7 for i, name in enumerate(model.state_dict())}
    model.load_state_dict(state)
    return model


def bits(state):
    """A state dict with every float as its exact hex form, so == means bit-identical."""
    return {name: float(v).hex() for name, v in state.items()}


def outputs(model, x):
    out = model(x)
    return [v.data for v in (out if isinstance(out, list) else [out])]


def folder_listing(folder):
    return sorted(os.listdir(folder))


# --- round trip -----------------------------------------------------------------------------------------------------


def test_mlp_save_load_round_trip_is_exact(tmp_path):
    model = perturbed(MLP(2, [4, 3], activation="tanh", output="softmax", seed=1))
    path = tmp_path / "model.json"
    assert model.save(path) == path
    loaded = MLP.load(path)
    assert type(loaded) is MLP
    assert loaded.config() == model.config() == {"nin": 2, "nouts": [4, 3], "activation": "tanh", "output": "softmax"}
    assert list(loaded.state_dict()) == list(model.state_dict())  # same names, same order
    assert bits(loaded.state_dict()) == bits(model.state_dict())
    assert outputs(loaded, X) == outputs(model, X)  # exactly equal, not merely close
    assert math.isclose(sum(outputs(loaded, X)), 1.0, rel_tol=1e-12)  # the softmax output survived the trip


def test_mlp_save_load_round_trip_of_fresh_weights_without_perturbing(tmp_path):
    model = MLP(2, [4, 3], activation="tanh", output="softmax", seed=1)
    model.save(tmp_path / "m.json")
    loaded = MLP.load(tmp_path / "m.json")
    assert bits(loaded.state_dict()) == bits(model.state_dict())
    assert outputs(loaded, X) == outputs(model, X)


@pytest.mark.parametrize(
    "model, x",
    [
        (Neuron(3, activation="sigmoid", seed=2), [0.1, -0.2, 0.3]),
        (Neuron(1, activation="linear", seed=5), [2.5]),
        (Layer(3, 2, activation="tanh", seed=3), [0.1, -0.2, 0.3]),
        (Layer(2, 4, activation="leaky_relu", seed=4), [-0.4, 0.9]),
    ],
    ids=["neuron-sigmoid", "neuron-linear", "layer-tanh", "layer-leaky_relu"],
)
def test_neuron_and_layer_save_load_round_trip_is_exact(tmp_path, model, x):
    model = perturbed(model)
    model.save(tmp_path / "part.json")
    loaded = type(model).load(tmp_path / "part.json")
    assert type(loaded) is type(model)
    assert loaded.config() == model.config()
    assert bits(loaded.state_dict()) == bits(model.state_dict())
    assert outputs(loaded, x) == outputs(model, x)


def test_saved_file_is_json_with_format_version_model_config_and_parameters(tmp_path):
    model = perturbed(MLP(2, [4, 3], activation="tanh", output="softmax", seed=1))
    path = model.save(tmp_path / "model.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert set(doc) == {"format", "version", "model", "config", "parameters"}
    assert doc["format"] == FORMAT == "glassgrad-model"
    assert doc["version"] == VERSION == 1
    assert doc["model"] == "MLP"
    assert doc["config"] == model.config()
    assert list(doc["parameters"]) == [name for name, _ in model.named_parameters()]
    assert bits(doc["parameters"]) == bits(model.state_dict())  # JSON's float text is exact (repr round-trips)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.lists(
        st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True), min_size=12, max_size=12
    )
)
def test_layer_save_load_round_trip_keeps_any_finite_floats_bit_for_bit(tmp_path, values):
    model = Layer(3, 3, activation="relu", seed=0)  # 3·(3 + 1) = 12 parameters
    model.load_state_dict(dict(zip(model.state_dict(), values)))
    model.save(tmp_path / "layer.json")
    assert bits(Layer.load(tmp_path / "layer.json").state_dict()) == bits(model.state_dict())


def test_save_over_an_existing_file_replaces_it_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [3], seed=1).save(path)
    second = perturbed(MLP(2, [4, 3], seed=2))
    second.save(path)
    assert bits(MLP.load(path).state_dict()) == bits(second.state_dict())
    assert folder_listing(tmp_path) == ["model.json"]


def test_save_accepts_a_str_path(tmp_path):
    model = perturbed(MLP(2, [3], seed=1))
    model.save(str(tmp_path / "model.json"))
    assert bits(MLP.load(str(tmp_path / "model.json")).state_dict()) == bits(model.state_dict())


# --- state_dict / load_state_dict -----------------------------------------------------------------------------------


def test_state_dict_load_state_dict_round_trip_copies_every_parameter():
    source = perturbed(MLP(2, [4, 3], activation="tanh", seed=1))
    target = MLP(2, [4, 3], activation="tanh", seed=2)
    assert bits(target.state_dict()) != bits(source.state_dict())
    target.load_state_dict(json.loads(json.dumps(source.state_dict())))
    assert bits(target.state_dict()) == bits(source.state_dict())
    assert outputs(target, X) == outputs(source, X)


def test_state_dict_is_a_snapshot_not_a_view():
    model = perturbed(MLP(2, [3], seed=1))
    state = model.state_dict()
    before = bits(state)
    state["layers.0.neurons.0.b"] = 123.0
    assert bits(model.state_dict()) == before
    model.parameters()[0].data = -9.0
    assert bits(state) != bits(model.state_dict())  # the earlier snapshot did not follow the model
    assert state["layers.0.neurons.0.w.0"] == float.fromhex(before["layers.0.neurons.0.w.0"])


def test_load_state_dict_accepts_ints_as_floats():
    model = Neuron(2, seed=0)
    model.load_state_dict({"w.0": 1, "w.1": -2, "b": 3})
    assert [type(p.data) for p in model.parameters()] == [float, float, float]
    assert [p.data for p in model.parameters()] == [1.0, -2.0, 3.0]


def _all_new_values_with(bad_name, bad_value):
    """Every parameter changed, except one name that gets a bad value (or is removed/added)."""

    def change(state):
        new = {name: v + 1.0 for name, v in state.items()}
        if bad_value is _MISSING:
            del new[bad_name]
        else:
            new[bad_name] = bad_value
        return new

    return change


_MISSING = object()
LAST = "layers.1.neurons.2.b"  # the last parameter of MLP(2, [4, 3]): everything before it would change first


@pytest.mark.parametrize(
    "change, message",
    [
        (_all_new_values_with("layers.0.neurons.0.w.0", _MISSING), "missing 1 ('layers.0.neurons.0.w.0')"),
        (_all_new_values_with(LAST, _MISSING), f"missing 1 ('{LAST}')"),
        (_all_new_values_with("layers.2.neurons.0.w.0", 0.5), "unexpected 1 ('layers.2.neurons.0.w.0')"),
        (_all_new_values_with(LAST, "0.5"), f"{LAST!r} must be a number, got '0.5' (str)"),
        (_all_new_values_with(LAST, True), f"{LAST!r} must be a number, got True (bool)"),
        (_all_new_values_with(LAST, None), f"{LAST!r} must be a number, got None (NoneType)"),
        (_all_new_values_with(LAST, [0.5]), f"{LAST!r} must be a number, got [0.5] (list)"),
        (_all_new_values_with(LAST, math.nan), f"{LAST!r} must be finite, got nan"),
        (_all_new_values_with(LAST, math.inf), f"{LAST!r} must be finite, got inf"),
        (_all_new_values_with(LAST, -math.inf), f"{LAST!r} must be finite, got -inf"),
        (_all_new_values_with(LAST, 10**400), f"{LAST!r} must be finite"),  # no float holds it: not an OverflowError
    ],
    ids=["missing-first", "missing-last", "extra", "str", "bool", "None", "list", "nan", "inf", "-inf", "huge-int"],
)
def test_load_state_dict_rejects_bad_state_with_value_error_and_changes_nothing(change, message):
    model = perturbed(MLP(2, [4, 3], seed=1))
    before = bits(model.state_dict())
    with pytest.raises(ValueError, match=re.escape(message)):
        model.load_state_dict(change(model.state_dict()))
    assert bits(model.state_dict()) == before


def test_load_state_dict_mismatch_message_counts_missing_and_unexpected_names():
    model = MLP(2, [4, 3], seed=1)
    other = MLP(2, [5, 3], seed=1).state_dict()  # another size: 5 hidden neurons instead of 4
    before = bits(model.state_dict())
    with pytest.raises(ValueError) as info:
        model.load_state_dict(other)
    message = str(info.value)
    assert "do not match this MLP's 27 parameters" in message
    # layer 0 gains neuron 4 (3 names); layer 1's neurons gain a w.4 each (3 names); nothing is missing
    assert "unexpected 6 ('layers.0.neurons.4.w.0', 'layers.0.neurons.4.w.1', 'layers.0.neurons.4.b', ...)" in message
    assert "missing" not in message
    assert bits(model.state_dict()) == before


def test_load_state_dict_rejects_a_non_mapping_with_type_error():
    model = Neuron(2, seed=0)
    with pytest.raises(TypeError, match=r"expected a dict of name -> number, got list"):
        model.load_state_dict([("w.0", 1.0), ("w.1", 2.0), ("b", 0.0)])


def test_load_state_dict_round_trips_a_large_model():
    model = MLP(2, [100, 100, 2], seed=0)  # 10,602 parameters
    other = MLP(2, [100, 100, 2], seed=1)
    other.load_state_dict(model.state_dict())
    assert other.state_dict() == model.state_dict()


# --- loading bad files ----------------------------------------------------------------------------------------------


def _valid_doc():
    return json.loads(json.dumps({
        "format": FORMAT,
        "version": VERSION,
        "model": "MLP",
        "config": MLP(2, [4, 3], seed=1).config(),
        "parameters": MLP(2, [4, 3], seed=1).state_dict(),
    }))


def _valid_text():
    return json.dumps(_valid_doc(), indent=2)


def _with(**changes):
    doc = _valid_doc()
    for key, value in changes.items():
        if value is _MISSING:
            del doc[key]
        else:
            doc[key] = value
    return json.dumps(doc)


def _with_config(**changes):
    doc = _valid_doc()
    doc["config"].update(changes)
    return json.dumps(doc)


def _with_parameter(text):
    """A valid file whose first parameter's value is the literal JSON token ``text`` (NaN, 1e999, ...)."""
    doc = _valid_doc()
    doc["parameters"]["layers.0.neurons.0.w.0"] = "@@"
    return json.dumps(doc).replace('"@@"', text)


def _count_parameters_built(monkeypatch, limit=100_000):
    """A list that grows by one per parameter Value that nn.network makes; the ``limit``-th fails, so a missing
    size check on a hostile file fails the test at once instead of eating all memory."""
    built = []

    def counting_value(*args, **kwargs):
        built.append(1)
        assert len(built) < limit, "MLP.load started building the huge network a file asks for"
        return Value(*args, **kwargs)

    monkeypatch.setattr(nn.network, "Value", counting_value)
    return built


# (file contents, or None for no file; what the message must say; whether it must name the file)
BAD_FILES = {
    "missing-file": (None, "no such file", True),
    "empty-file": ("", "is not valid JSON", True),
    "only-whitespace": ("  \n ", "is not valid JSON", True),
    "truncated-json": (_valid_text()[: len(_valid_text()) // 2], "is not valid JSON", True),
    "a-json-list": ("[1, 2, 3]", "expected a JSON object", True),
    "a-json-number": ("3.5", "got float", True),
    "wrong-format": (_with(format="pickle"), "is not a glassgrad model (format 'pickle')", True),
    "no-format": (_with(format=_MISSING), "is not a glassgrad model (format None)", True),
    "version-2": (_with(version=2), "has format version 2; this glassgrad reads version 1", True),
    "version-true": (_with(version=True), "has format version True", True),
    "version-string": (_with(version="1"), "has format version '1'", True),
    "a-layer-file": (_with(model="Layer"), "holds a 'Layer', not a MLP", True),
    "config-not-object": (_with(config=[2, [4, 3]]), "needs a 'config' object and a 'parameters' object", True),
    "no-parameters": (_with(parameters=_MISSING), "needs a 'config' object and a 'parameters' object", True),
    "config-unknown-key": (_with_config(dropout=0.5), "invalid config", True),
    "config-bad-activation": (_with_config(activation="swish"), "invalid config", True),
    "config-bad-nouts": (_with_config(nouts="43"), "invalid config", True),
    "config-huge-nouts": (_with_config(nouts=[10**9]), "describes a MLP of 3000000000 parameters but holds", True),
    "config-huge-nin": (_with_config(nin=10**9, nouts=[2]), "describes a MLP of 2000000002 parameters", True),
    "params-other-size": (
        _with(parameters=MLP(2, [5, 3], seed=1).state_dict()),
        "describes a MLP of 27 parameters but holds 33",
        True,
    ),
    "params-from-mlp-size-2-3": (_with(parameters=MLP(2, [3], seed=1).state_dict()), "but holds 9", True),
    "params-renamed": (
        _with(parameters={k.replace("w.", "weight."): v for k, v in MLP(2, [4, 3], seed=1).state_dict().items()}),
        "the names do not match this MLP's 27 parameters: missing 20",
        False,
    ),
    "param-bare-NaN": (_with_parameter("NaN"), "NaN is not a JSON number", True),
    "param-bare-Infinity": (_with_parameter("Infinity"), "Infinity is not a JSON number", True),
    "param-bare-minus-Infinity": (_with_parameter("-Infinity"), "-Infinity is not a JSON number", True),
    "param-1e999": (_with_parameter("1e999"), "must be finite, got inf", False),
    "param-huge-int": (_with_parameter("1" + "0" * 400), "must be finite", False),
    "param-string": (_with_parameter('"0.5"'), "must be a number, got '0.5' (str)", False),
    "param-null": (_with_parameter("null"), "must be a number, got None", False),
    "deeply-nested": ("[" * 100_000 + "]" * 100_000, "is not valid JSON", True),
}


@pytest.mark.parametrize("text, message, names_file", list(BAD_FILES.values()), ids=list(BAD_FILES))
def test_mlp_load_of_a_bad_file_is_a_value_error_saying_what_is_wrong(tmp_path, monkeypatch, text, message, names_file):
    _count_parameters_built(monkeypatch)
    path = tmp_path / "model.json"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as info:
        MLP.load(path)
    assert message in str(info.value)
    if names_file:
        assert str(info.value).startswith("MLP.load: ")
        assert repr(str(path)) in str(info.value)
    else:  # the file parsed, its parameters did not fit: the message names the parameter problem
        assert str(info.value).startswith("load_state_dict: ")
    assert folder_listing(tmp_path) == ([] if text is None else ["model.json"])  # load writes nothing


def test_mlp_load_of_a_huge_config_is_refused_without_allocating(tmp_path, monkeypatch):
    path = tmp_path / "huge.json"
    path.write_text(_with_config(nouts=[10**9]), encoding="utf-8")
    built = _count_parameters_built(monkeypatch)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="describes a MLP of 3000000000 parameters but holds"):
            MLP.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert built == []  # refused before a single parameter was made
    assert peak < 5_000_000  # bytes: nowhere near the 3·10⁹ parameters the file asks for


@pytest.mark.parametrize("cls, config", [(Layer, {"nin": 10**9, "nout": 2}), (Neuron, {"nin": 10**9})])
def test_layer_and_neuron_load_of_a_huge_config_is_refused_without_allocating(tmp_path, monkeypatch, cls, config):
    path = tmp_path / "huge.json"
    small = cls(**{**config, "nin": 2}, seed=0)
    small.save(path)
    doc = json.loads(path.read_text())
    doc["config"] = {**doc["config"], **config}
    path.write_text(json.dumps(doc))
    built = _count_parameters_built(monkeypatch)
    with pytest.raises(ValueError, match=f"describes a {cls.__name__} of .* parameters but holds"):
        cls.load(path)
    assert built == []


def test_mlp_load_of_non_utf8_bytes_is_a_value_error_naming_the_file(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(b"\xff\xfe\x00garbage\x80")
    with pytest.raises(ValueError, match="cannot read") as info:
        MLP.load(path)
    assert repr(str(path)) in str(info.value)


def test_mlp_load_of_a_folder_is_a_value_error_naming_it(tmp_path):
    with pytest.raises(ValueError, match="cannot read") as info:
        MLP.load(tmp_path)
    assert repr(str(tmp_path)) in str(info.value)


def test_neuron_and_layer_load_check_the_model_kind_too(tmp_path):
    MLP(2, [3], seed=0).save(tmp_path / "mlp.json")
    Layer(2, 3, seed=0).save(tmp_path / "layer.json")
    with pytest.raises(ValueError, match=r"holds a 'MLP', not a Layer"):
        Layer.load(tmp_path / "mlp.json")
    with pytest.raises(ValueError, match=r"holds a 'Layer', not a Neuron"):
        Neuron.load(tmp_path / "layer.json")


# --- loading never runs code ----------------------------------------------------------------------------------------


class _Payload:
    """Unpickling this creates the file ``sentinel``: a stand-in for any code an attacker might run."""

    def __init__(self, sentinel):
        self.sentinel = str(sentinel)

    def __reduce__(self):
        return (open, (self.sentinel, "w"))


@pytest.mark.parametrize("protocol", [0, pickle.HIGHEST_PROTOCOL])
def test_mlp_load_of_a_pickle_payload_is_a_value_error_and_runs_nothing(tmp_path, protocol):
    proof = tmp_path / "proof-the-payload-is-live"
    pickle.loads(pickle.dumps(_Payload(proof), protocol=protocol)).close()  # unpickling it does run code...
    assert proof.exists()

    sentinel = tmp_path / "pwned"
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(_Payload(sentinel), protocol=protocol))
    with pytest.raises(ValueError, match=re.escape(repr(str(path)))):
        MLP.load(path)
    assert not sentinel.exists()  # ...loading it as a model does not


@pytest.mark.parametrize(
    "template",
    [
        "__import__('pathlib').Path({sentinel!r}).touch()\n",
        "import pathlib; pathlib.Path({sentinel!r}).touch()\n",
        '{{"format": "glassgrad-model", "version": 1, "model": "MLP", '
        '"config": {{"nin": 2, "nouts": [3], "activation": "__import__(\'pathlib\').Path({sentinel!r}).touch()"}}, '
        '"parameters": {{}}}}',
        '{{"format": "glassgrad-model", "version": 1, "model": "MLP", '
        '"config": {{"nin": 2, "nouts": [3], "__class__": "os.system", "cmd": "touch {sentinel}"}}, '
        '"parameters": {{}}}}',
    ],
    ids=["python-expression", "python-statements", "code-in-a-json-string", "json-naming-a-callable"],
)
def test_mlp_load_of_code_is_a_value_error_and_runs_nothing(tmp_path, template):
    sentinel = tmp_path / "pwned"
    path = tmp_path / "model.json"
    path.write_text(template.format(sentinel=str(sentinel)), encoding="utf-8")
    with pytest.raises(ValueError):
        MLP.load(path)
    assert not sentinel.exists()


# --- atomic saves ---------------------------------------------------------------------------------------------------


class _HalfWritingFile:
    """A file whose ``write`` writes the first half of the text, then fails like a full disk."""

    def __init__(self, real, on_crash):
        self._real = real
        self._on_crash = on_crash

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._real.close()
        return False

    def write(self, text):
        self._real.write(text[: len(text) // 2])
        self._real.flush()
        self._on_crash()
        raise OSError(28, "No space left on device")

    def flush(self):
        self._real.flush()

    def fileno(self):
        return self._real.fileno()


def _inject(monkeypatch, where, on_crash):
    """Make ``write_text_atomic`` fail at ``where``, calling ``on_crash`` just before it does."""
    real_fdopen = os.fdopen

    def failing(error):
        def fail(*args, **kwargs):
            on_crash()
            raise error

        return fail

    if where == "write":
        monkeypatch.setattr(nn.files.os, "fdopen", lambda *a, **k: _HalfWritingFile(real_fdopen(*a, **k), on_crash))
    elif where == "fsync":
        monkeypatch.setattr(nn.files.os, "fsync", failing(OSError(5, "Input/output error")))
    elif where == "replace":
        monkeypatch.setattr(nn.files.os, "replace", failing(OSError(13, "Permission denied")))
    elif where == "interrupt":  # Ctrl-C in the middle: a BaseException, not an Exception
        monkeypatch.setattr(nn.files.os, "fsync", failing(KeyboardInterrupt()))
    else:
        raise AssertionError(where)


@pytest.mark.parametrize("where", ["write", "fsync", "replace", "interrupt"])
def test_a_crash_in_the_middle_of_a_save_keeps_the_previous_file_and_leaves_no_temporary(tmp_path, monkeypatch, where):
    path = tmp_path / "model.json"
    previous = perturbed(MLP(2, [4, 3], activation="tanh", seed=1))
    previous.save(path)
    old_bytes = path.read_bytes()
    at_crash = []

    def on_crash():  # what the folder looks like at the moment of the failure
        at_crash.append((folder_listing(tmp_path), path.read_bytes()))

    _inject(monkeypatch, where, on_crash)
    new = perturbed(MLP(2, [8, 8, 3], activation="relu", seed=2), seed=11)
    with pytest.raises((OSError, KeyboardInterrupt)):
        new.save(path)
    monkeypatch.undo()

    assert len(at_crash) == 1, "the injected failure was never reached"
    names, target_at_crash = at_crash[0]
    temporaries = [n for n in names if n != "model.json"]
    assert len(temporaries) == 1 and temporaries[0].startswith(".model.json.")  # written beside the target...
    assert target_at_crash == old_bytes  # ...which was still the old file while the new one was being written
    assert path.read_bytes() == old_bytes
    loaded = MLP.load(path)
    assert loaded.config() == previous.config()
    assert bits(loaded.state_dict()) == bits(previous.state_dict())
    assert folder_listing(tmp_path) == ["model.json"]  # the temporary file was removed


def test_save_writes_a_temporary_file_in_the_same_folder_then_renames_it(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    renames = []
    real_replace = os.replace

    def spy(src, dst):
        renames.append((os.fspath(src), os.fspath(dst), os.path.getsize(src)))
        real_replace(src, dst)

    monkeypatch.setattr(nn.files.os, "replace", spy)
    MLP(2, [3], seed=0).save(path)
    monkeypatch.undo()
    assert len(renames) == 1
    src, dst, size = renames[0]
    assert dst == str(path)
    assert os.path.dirname(src) == str(tmp_path) and src != dst  # same folder: the rename is atomic
    assert size == path.stat().st_size > 0  # the temporary was complete before the rename
    assert folder_listing(tmp_path) == ["model.json"]


def test_save_of_a_model_with_a_nan_parameter_is_refused_and_keeps_the_previous_file(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [3], seed=0).save(path)
    old_bytes = path.read_bytes()
    broken = MLP(2, [3], seed=1)
    broken.parameters()[0].data = math.nan
    with pytest.raises(ValueError, match="not JSON compliant"):
        broken.save(path)
    assert path.read_bytes() == old_bytes
    assert folder_listing(tmp_path) == ["model.json"]


def test_save_into_a_missing_folder_is_a_value_error_naming_the_folder(tmp_path):
    folder = tmp_path / "no" / "such" / "folder"
    with pytest.raises(ValueError, match="does not exist") as info:
        MLP(2, [3], seed=0).save(folder / "model.json")
    assert repr(str(folder)) in str(info.value)
    assert not (tmp_path / "no").exists()  # nothing was created on the way


# --- parameters, their names and order, zero_grad -------------------------------------------------------------------


def test_mlp_named_parameters_are_layer_by_layer_neuron_by_neuron_weights_then_bias():
    model = MLP(2, [4, 3], seed=1)
    expected = []
    for i, (nin, nout) in enumerate([(2, 4), (4, 3)]):
        for j in range(nout):
            neuron = model.layers[i].neurons[j]
            expected += [(f"layers.{i}.neurons.{j}.w.{k}", neuron.w[k]) for k in range(nin)]
            expected.append((f"layers.{i}.neurons.{j}.b", neuron.b))
    named = model.named_parameters()
    assert [name for name, _ in named] == [name for name, _ in expected]
    assert all(p is q for (_, p), (_, q) in zip(named, expected))  # the model's own Values, not copies
    assert len(named) == (2 + 1) * 4 + (4 + 1) * 3 == 27
    assert named[3 * 3 + 1] == ("layers.0.neurons.3.w.1", model.layers[0].neurons[3].w[1])


def test_parameters_are_the_named_parameters_values_in_the_same_order():
    model = MLP(3, [2, 2, 1], seed=0)
    params = model.parameters()
    assert len(params) == len(model.named_parameters())
    assert all(p is q for p, (_, q) in zip(params, model.named_parameters()))
    assert all(type(p) is Value for p in params)
    assert len({id(p) for p in params}) == len(params)  # no parameter appears twice


def test_neuron_and_layer_parameter_names():
    neuron = Neuron(3, seed=0)
    assert [n for n, _ in neuron.named_parameters()] == ["w.0", "w.1", "w.2", "b"]
    assert neuron.parameters() == [*neuron.w, neuron.b]
    layer = Layer(2, 2, seed=0)
    assert [n for n, _ in layer.named_parameters()] == [
        "neurons.0.w.0", "neurons.0.w.1", "neurons.0.b", "neurons.1.w.0", "neurons.1.w.1", "neurons.1.b",
    ]
    assert list(layer.state_dict()) == [n for n, _ in layer.named_parameters()]


@given(
    nin=st.integers(1, 4),
    nouts=st.lists(st.integers(1, 4), min_size=1, max_size=3),
)
def test_mlp_parameter_names_are_unique_dotted_paths_one_per_parameter(nin, nouts):
    model = MLP(nin, nouts, seed=0)
    names = [name for name, _ in model.named_parameters()]
    sizes = [nin, *nouts]
    assert len(names) == len(set(names)) == sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(nouts)))
    pattern = re.compile(r"layers\.(\d+)\.neurons\.(\d+)\.(w\.(\d+)|b)")
    for name in names:
        m = pattern.fullmatch(name)
        assert m, name
        i, j = int(m[1]), int(m[2])
        assert i < len(nouts) and j < nouts[i]
        assert m[4] is None or int(m[4]) < sizes[i]
    assert list(model.state_dict()) == names


@pytest.mark.parametrize(
    "model, x",
    [
        (MLP(2, [4, 3], activation="tanh", seed=1), X),
        (Layer(2, 3, activation="tanh", seed=1), X),
        (Neuron(2, activation="tanh", seed=1), X),
    ],
    ids=["mlp", "layer", "neuron"],
)
def test_zero_grad_sets_every_parameter_grad_to_zero(model, x):
    perturbed(model)
    out = model(x)
    loss = cross_entropy(out, 1) if isinstance(out, list) else out
    loss.backward()
    assert all(p.grad != 0.0 for p in model.parameters())  # backward did reach every parameter
    model.zero_grad()
    assert [p.grad for p in model.parameters()] == [0.0] * len(model.parameters())
    assert all(type(p.grad) is float for p in model.parameters())


def test_zero_grad_changes_no_parameter_value():
    model = perturbed(MLP(2, [3, 2], seed=1))
    cross_entropy(model(X), 0).backward()
    before = bits(model.state_dict())
    model.zero_grad()
    assert bits(model.state_dict()) == before
