"""`tf.contrib.tensorboard.plugins.projector`: tell TensorBoard's embedding projector which checkpointed variable
to show and with which labels (the word2vec lecture's visualisation):

    config = projector.ProjectorConfig()
    embedding = config.embeddings.add()
    embedding.tensor_name = embedding_var.name
    embedding.metadata_path = "vocab_1000.tsv"
    projector.visualize_embeddings(tf.summary.FileWriter(logdir), config)   # writes logdir/projector_config.pbtxt
    tf.train.Saver([embedding_var]).save(sess, os.path.join(logdir, "model.ckpt"), 1)

`ProjectorConfig` is TensorBoard's message (tensorboard/plugins/projector/projector_config.proto), built field
for field with the protobuf library in a pool of its own (as graphgrad/io/example_pb.py builds tf.train.Example),
so TensorBoard need not be installed and one imported beside it does not clash; the text file is what TensorBoard
reads."""
from __future__ import annotations

import os

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format

__all__ = ["EmbeddingInfo", "ProjectorConfig", "SpriteMetadata", "visualize_embeddings"]

PROJECTOR_FILENAME = "projector_config.pbtxt"  # the name TensorBoard's projector plugin looks for in a logdir
_F = descriptor_pb2.FieldDescriptorProto
_PACKAGE = "tensorboard.projector"


def _file():
    fd = descriptor_pb2.FileDescriptorProto(name="tensorboard/plugins/projector/projector_config.proto",
                                            package=_PACKAGE, syntax="proto3")

    def add(msg, name, number, type_, repeated=False, type_name=None):
        f = msg.field.add(name=name, number=number, type=type_,
                          label=_F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL)
        if type_name:
            f.type_name = f".{_PACKAGE}.{type_name}"

    sprite = fd.message_type.add(name="SpriteMetadata")
    add(sprite, "image_path", 1, _F.TYPE_STRING)
    add(sprite, "single_image_dim", 2, _F.TYPE_UINT32, repeated=True)   # [width, height] of one image
    info = fd.message_type.add(name="EmbeddingInfo")
    add(info, "tensor_name", 1, _F.TYPE_STRING)
    add(info, "metadata_path", 2, _F.TYPE_STRING)
    add(info, "bookmarks_path", 3, _F.TYPE_STRING)
    add(info, "tensor_shape", 4, _F.TYPE_UINT32, repeated=True)
    add(info, "sprite", 5, _F.TYPE_MESSAGE, type_name="SpriteMetadata")
    add(info, "tensor_path", 6, _F.TYPE_STRING)
    config = fd.message_type.add(name="ProjectorConfig")
    add(config, "model_checkpoint_path", 1, _F.TYPE_STRING)
    add(config, "embeddings", 2, _F.TYPE_MESSAGE, repeated=True, type_name="EmbeddingInfo")
    add(config, "model_checkpoint_dir", 3, _F.TYPE_STRING)
    return fd


_pool = descriptor_pool.DescriptorPool()
_pool.Add(_file())
SpriteMetadata, EmbeddingInfo, ProjectorConfig = (
    message_factory.GetMessageClass(_pool.FindMessageTypeByName(f"{_PACKAGE}.{n}"))
    for n in ("SpriteMetadata", "EmbeddingInfo", "ProjectorConfig"))


def visualize_embeddings(summary_writer, config):
    """Writes `config` as text to `projector_config.pbtxt` in the writer's logdir (TF1 took a FileWriter;
    TensorBoard's later form takes the logdir itself: both work). The folder is created when missing."""
    logdir = summary_writer.get_logdir() if hasattr(summary_writer, "get_logdir") else summary_writer
    if logdir is None:
        raise ValueError("Summary writer must have a logdir")
    logdir = os.fspath(logdir)
    os.makedirs(logdir, exist_ok=True)
    with open(os.path.join(logdir, PROJECTOR_FILENAME), "w") as f:
        f.write(text_format.MessageToString(config))
