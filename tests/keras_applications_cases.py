"""The tf.keras.applications models checked against tf_keras 2.21, written once: built with weights=None by
tools/record_keras_applications_reference.py under real TensorFlow (-> keras_applications_reference.json) and by
tests/test_keras_applications.py under graphgrad. `RUN` models also get deterministic weights (`weights_for`) and
a fixed input (`images`) whose outputs are recorded."""
import numpy as np

#: name -> (application function, keyword arguments)
CASES = {
    "vgg16_notop": ("VGG16", {"include_top": False, "input_shape": (32, 32, 3)}),
    "vgg16_top": ("VGG16", {"include_top": True, "input_shape": (32, 32, 3), "classes": 10}),
    "vgg19_avg": ("VGG19", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg"}),
    "resnet50_top": ("ResNet50", {"include_top": True, "input_shape": (32, 32, 3), "classes": 10}),
    "resnet101_max": ("ResNet101", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "max"}),
    "resnet152_notop": ("ResNet152", {"include_top": False, "input_shape": (32, 32, 3)}),
    "resnet50v2_top": ("ResNet50V2", {"include_top": True, "input_shape": (32, 32, 3), "classes": 10}),
    "resnet101v2_avg": ("ResNet101V2", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg"}),
    "resnet152v2_notop": ("ResNet152V2", {"include_top": False, "input_shape": (32, 32, 3)}),
    "mobilenet_top": ("MobileNet", {"include_top": True, "input_shape": (32, 32, 3), "classes": 10}),
    "mobilenet_half_avg": ("MobileNet", {"include_top": False, "input_shape": (32, 32, 3), "alpha": 0.5,
                                         "pooling": "avg"}),
    "mobilenetv2_top": ("MobileNetV2", {"include_top": True, "input_shape": (32, 32, 3), "classes": 10}),
    "mobilenetv2_wide_max": ("MobileNetV2", {"include_top": False, "input_shape": (33, 35, 3), "alpha": 1.4,
                                             "pooling": "max"}),
    "inceptionv3_notop": ("InceptionV3", {"include_top": False, "input_shape": (75, 75, 3)}),
    "xception_top": ("Xception", {"include_top": True, "input_shape": (71, 71, 3), "classes": 10}),
    "densenet121_top": ("DenseNet121", {"include_top": True, "input_shape": (32, 32, 3), "classes": 10}),
    "densenet169_avg": ("DenseNet169", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg"}),
    "densenet201_notop": ("DenseNet201", {"include_top": False, "input_shape": (32, 32, 3)}),
}

#: the deepest variants (a few seconds each to build): checked when GRAPHGRAD_HEAVY_TESTS=1
HEAVY = ["resnet152_notop", "resnet152v2_notop", "densenet201_notop"]

#: the cases whose outputs on `images` (with `weights_for` weights) are compared
RUN = ["vgg16_notop", "resnet50_top", "mobilenetv2_top"]


def build(keras, case):
    fn, kwargs = CASES[case]
    return getattr(keras.applications, fn)(weights=None, **kwargs)


def weights_for(names, shapes):
    """Each weight from its position: kernels scaled by 1/sqrt(fan-in), batch-norm statistics near (0, 1)."""
    out = []
    for i, (name, shape) in enumerate(zip(names, shapes)):
        r = np.random.RandomState(i).standard_normal(shape).astype("float32")
        if "moving_variance" in name:
            w = 1 + 0.1 * np.abs(r)
        elif "gamma" in name:
            w = 1 + 0.1 * r
        elif len(shape) > 1:
            w = r / np.sqrt(np.prod(shape[:-1]) if "depthwise" not in name else np.prod(shape[:2]))
        else:
            w = 0.1 * r
        out.append(w.astype("float32"))
    return out


def images(case, n=2):
    shape = CASES[case][1]["input_shape"]
    return np.random.RandomState(7).uniform(-1, 1, (n, *shape)).astype("float32")
