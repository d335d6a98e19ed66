"""`tf.flags` (also `tf.app.flags`): TF1's command-line flags, which are absl's (`absl.flags`, as in TensorFlow and
JAX), with TF1's two differences:
- `DEFINE_string/integer/float/boolean` also take TF's old keyword names `flag_name`, `default_value`, `docstring`;
- reading `FLAGS.x` before the flags were parsed parses `sys.argv` first instead of raising
  (`tf.app.run` parses them before calling `main`, tolerating flags nobody defined).

    tf.flags.DEFINE_integer("steps", 100, "training steps")
    FLAGS = tf.flags.FLAGS
    def main(argv):
        print(FLAGS.steps)
    tf.app.run()              # python prog.py --steps 5
"""
import functools as _functools
import sys as _sys

from absl.flags import *  # noqa: F403  (tf.flags is absl.flags: every DEFINE_*, FlagValues, validators, ...)
from absl.flags import FLAGS as _ABSL_FLAGS
from absl.flags import DEFINE_boolean as _DEFINE_boolean
from absl.flags import DEFINE_float as _DEFINE_float
from absl.flags import DEFINE_integer as _DEFINE_integer
from absl.flags import DEFINE_string as _DEFINE_string
from absl.flags import disclaim_key_flags

from .logging import warning as _warning

disclaim_key_flags()  # the DEFINE_* wrappers below are not where a program's flags are defined

_RENAMED_ARGUMENTS = {"flag_name": "name", "default_value": "default", "docstring": "help"}


def _wrap_define_function(original_function):
    """absl's DEFINE_* accepting TF's old keyword names too."""
    @_functools.wraps(original_function)
    def wrapper(*args, **kwargs):
        old = [k for k in _RENAMED_ARGUMENTS if k in kwargs]
        for name in old:
            kwargs[_RENAMED_ARGUMENTS[name]] = kwargs.pop(name)
        if old:
            _warning("Use of the keyword argument names (flag_name, default_value, docstring) is deprecated, please "
                     "use (name, default, help) instead.")
        return original_function(*args, **kwargs)
    return wrapper


class _FlagValuesWrapper:
    """absl's FLAGS, except that reading a flag before parsing parses `sys.argv` (absl raises
    UnparsedFlagAccessError): TF1 programs read FLAGS at import time."""

    def __init__(self, flags_object):
        self.__dict__["__wrapped"] = flags_object

    def __getattribute__(self, name):
        if name == "__dict__":
            return super().__getattribute__(name)
        return self.__dict__["__wrapped"].__getattribute__(name)

    def __getattr__(self, name):
        wrapped = self.__dict__["__wrapped"]
        if not wrapped.is_parsed():
            wrapped(_sys.argv)
        return wrapped.__getattr__(name)

    def __setattr__(self, name, value):
        return self.__dict__["__wrapped"].__setattr__(name, value)

    def __delattr__(self, name):
        return self.__dict__["__wrapped"].__delattr__(name)

    def __dir__(self):
        return self.__dict__["__wrapped"].__dir__()

    def __getitem__(self, name):
        return self.__dict__["__wrapped"].__getitem__(name)

    def __setitem__(self, name, flag):
        return self.__dict__["__wrapped"].__setitem__(name, flag)

    def __len__(self):
        return self.__dict__["__wrapped"].__len__()

    def __iter__(self):
        return self.__dict__["__wrapped"].__iter__()

    def __str__(self):
        return self.__dict__["__wrapped"].__str__()

    def __call__(self, *args, **kwargs):
        return self.__dict__["__wrapped"].__call__(*args, **kwargs)


DEFINE_string = _wrap_define_function(_DEFINE_string)
DEFINE_boolean = _wrap_define_function(_DEFINE_boolean)
DEFINE_bool = DEFINE_boolean
DEFINE_float = _wrap_define_function(_DEFINE_float)
DEFINE_integer = _wrap_define_function(_DEFINE_integer)

FLAGS = _FlagValuesWrapper(_ABSL_FLAGS)
