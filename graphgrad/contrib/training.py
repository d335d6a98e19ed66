"""`tf.contrib.training.HParams`: the hyperparameter object of TF 1.x model code (tensor2tensor, magenta, the
NMT tutorial and many a `train.py`): named values with fixed types, overridden from a command-line string
(`hparams.parse("learning_rate=0.1,layers=[64,32]")`), a dict or JSON.

TF 1.15's rules: a value keeps the type it was added with (an int accepts no float, a bool no number, a string no
number; an int may become a float), a list keeps its element type, and `parse` reads `name=value`, `name=[v1,v2]`
and `name[i]=value` clauses separated by commas. The `HParamDef` protocol buffer form is not implemented.
"""
from __future__ import annotations

import json
import numbers
import re

__all__ = ["HParams", "parse_values"]

_CLAUSE = re.compile(r"""
  (?P<name>[a-zA-Z][\w.]*)       # a name: "learning_rate", "model.layers"
  (\[\s*(?P<index>\d+)\s*\])?    # an optional list index: "[1]"
  \s*=\s*
  ((?P<val>[^,\[]*)              # one value
   |
   \[(?P<vals>[^\]]*)\])         # or a list of them
  ($|,\s*)""", re.VERBOSE)


def _parse_fail(name, var_type, value, values):
    raise ValueError(f"Could not parse hparam '{name}' of type '{var_type.__name__}' with value '{value}' in "
                     f"{values}")


def _reuse_fail(name, values):
    raise ValueError(f"Multiple assignments to variable '{name}' in {values}")


def _bool_parser(name, values):
    def parse(text):
        if text in ("true", "True"):
            return True
        if text in ("false", "False"):
            return False
        try:
            return bool(int(text))
        except ValueError:
            _parse_fail(name, bool, text, values)
    return parse


def parse_values(values, type_map, ignore_unknown=False):
    """{name: value, list of values, or {index: value}} from `values`, "name=value" clauses separated by commas
    (`x=5,L=[1,2],arr[1]=3` gives {'x': 5, 'L': [1, 2], 'arr': {1: 3}}), each parsed with its type in `type_map`
    (bools also from true/false). ValueError for a malformed clause, an unknown name (unless `ignore_unknown`), a
    value the type cannot parse, a name assigned twice, or a list assigned to an index."""
    results, pos = {}, 0
    while pos < len(values):
        m = _CLAUSE.match(values, pos)
        if not m:
            raise ValueError(f"Malformed hyperparameter value: {values[pos:]}")
        pos = m.end()
        name, index, val, vals = m.group("name", "index", "val", "vals")
        if name not in type_map:
            if ignore_unknown:
                continue
            raise ValueError(f"Unknown hyperparameter type for {name}")
        var_type = type_map[name]
        parse = _bool_parser(name, values) if var_type is bool else var_type
        if val is not None:
            try:
                parsed = parse(val)
            except ValueError:
                _parse_fail(name, var_type, val, values)
            if not index:
                if name in results:
                    _reuse_fail(name, values)
                results[name] = parsed
            else:
                slots = results.setdefault(name, {})
                if not isinstance(slots, dict):
                    _reuse_fail(name, values)
                i = int(index)
                if i in slots:
                    _reuse_fail(f"{name}[{i}]", values)
                slots[i] = parsed
        elif vals is not None:
            if index is not None:
                raise ValueError("Assignment of a list to a list index.")
            if name in results:
                _reuse_fail(name, values)
            try:
                results[name] = [parse(e) for e in re.split("[ ,]", vals) if e]
            except ValueError:
                _parse_fail(name, var_type, vals, values)
        else:
            _parse_fail(name, var_type, "", values)
    return results


def _cast(name, param_type, value):
    """`value` as `param_type` where TF 1.15 allows it (module docstring), else ValueError."""
    if type(value) is param_type:
        return value
    if issubclass(param_type, type(None)):
        return value
    fail = f"Could not cast hparam '{name}' of type '{param_type}' from value {value!r}"
    if issubclass(param_type, (str, bytes)) and not isinstance(value, (str, bytes)):
        raise ValueError(fail)
    if issubclass(param_type, bool) != isinstance(value, bool):
        raise ValueError(fail)
    if issubclass(param_type, numbers.Integral) and not isinstance(value, numbers.Integral):
        raise ValueError(fail)
    if issubclass(param_type, numbers.Number) and not isinstance(value, numbers.Number):
        raise ValueError(fail)
    return param_type(value)


