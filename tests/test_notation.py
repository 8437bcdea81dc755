"""nn.notation: the lecture's names, with Unicode subscripts and superscripts."""

import pytest

from nn.notation import SYMBOL, example_mark, input_name, layer_name, sub, sup, symbol, unit_name


def test_notation_indexes_are_subscripts_separated_by_a_comma_only_when_one_has_two_digits():
    assert sub(1, 2) == "₁₂" and sub(3) == "₃" and sub() == ""
    assert sub(10, 3) == "₁₀,₃" and sub(3, 10) == "₃,₁₀" and sub(12) == "₁₂"
    assert sup(2) == "²" and sup(10) == "¹⁰"


@pytest.mark.parametrize(
    "letter, indexes, layer, name",
    [("w", (1, 2), 2, "w₁₂²"), ("w", (10, 3), 2, "w₁₀,₃²"), ("b", (1,), 1, "b₁¹"), ("z", (3,), None, "z₃"),
     ("a", (), None, "a"), ("z", (1,), 12, "z₁¹²")],
)
def test_notation_symbol_is_the_letter_its_subscripts_and_the_layer_as_superscript(letter, indexes, layer, name):
    assert symbol(letter, indexes, layer) == name
    assert SYMBOL.fullmatch(name)


def test_notation_inputs_layers_and_what_feeds_a_layer():
    assert [input_name(j) for j in (1, 2, 64)] == ["x₁", "x₂", "x₆₄"]
    assert unit_name(2, 0) == "x₂" and unit_name(2, 1) == "a₂¹"
    assert layer_name(1) == "layer 1" and layer_name(3, output=True) == "layer 3: output layer"


def test_notation_an_example_is_a_superscript_in_parentheses_after_a_layers():
    assert example_mark("C", 2) == "C²" and example_mark("x₁", 3) == "x₁³"
    assert example_mark("z₁¹", 2) == "z₁¹⁽²⁾" and example_mark("w₁₁¹x₁", 12) == "w₁₁¹x₁⁽¹²⁾"
    assert SYMBOL.fullmatch("z₁¹⁽²⁾") and not SYMBOL.fullmatch("x0") and not SYMBOL.fullmatch("rate")
