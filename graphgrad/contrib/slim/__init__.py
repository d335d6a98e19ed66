"""`tf.contrib.slim` (TF-Slim): the layers, arg scopes, variable helpers, losses, metrics, the training loop
(`slim.learning.train`), evaluation (`slim.evaluation`) and the classic nets (`slim.nets.vgg`, `resnet_v1`, ...),
all in one namespace, as TF1 programs import it:

    slim = tf.contrib.slim
    with slim.arg_scope([slim.conv2d], padding="SAME", weights_regularizer=slim.l2_regularizer(0.0005)):
        net = slim.repeat(images, 2, slim.conv2d, 64, [3, 3], scope="conv1")
    slim.losses.softmax_cross_entropy(logits, one_hot_labels)
    train_op = slim.learning.create_train_op(slim.losses.get_total_loss(), optimizer)
    slim.learning.train(train_op, logdir, number_of_steps=1000)

The layers are tf.contrib.layers' (graphgrad/contrib/layers.py), the scopes and variables tf.contrib.framework's.
TF-Slim's data module (`slim.dataset`, `parallel_reader`, `tfexample_decoder`, `DatasetDataProvider`,
`prefetch_queue`) runs on TF1's queues (graphgrad/contrib/slim/data/).
"""
from ... import regularizers  # noqa: F401
from .. import layers, losses, metrics  # noqa: F401
from ..framework import *  # noqa: F401,F403 - arg_scope, variables, global step helpers: slim's names
from ..framework import __all__ as _framework_all
from ..layers import *  # noqa: F401,F403 - the layers, initializers, regularizers, summaries
from ..layers import __all__ as _layers_all
from . import data, evaluation, learning, nets, utils  # noqa: F401
from .data import *  # noqa: F401,F403 - slim.parallel_reader, slim.tfexample_decoder, ... as TF-Slim has them

_DATA = {"data", "data_decoder", "data_provider", "dataset", "dataset_data_provider", "parallel_reader",
         "prefetch_queue", "tfexample_decoder"}
__all__ = sorted(set(_framework_all) | set(_layers_all) | _DATA | {"evaluation", "learning", "nets", "utils", "losses",
                                                                   "metrics", "layers"})
