"""tf.compat.as_bytes / as_text / as_str / as_str_any, as TF1 converts (checked under tensorflow.compat.v1)."""
import pytest

import graphgrad as tf


def test_conversions_match_tf1():
    assert tf.compat.as_bytes("é") == b"\xc3\xa9"
    assert tf.compat.as_bytes(bytearray(b"a")) == b"a" and type(tf.compat.as_bytes(bytearray(b"a"))) is bytes
    assert tf.compat.as_text(b"\xc3\xa9") == "é"
    assert tf.compat.as_text(b"\xe9", "latin-1") == "é"
    assert tf.compat.as_str(b"ab cd").split() == ["ab", "cd"]
    assert tf.compat.as_str_any(3) == "3" and tf.compat.as_str_any(b"x") == "x"


@pytest.mark.parametrize("fn", [tf.compat.as_bytes, tf.compat.as_text, tf.compat.as_str])
def test_non_strings_are_tf1s_type_error(fn):
    with pytest.raises(TypeError, match="Expected binary or unicode string, got 3"):
        fn(3)
