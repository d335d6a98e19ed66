"""`tf.saved_model.loader.load`: a SavedModel's meta graph (picked by its tags) imported into the session's graph,
its variables restored from `variables/variables`, its main op run with the asset paths fed."""
from __future__ import annotations

import os

from google.protobuf import text_format

from ..framework.graph import GraphKeys
from ..graph_io.protos import AssetFileDef, SavedModel, VariableDef
from ..logging import info
from . import constants


def _read_saved_model(export_dir) -> SavedModel:
    export_dir = os.fsdecode(export_dir)
    pb = os.path.join(export_dir, constants.SAVED_MODEL_FILENAME_PB)
    pbtxt = os.path.join(export_dir, constants.SAVED_MODEL_FILENAME_PBTXT)
    if os.path.exists(pb):
        with open(pb, "rb") as f:
            data = f.read()
        try:
            return SavedModel.FromString(data)
        except Exception as e:  # noqa: BLE001 (protobuf's DecodeError differs between its implementations)
            raise OSError(f"Cannot parse file {pb}: {e}.") from e
    if os.path.exists(pbtxt):
        with open(pbtxt, "rb") as f:
            text = f.read().decode("utf-8")
        try:
            return text_format.Parse(text, SavedModel(), allow_unknown_field=True)
        except text_format.ParseError as e:
            raise OSError(f"Cannot parse file {pbtxt}: {e}.") from e
    raise OSError(f"SavedModel file does not exist at: {export_dir}{os.path.sep}"
                  f"{{{constants.SAVED_MODEL_FILENAME_PBTXT}|{constants.SAVED_MODEL_FILENAME_PB}}}")


def maybe_saved_model_directory(export_dir) -> bool:
    """Whether `export_dir` holds a SavedModel protobuf."""
    return any(os.path.exists(os.path.join(os.fsdecode(export_dir), name))
               for name in (constants.SAVED_MODEL_FILENAME_PB, constants.SAVED_MODEL_FILENAME_PBTXT))


contains_saved_model = maybe_saved_model_directory


def _meta_graph_for(saved_model, tags):
    available = [set(mg.meta_info_def.tags) for mg in saved_model.meta_graphs]
    for mg, have in zip(saved_model.meta_graphs, available):
        if have == set(tags):
            return mg
    raise RuntimeError(f"MetaGraphDef associated with tags {str(tags).strip('[]')} could not be found in "
                       f"SavedModel, with available tags '{available}'. To inspect available tag-sets in the "
                       "SavedModel, please use the SavedModel CLI: `saved_model_cli`.")


def _asset_feeds(export_dir, meta_graph_def, import_scope):
    """{asset tensor name: its file under export_dir/assets} for the main op's run, as TF feeds them."""
    assets = []
    if constants.ASSETS_KEY in meta_graph_def.collection_def:
        for packed in meta_graph_def.collection_def[constants.ASSETS_KEY].any_list.value:
            asset = AssetFileDef()
            asset.ParseFromString(packed.value)
            assets.append(asset)
    assets += list(meta_graph_def.asset_file_def)
    directory = os.path.join(os.fsdecode(export_dir), constants.ASSETS_DIRECTORY)
    return {(f"{import_scope}/" if import_scope else "") + a.tensor_info.name: os.path.join(directory, a.filename)
            for a in assets}


def _init_op(meta_graph_def, graph, import_scope):
    """The main op: TF's `saved_model_main_op` collection, else `legacy_init_op`, else the init-op signature."""
    for key in (constants.MAIN_OP_KEY, constants.LEGACY_INIT_OP_KEY):
        if key in meta_graph_def.collection_def:
            names = meta_graph_def.collection_def[key].node_list.value
            if len(names) != 1:
                raise RuntimeError(f"Expected exactly one SavedModel init op. Found {len(names)}: {list(names)}.")
            return graph.get_collection(key)[0]
    if constants.INIT_OP_SIGNATURE_KEY in meta_graph_def.signature_def:
        name = meta_graph_def.signature_def[constants.INIT_OP_SIGNATURE_KEY].outputs[
            constants.INIT_OP_SIGNATURE_KEY].name
        return graph.as_graph_element((f"{import_scope}/" if import_scope else "") + name)
    return None


def load(sess, tags, export_dir, import_scope=None, **saver_kwargs):
    """Load the meta graph tagged `tags` from the SavedModel in `export_dir` into `sess` (its graph gets the ops,
    the session the variables' values) and return its MetaGraphDef, whose `signature_def` names the tensors."""
    meta_graph_def = _meta_graph_for(_read_saved_model(export_dir), tags)
    from ..graph_io.meta_graph import import_meta_graph
    from ..train.saver import Saver
    from ..variables import global_variables

    with sess.graph.as_default():
        if import_meta_graph(meta_graph_def, import_scope=import_scope, **saver_kwargs) is None:
            info("The specified SavedModel has no variables; no checkpoints were restored.")
        else:  # the global variables, as TF's loader restores them: local ones are the main op's to set
            variables = os.path.join(os.fsdecode(export_dir), constants.VARIABLES_DIRECTORY,
                                     constants.VARIABLES_FILENAME)
            prefix = f"{import_scope}/" if import_scope else ""
            names = {VariableDef.FromString(d).variable_name.partition(":")[0]
                     for d in meta_graph_def.collection_def[GraphKeys.GLOBAL_VARIABLES].bytes_list.value}
            saved = {v.op.name[len(prefix):]: v for v in global_variables() if v.op.name[len(prefix):] in names
                     and v.op.name.startswith(prefix)}  # the imported ones, under the names the checkpoint has
            Saver(saved, allow_empty=True).restore(sess, variables)
        init_op = _init_op(meta_graph_def, sess.graph, import_scope)
        if init_op is not None:
            sess.run(init_op, feed_dict=_asset_feeds(export_dir, meta_graph_def, import_scope))
    return meta_graph_def
