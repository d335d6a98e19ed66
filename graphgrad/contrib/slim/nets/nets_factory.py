"""`nets_factory` (research/slim's `nets/nets_factory.py`): every net graphgrad has, by the name
`train_image_classifier.py --model_name` takes, with its arg scope:

    network_fn = nets_factory.get_network_fn("inception_v3", num_classes=5, weight_decay=4e-5, is_training=True)
    logits, end_points = network_fn(images)          # inside inception_v3_arg_scope(weight_decay=4e-5)
"""
from __future__ import annotations

import functools

from ...framework import arg_scope
from . import alexnet, inception, mobilenet_v1, overfeat, resnet_v1, resnet_v2, vgg

__all__ = ["arg_scopes_map", "get_network_fn", "networks_map"]

networks_map = {
    "alexnet_v2": alexnet.alexnet_v2,
    "overfeat": overfeat.overfeat,
    "vgg_a": vgg.vgg_a,
    "vgg_16": vgg.vgg_16,
    "vgg_19": vgg.vgg_19,
    "inception_v1": inception.inception_v1,
    "inception_v2": inception.inception_v2,
    "inception_v3": inception.inception_v3,
    "inception_v4": inception.inception_v4,
    "inception_resnet_v2": inception.inception_resnet_v2,
    **{f"resnet_v1_{n}": getattr(resnet_v1, f"resnet_v1_{n}") for n in (50, 101, 152, 200)},
    **{f"resnet_v2_{n}": getattr(resnet_v2, f"resnet_v2_{n}") for n in (50, 101, 152, 200)},
    "mobilenet_v1": mobilenet_v1.mobilenet_v1,
    "mobilenet_v1_075": mobilenet_v1.mobilenet_v1_075,
    "mobilenet_v1_050": mobilenet_v1.mobilenet_v1_050,
    "mobilenet_v1_025": mobilenet_v1.mobilenet_v1_025,
}

arg_scopes_map = {
    "alexnet_v2": alexnet.alexnet_v2_arg_scope,
    "overfeat": overfeat.overfeat_arg_scope,
    "vgg_a": vgg.vgg_arg_scope,
    "vgg_16": vgg.vgg_arg_scope,
    "vgg_19": vgg.vgg_arg_scope,
    "inception_v1": inception.inception_v3_arg_scope,  # sic: research/slim trains v1 and v2 with v3's scope
    "inception_v2": inception.inception_v3_arg_scope,
    "inception_v3": inception.inception_v3_arg_scope,
    "inception_v4": inception.inception_v4_arg_scope,
    "inception_resnet_v2": inception.inception_resnet_v2_arg_scope,
    **{f"resnet_v{v}_{n}": resnet_v1.resnet_arg_scope for v in (1, 2) for n in (50, 101, 152, 200)},
    **{name: mobilenet_v1.mobilenet_v1_arg_scope for name in ("mobilenet_v1", "mobilenet_v1_075", "mobilenet_v1_050",
                                                              "mobilenet_v1_025")},
}


def get_network_fn(name, num_classes, weight_decay=0.0, is_training=False):
    """`network_fn(images, **kwargs)` -> (logits, end_points): the net `name` built inside its arg scope (with
    `weight_decay`) for `num_classes` (0 or None: the features before the logits); `default_image_size` as the
    net's. A ValueError for an unknown name."""
    if name not in networks_map:
        raise ValueError(f"Name of network unknown {name}")
    func = networks_map[name]

    @functools.wraps(func)
    def network_fn(images, **kwargs):
        with arg_scope(arg_scopes_map[name](weight_decay=weight_decay)):
            return func(images, num_classes=num_classes, is_training=is_training, **kwargs)

    if hasattr(func, "default_image_size"):
        network_fn.default_image_size = func.default_image_size
    return network_fn
