"""Keras 2's object registry and (de)serialization (`tf.keras.utils` / `tf.keras.saving`): custom objects found by
name while a model is rebuilt from its config, a JSON string or an .h5 file.

Names are looked up, as in tf_keras, in `custom_objects` given to the call, then the active
`custom_object_scope`s, then the global registry (`register_keras_serializable`, `get_custom_objects()`), then the
module's own classes and functions."""
from __future__ import annotations

import inspect
import threading

_GLOBAL_CUSTOM_OBJECTS: dict = {}
_GLOBAL_CUSTOM_NAMES: dict = {}
_LOCAL = threading.local()  # the custom objects of the scopes open in this thread


def _scoped():
    if not hasattr(_LOCAL, "objects"):
        _LOCAL.objects = {}
    return _LOCAL.objects


class CustomObjectScope:
    """`with custom_object_scope({"MyLayer": MyLayer}):` makes the names known to deserialization inside the
    block (in this thread); scopes nest."""

    def __init__(self, *args):
        self.custom_objects = args
        self.backup = None

    def __enter__(self):
        self.backup = dict(_scoped())
        for objects in self.custom_objects:
            _scoped().update(objects or {})
        return self

    def __exit__(self, *exc):
        _scoped().clear()
        _scoped().update(self.backup)


custom_object_scope = CustomObjectScope


def get_custom_objects():
    """The global registry, a dict to update in place: `get_custom_objects()["swish2"] = swish2`."""
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package="Custom", name=None):
    """A decorator registering a class (which must have `get_config`) or a function as "package>name"."""

    def decorator(arg):
        registered_name = f"{package}>{name if name is not None else arg.__name__}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg
    return decorator


def get_registered_name(obj):
    """"package>name" for a registered object, else its `__name__`."""
    return _GLOBAL_CUSTOM_NAMES.get(obj, obj.__name__)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The class or function known as `name` (scopes, then the registry, then `custom_objects`, then
    `module_objects`), or None."""
    for objects in (_scoped(), _GLOBAL_CUSTOM_OBJECTS, custom_objects or {}, module_objects or {}):
        if name in objects:
            return objects[name]
    return None


def _unknown(kind, name):
    return ValueError(f"Unknown {kind}: '{name}'. Please ensure you are using a `keras.utils.custom_object_scope` "
                      "and that this object is included in the scope. See https://www.tensorflow.org/guide/keras/"
                      "save_and_serialize#registering_the_custom_object for details.")


def tf2_behavior():
    """Whether TF 2's behaviour is on (eager execution enabled for the process, what tf_keras asks
    `tf.__internal__.tf2.enabled()`): Keras then writes its newer form of an object's config."""
    from ..eager.context import eager_enabled

    return eager_enabled()


def serialize_keras_object(instance, module=None):
    """tf_keras' form: None, a function's registered name, or for an object with `get_config` (its config's own
    objects serialized too) {"module", "class_name", "config", "registered_name"} under TF 2's behaviour, Keras'
    legacy {"class_name": its registered name or class name, "config"} in TF1's graph mode, as tf_keras writes
    them in each."""
    if instance is None:
        return None
    if not hasattr(instance, "get_config"):
        name = get_registered_name(instance)
        return name
    config = {k: serialize_keras_object(v) if hasattr(v, "get_config") and not isinstance(v, type) else v
              for k, v in instance.get_config().items()}
    cls = type(instance)
    registered = _GLOBAL_CUSTOM_NAMES.get(cls)
    if not tf2_behavior():
        return {"class_name": registered or cls.__name__, "config": config}
    return {"module": module or cls.__module__, "class_name": cls.__name__, "config": config,
            "registered_name": registered}


def _class_of(spec, module_objects, custom_objects):
    for name in (spec.get("registered_name"), spec["class_name"]):
        if name:
            found = get_registered_object(name, custom_objects, module_objects)
            if found is not None:
                return found
    return None


def deserialize_keras_object(identifier, module_objects=None, custom_objects=None,
                             printable_module_name="object"):
    """The object of `serialize_keras_object`'s dict (or of Keras 2's older {"class_name", "config"}), or the
    function or class known by a name; a ValueError names an unknown one as Keras does."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        cls = _class_of(identifier, module_objects, custom_objects)
        if cls is None:
            raise _unknown(printable_module_name, identifier["class_name"])
        config = identifier.get("config") or {}
        if not inspect.isclass(cls):
            return cls
        if hasattr(cls, "from_config"):
            params = inspect.signature(cls.from_config).parameters
            if "custom_objects" in params:
                return cls.from_config(config, custom_objects=custom_objects)
            with CustomObjectScope(custom_objects or {}):
                return cls.from_config(config)
        return cls(**config)
    if isinstance(identifier, str):
        found = get_registered_object(identifier, custom_objects, module_objects)
        if found is None:
            raise _unknown(printable_module_name, identifier)
        return found
    return identifier


def getter(deserialize, what, instantiate_classes=False):
    """A module's `get(identifier)`: None, an object from a name or a config dict, a callable as it is (a class
    instantiated when `instantiate_classes`, as tf_keras' initializers.get does); else a ValueError."""

    def get(identifier):
        if identifier is None:
            return None
        if isinstance(identifier, dict):
            return deserialize(identifier)
        if isinstance(identifier, str):
            return deserialize({"class_name": identifier, "config": {}})
        if callable(identifier):
            return identifier() if instantiate_classes and inspect.isclass(identifier) else identifier
        raise ValueError(f"Could not interpret {what} identifier: {identifier}")
    get.__doc__ = f"A {what.split()[0]} from None, a name, a config dict or a callable (returned as it is)."
    return get


__all__ = ["CustomObjectScope", "custom_object_scope", "get_custom_objects", "register_keras_serializable",
           "get_registered_name", "get_registered_object", "serialize_keras_object", "deserialize_keras_object"]
