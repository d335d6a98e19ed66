"""`tf.saved_model.simple_save`: one serving meta graph with a Predict signature, the common case in one call."""
from __future__ import annotations

from ..framework.graph import GraphKeys, get_default_graph
from . import signature_constants, tag_constants
from .builder import SavedModelBuilder
from .signature_def_utils import predict_signature_def


def simple_save(session, export_dir, inputs, outputs, legacy_init_op=None):
    """Save `session`'s graph and variables to `export_dir` (which must not exist or be empty), tagged `serve`,
    with the {key: tensor} `inputs` and `outputs` as the `serving_default` Predict signature."""
    signature_def_map = {signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY: predict_signature_def(inputs, outputs)}
    builder = SavedModelBuilder(export_dir)
    builder.add_meta_graph_and_variables(session, tags=[tag_constants.SERVING], signature_def_map=signature_def_map,
                                         assets_collection=get_default_graph().get_collection(GraphKeys.ASSET_FILEPATHS),
                                         main_op=legacy_init_op, clear_devices=True)
    builder.save()
