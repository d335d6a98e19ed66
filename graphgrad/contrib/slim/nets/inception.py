"""`slim.nets.inception`: Inception v1, v2, v3, v4 and Inception-ResNet v2 under one namespace, as TF-Slim users
import them (`from tensorflow.contrib.slim.nets import inception`)."""
from .inception_resnet_v2 import inception_resnet_v2, inception_resnet_v2_arg_scope, inception_resnet_v2_base
from .inception_utils import inception_arg_scope
from .inception_v1 import inception_v1, inception_v1_arg_scope, inception_v1_base
from .inception_v2 import inception_v2, inception_v2_arg_scope, inception_v2_base
from .inception_v3 import inception_v3, inception_v3_arg_scope, inception_v3_base
from .inception_v4 import inception_v4, inception_v4_arg_scope, inception_v4_base

__all__ = ["inception_arg_scope", "inception_resnet_v2", "inception_resnet_v2_arg_scope", "inception_resnet_v2_base",
           "inception_v1", "inception_v1_arg_scope", "inception_v1_base", "inception_v2", "inception_v2_arg_scope",
           "inception_v2_base", "inception_v3", "inception_v3_arg_scope", "inception_v3_base", "inception_v4",
           "inception_v4_arg_scope", "inception_v4_base"]
