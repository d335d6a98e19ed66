"""`tf.saved_model.builder.SavedModelBuilder`: a SavedModel folder (`saved_model.pb`, `variables/`, `assets/`)
written crash-safely: everything is staged in a hidden folder beside `export_dir` and renamed into place by
`save()`, so `export_dir` is either empty or a whole SavedModel."""
from __future__ import annotations

import os
import shutil

from google.protobuf import any_pb2, text_format

from ..framework.graph import Operation, Tensor, get_default_graph
from ..graph_io.protos import AssetFileDef, SavedModel
from ..graph_io.tf_export import tf_graph_def
from ..logging import info
from . import constants, tag_constants
from .serving_graph import prune_for_serving

_STAGING_SUFFIX = ".graphgrad-tmp"


def _add_op_to_signature_def_map(signature_def_map, op, key):
    if op is not None:
        from .signature_def_utils import build_signature_def
        from .utils import build_tensor_info

        signature_def_map[key] = build_signature_def({}, {key: build_tensor_info(op)})


def _validate_tensor_info(tensor_info):
    if tensor_info is None:
        raise AssertionError("All TensorInfo protos used in the SignatureDefs must have the name and dtype fields set.")
    if tensor_info.WhichOneof("encoding") is None:
        raise AssertionError(f"Invalid `tensor_info`: {tensor_info}. All TensorInfo protos used in the SignatureDefs "
                             "must have one of the 'encoding' fields (e.g., name or coo_sparse) set.")
    if tensor_info.dtype == 0:
        raise AssertionError(f"Invalid `tensor_info`: {tensor_info}. All TensorInfo protos used in the SignatureDefs "
                             "must have the dtype field set.")


def _validate_signature_def_map(signature_def_map):
    for signature in signature_def_map.values():
        for tensor_info in [*signature.inputs.values(), *signature.outputs.values()]:
            _validate_tensor_info(tensor_info)
    for key, what in ((constants.INIT_OP_SIGNATURE_KEY, "initialization"), (constants.TRAIN_OP_SIGNATURE_KEY,
                                                                            "the train op")):
        if key in signature_def_map:
            raise KeyError(f'SignatureDef map key "{key}" is reserved for {what}. Please use a different key.')