class HParams:
    """Hyperparameters as attributes (`hparams.learning_rate`), each with the type it was added with."""

    _HAS_DYNAMIC_ATTRIBUTES = True

    def __init__(self, hparam_def=None, model_structure=None, **kwargs):
        self._hparam_types = {}
        self._model_structure = model_structure
        if hparam_def:
            raise NotImplementedError("graphgrad's HParams has no HParamDef protocol buffer form: build it from "
                                      "keyword arguments, a dict (`HParams(**d)`) or `parse_json`")
        for name, value in kwargs.items():
            self.add_hparam(name, value)

    def add_hparam(self, name, value):
        """Add hyperparameter `name` (not an attribute HParams already has) with `value`: a number, bool or
        string, or a non-empty list of them."""
        if getattr(self, name, None) is not None:
            raise ValueError(f"Hyperparameter name is reserved: {name}")
        if isinstance(value, (list, tuple)):
            if not value:
                raise ValueError(f"Multi-valued hyperparameters cannot be empty: {name}")
            self._hparam_types[name] = (type(value[0]), True)
        else:
            self._hparam_types[name] = (type(value), False)
        setattr(self, name, value)

    def set_hparam(self, name, value):
        """Set an existing hyperparameter (KeyError if none), cast to its type (ValueError where it cannot be)."""
        param_type, is_list = self._hparam_types[name]
        if isinstance(value, list):
            if not is_list:
                raise ValueError(f"Must not pass a list for single-valued parameter: {name}")
            setattr(self, name, [_cast(name, param_type, v) for v in value])
        else:
            if is_list:
                raise ValueError(f"Must pass a list for multi-valued parameter: {name}.")
            setattr(self, name, _cast(name, param_type, value))

    def del_hparam(self, name):
        if hasattr(self, name):
            delattr(self, name)
            del self._hparam_types[name]

    def parse(self, values):
        """Override values from a string of "name=value" clauses (`parse_values`); returns self."""
        return self.override_from_dict(parse_values(values, {n: t for n, (t, _) in self._hparam_types.items()}))

    def override_from_dict(self, values_dict):
        for name, value in values_dict.items():
            self.set_hparam(name, value)
        return self

    def set_model_structure(self, model_structure):
        self._model_structure = model_structure

    def get_model_structure(self):
        return self._model_structure

    def to_json(self, indent=None, separators=None, sort_keys=False):
        """The values as JSON, callables left out."""
        def plain(x):
            if isinstance(x, dict):
                return {k: plain(v) for k, v in x.items() if not callable(v)}
            if isinstance(x, list):
                return [plain(v) for v in x if not callable(v)]
            return x
        return json.dumps(plain(self.values()), indent=indent, separators=separators, sort_keys=sort_keys)

    def parse_json(self, values_json):
        return self.override_from_dict(json.loads(values_json))

    def values(self):
        """{name: value} of every hyperparameter."""
        return {n: getattr(self, n) for n in self._hparam_types}

    def get(self, key, default=None):
        """The value of `key`, or `default` when there is no such hyperparameter; a `default` of another type
        than the hyperparameter's is a ValueError."""
        if key not in self._hparam_types:
            return default
        if default is not None:
            param_type, is_list = self._hparam_types[key]
            kind = f"list<{param_type}>" if is_list else str(param_type)
            fail = f"Hparam '{key}' of type '{kind}' is incompatible with default={default}"
            if is_list != isinstance(default, list):
                raise ValueError(fail)
            try:
                for v in (default if is_list else [default]):
                    _cast(key, param_type, v)
            except ValueError as e:
                raise ValueError(f"{fail}. {e}") from None
        return getattr(self, key)

    def __contains__(self, key):
        return key in self._hparam_types

    def __str__(self):
        return ",".join(f"{k}={v}" for k, v in self.values().items())

    def __repr__(self):
        return f"{type(self).__name__}({sorted(self.values().items())})"
