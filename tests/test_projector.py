"""tf.contrib.tensorboard.plugins.projector: the config file TensorBoard's embedding projector reads."""
import os

import pytest
from google.protobuf import descriptor_pb2, text_format

import graphgrad as tf
from graphgrad.contrib.tensorboard.plugins import projector


def _config():
    config = projector.ProjectorConfig()
    embedding = config.embeddings.add()
    embedding.tensor_name = "embedding:0"
    embedding.metadata_path = "vocab_1000.tsv"
    embedding.sprite.image_path = "sprite.png"
    embedding.sprite.single_image_dim.extend([28, 28])
    return config


def test_visualize_embeddings_writes_the_config_into_the_writers_logdir(tmp_path):
    writer = tf.summary.FileWriter(str(tmp_path / "visual"))
    projector.visualize_embeddings(writer, _config())
    writer.close()
    text = (tmp_path / "visual" / "projector_config.pbtxt").read_text()
    assert text == ('embeddings {\n  tensor_name: "embedding:0"\n  metadata_path: "vocab_1000.tsv"\n'
                    '  sprite {\n    image_path: "sprite.png"\n    single_image_dim: 28\n    single_image_dim: 28\n'
                    '  }\n}\n')
    assert text_format.Parse(text, projector.ProjectorConfig()) == _config()


def test_a_logdir_path_works_too_and_none_is_refused(tmp_path):
    projector.visualize_embeddings(str(tmp_path), _config())
    assert os.path.exists(tmp_path / "projector_config.pbtxt")
    with pytest.raises(ValueError, match="must have a logdir"):
        projector.visualize_embeddings(None, _config())


def test_reachable_as_tf_contrib():
    assert tf.contrib.tensorboard.plugins.projector.ProjectorConfig is projector.ProjectorConfig


def test_messages_match_tensorboards_definition():
    pb2 = pytest.importorskip("tensorboard.plugins.projector.projector_config_pb2")
    theirs, ours = descriptor_pb2.FileDescriptorProto(), descriptor_pb2.FileDescriptorProto()
    pb2.DESCRIPTOR.CopyToProto(theirs)
    projector.ProjectorConfig.DESCRIPTOR.file.CopyToProto(ours)
    assert ours == theirs
    assert pb2.ProjectorConfig.FromString(_config().SerializeToString()) == text_format.Parse(
        text_format.MessageToString(_config()), pb2.ProjectorConfig())