def _asset_path(tensor) -> str:
    """The file a constant string tensor of `assets_collection` names (TF's checks and messages)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"Asset path tensor {tensor} must be a Tensor.")
    if tensor.op.type != "Const":
        raise TypeError(f"Asset path tensor {tensor} must be of type constant.Has type {tensor.op.type} instead.")
    value = tensor.op.get_attr("value")
    if tensor.dtype.base_dtype.name != "string":
        raise TypeError(f"Asset path tensor {tensor}` must be of dtype string.Has type {tensor.dtype} instead.")
    if getattr(value, "size", 1) != 1:
        raise TypeError(f"Asset path tensor {tensor} must be a scalar.")
    path = value.reshape(()).item() if hasattr(value, "reshape") else value
    path = path.decode() if isinstance(path, bytes) else str(path)
    if not path:
        raise ValueError(f"Asset filepath tensor {tensor} in is invalid.")
    return path


class SavedModelBuilder:
    """Builds a SavedModel: the first meta graph with `add_meta_graph_and_variables` (which saves the variables),
    more with `add_meta_graph`, then `save()` writes `saved_model.pb` and moves the whole folder into place."""

    def __init__(self, export_dir):
        export_dir = os.fsdecode(export_dir)
        if os.path.exists(export_dir):
            if os.listdir(export_dir):
                raise AssertionError(f"Export directory {export_dir} already exists, and isn't empty. Please choose a "
                                     "different export directory, or delete all the contents of the specified "
                                     "directory.")
        else:
            os.makedirs(export_dir)
        self._export_dir = export_dir
        self._saved_model = SavedModel(saved_model_schema_version=constants.SAVED_MODEL_SCHEMA_VERSION)
        self._has_saved_variables = False
        self._staging = None
        self._assets = {}  # asset file name in assets/ -> source path

    def _staging_dir(self) -> str:
        """The hidden folder beside export_dir that `save()` renames into place (made on first use)."""
        if self._staging is None:
            head, base = os.path.split(os.path.abspath(self._export_dir))
            self._staging = os.path.join(head, f".{base}.{os.urandom(8).hex()}.{os.getpid()}{_STAGING_SUFFIX}")
            os.makedirs(self._staging)
        return self._staging

    def _add_assets(self, meta_graph_def, assets_collection):
        """Copy the asset files into assets/ (unique base names, as TF picks them) and list them in the meta graph's
        `saved_model_assets` collection as AssetFileDefs."""
        if not assets_collection:
            info("No assets to save.")
            return
        listed = meta_graph_def.collection_def[constants.ASSETS_KEY].any_list.value
        for tensor in assets_collection:
            source = _asset_path(tensor)
            name = base = os.path.basename(source)
            i = 1
            while name in self._assets and self._assets[name] != source:
                name, i = f"{base}_{i}", i + 1
            if name not in self._assets:
                self._assets[name] = source
                os.makedirs(os.path.join(self._staging_dir(), constants.ASSETS_DIRECTORY), exist_ok=True)
                shutil.copyfile(source, os.path.join(self._staging_dir(), constants.ASSETS_DIRECTORY, name))
            packed = any_pb2.Any()
            asset = AssetFileDef(filename=name)
            asset.tensor_info.name = tensor.name
            packed.Pack(asset, type_url_prefix="type.googleapis.com/")
            packed.type_url = "type.googleapis.com/tensorflow.AssetFileDef"
            listed.add().CopyFrom(packed)

    @staticmethod
    def _add_main_op(main_op):
        if main_op is None:
            return
        if not isinstance(main_op, Operation):
            raise TypeError(f"Expected {main_op} to be an Operation but got type {type(main_op)} instead.")
        graph = get_default_graph()
        for key in (constants.MAIN_OP_KEY, constants.LEGACY_INIT_OP_KEY):
            if graph.get_collection(key):
                raise ValueError(f"Graph already contains one or more main ops under the collection {key}.")
        graph.add_to_collection(constants.MAIN_OP_KEY, main_op)

    @staticmethod
    def _saver(saver):
        from ..train.saver import Saver

        return saver or Saver(sharded=True, allow_empty=True)

    def _add_meta_graph(self, saver, tags, signature_def_map, assets_collection, clear_devices):
        """The default graph as a meta graph in TensorFlow's spelling (graph_io/tf_export.py); without the `train`
        tag, only what serving needs (serving_graph.py)."""
        meta_graph_def = saver.export_meta_graph(clear_devices=clear_devices)
        # graphgrad saves without graph ops: with no SaverDef, TF's loader builds a Saver of the variables itself
        meta_graph_def.ClearField("saver_def")
        meta_graph_def.graph_def.CopyFrom(tf_graph_def(meta_graph_def.graph_def, get_default_graph()))
        self._add_assets(meta_graph_def, assets_collection)
        meta_graph_def.meta_info_def.tags.extend(tags)
        for key, signature in signature_def_map.items():
            meta_graph_def.signature_def[key].CopyFrom(signature)
        if tag_constants.TRAINING not in tags:
            prune_for_serving(meta_graph_def)
        self._saved_model.meta_graphs.add().CopyFrom(meta_graph_def)

    def add_meta_graph_and_variables(self, sess, tags, signature_def_map=None, assets_collection=None,
                                     legacy_init_op=None, clear_devices=False, main_op=None,
                                     strip_default_attrs=False, saver=None):
        """Save the session's variables to `variables/variables` (TF's V2 checkpoint format) and add the graph as
        a meta graph tagged `tags`, with its signatures, assets and main op."""
        if self._has_saved_variables:
            raise AssertionError("Graph state including variables and assets has already been saved. Please invoke "
                                 "`add_meta_graph()` instead.")
        signature_def_map = dict(signature_def_map or {})
        _validate_signature_def_map(signature_def_map)
        self._add_main_op(main_op or legacy_init_op)
        saver = self._saver(saver)
        variables = os.path.join(self._staging_dir(), constants.VARIABLES_DIRECTORY)
        os.makedirs(variables, exist_ok=True)
        saver.save(sess, os.path.join(variables, constants.VARIABLES_FILENAME), write_meta_graph=False,
                   write_state=False)
        self._add_meta_graph(saver, tags, signature_def_map, assets_collection, clear_devices)
        self._has_saved_variables = True

    def add_meta_graph(self, tags, signature_def_map=None, assets_collection=None, legacy_init_op=None,
                       clear_devices=False, main_op=None, strip_default_attrs=False, saver=None):
        """Add the graph as one more meta graph (other tags), sharing the variables saved by the first."""
        if not self._has_saved_variables:
            raise AssertionError("Graph state including variables and assets has not been saved yet. Please invoke "
                                 "`add_meta_graph_and_variables()` first.")
        signature_def_map = dict(signature_def_map or {})
        _validate_signature_def_map(signature_def_map)
        self._add_main_op(main_op if main_op is not None else legacy_init_op)
        self._add_meta_graph(self._saver(saver), tags, signature_def_map, assets_collection, clear_devices)

    def save(self, as_text=False):
        """Write `saved_model.pb` (or `saved_model.pbtxt`) and rename the staged folder onto `export_dir`; returns
        the protobuf's path (bytes, as TF returns it)."""
        from ..train.checkpoint_io import _fsync_dir

        staging = self._staging_dir()
        name = constants.SAVED_MODEL_FILENAME_PBTXT if as_text else constants.SAVED_MODEL_FILENAME_PB
        data = (text_format.MessageToString(self._saved_model).encode() if as_text else
                self._saved_model.SerializeToString(deterministic=True))
        with open(os.path.join(staging, name), "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        for root, _, _ in os.walk(staging):
            _fsync_dir(root)
        try:
            os.rename(staging, self._export_dir)  # POSIX replaces the empty folder __init__ made in one step
        except OSError:
            if os.path.isdir(self._export_dir) and not os.listdir(self._export_dir):  # Windows does not
                os.rmdir(self._export_dir)
                os.rename(staging, self._export_dir)
            else:
                raise AssertionError(f"Export directory {self._export_dir} already exists, and isn't empty. "
                                     "Please choose a different export directory, or delete all the contents of the "
                                     "specified directory.") from None
        _fsync_dir(os.path.dirname(os.path.abspath(self._export_dir)))
        self._staging = None
        path = os.path.join(self._export_dir, name)
        info("SavedModel written to: %s", path)
        return path.encode()
