"""tf.contrib.training.HParams with TF 1.15's parsing and type rules."""
import pytest

import graphgrad as tf

HParams = tf.contrib.training.HParams


def test_values_keep_their_types_and_parse_overrides_them():
    hp = HParams(learning_rate=0.1, num_layers=2, use_bias=True, cell="lstm", sizes=[64, 32], rates=[0.5])
    assert (hp.learning_rate, hp.num_layers, hp.use_bias, hp.cell, hp.sizes) == (0.1, 2, True, "lstm", [64, 32])
    assert hp.parse("learning_rate=0.5,num_layers=4, use_bias=false,cell=gru,sizes=[8,16 4]") is hp
    assert (hp.learning_rate, hp.num_layers, hp.use_bias, hp.cell, hp.sizes) == (0.5, 4, False, "gru", [8, 16, 4])
    hp.parse("learning_rate=3,use_bias=1")  # an int where a float goes: cast; a bool from 0/1
    assert hp.learning_rate == 3.0 and type(hp.learning_rate) is float and hp.use_bias is True
    assert hp.values() == {"learning_rate": 3.0, "num_layers": 4, "use_bias": True, "cell": "gru",
                           "sizes": [8, 16, 4], "rates": [0.5]}
    assert "cell" in hp and "nothing" not in hp
    assert hp.get("cell") == "gru" and hp.get("nothing", 7) == 7
    assert str(hp).startswith("learning_rate=3.0,num_layers=4") and repr(hp).startswith("HParams([('cell', 'gru')")


@pytest.mark.parametrize("text, message", [
    ("num_layers=2.5", "Could not parse hparam 'num_layers' of type 'int' with value '2.5'"),
    ("use_bias=maybe", "Could not parse hparam 'use_bias' of type 'bool'"),
    ("depth=3", "Unknown hyperparameter type for depth"),
    ("num_layers=1,num_layers=2", "Multiple assignments to variable 'num_layers'"),
    ("sizes[0]=[1,2]", "Assignment of a list to a list index."),
    ("num_layers", "Malformed hyperparameter value: num_layers"),
    ("sizes=4", "Must pass a list for multi-valued parameter: sizes."),
    ("num_layers=[1,2]", "Must not pass a list for single-valued parameter: num_layers"),
])
def test_parse_refuses_what_tf_refuses(text, message):
    hp = HParams(num_layers=2, use_bias=True, sizes=[64, 32])
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        hp.parse(text)


def test_set_add_del_dict_json_and_the_casting_rules():
    hp = HParams(n=1, rate=0.5, name="a", flag=False)
    for name, bad in (("n", 1.5), ("n", True), ("rate", "x"), ("name", 3), ("flag", 1)):
        with pytest.raises(ValueError, match="Could not cast hparam"):
            hp.set_hparam(name, bad)
    with pytest.raises(KeyError):
        hp.set_hparam("missing", 1)
    hp.add_hparam("layers", (3, 4))
    with pytest.raises(ValueError, match="reserved: values"):
        hp.add_hparam("values", 1)
    with pytest.raises(ValueError, match="cannot be empty"):
        hp.add_hparam("empty", [])
    hp.override_from_dict({"n": 5, "layers": [1, 2, 3]})
    assert hp.n == 5 and hp.layers == [1, 2, 3]
    assert hp.parse_json(hp.to_json()).values() == hp.values()
    assert HParams(**{"a": 1, "f": len}).to_json(sort_keys=True) == '{"a": 1}'  # callables left out
    with pytest.raises(ValueError, match="incompatible with default"):
        hp.get("n", "text")
    hp.del_hparam("n")
    assert "n" not in hp and not hasattr(hp, "n")
    assert tf.contrib.training.parse_values("x=5,L=[1,2],arr[1]=3", {"x": int, "L": int, "arr": int}) == \
        {"x": 5, "L": [1, 2], "arr": {1: 3}}
    hp.set_model_structure({"encoder": 2})
    assert hp.get_model_structure() == {"encoder": 2}
