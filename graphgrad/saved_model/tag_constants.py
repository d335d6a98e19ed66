"""Tags of a SavedModel's MetaGraphDefs (TF's `tf.saved_model.tag_constants`): `loader.load` picks the meta graph
whose tag set equals the one asked for."""
SERVING = "serve"
TRAINING = "train"
EVAL = "eval"
GPU = "gpu"
TPU = "tpu"
