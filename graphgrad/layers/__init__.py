"""`tf.layers`: TF1's layer objects and functions (dense, dropout, flatten, batch_normalization, convolutions,
pooling)."""
from .convolutional import (
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    Convolution1D,
    Convolution2D,
    Convolution2DTranspose,
    Convolution3D,
    Convolution3DTranspose,
    SeparableConv1D,
    SeparableConv2D,
    SeparableConvolution1D,
    SeparableConvolution2D,
    conv1d,
    conv2d,
    conv2d_transpose,
    conv3d,
    conv3d_transpose,
    separable_conv1d,
    separable_conv2d,
)
from .core import Dense, Dropout, Flatten, Layer, dense, dropout, flatten
from .normalization import BatchNormalization, batch_normalization
from .pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    AvgPool1D,
    AvgPool2D,
    AvgPool3D,
    MaxPool1D,
    MaxPool2D,
    MaxPool3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
    average_pooling1d,
    average_pooling2d,
    average_pooling3d,
    max_pooling1d,
    max_pooling2d,
    max_pooling3d,
)

__all__ = ["Layer", "Dense", "Dropout", "Flatten", "BatchNormalization", "dense", "dropout", "flatten",
           "batch_normalization",
           "Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "Conv3DTranspose", "SeparableConv2D", "Convolution1D",
           "Convolution2D", "Convolution3D", "Convolution2DTranspose", "Convolution3DTranspose",
           "SeparableConvolution2D", "conv1d", "conv2d", "conv3d", "conv2d_transpose", "conv3d_transpose",
           "separable_conv2d", "SeparableConv1D", "SeparableConvolution1D", "separable_conv1d", "InputSpec",
           "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
           "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D", "max_pooling1d",
           "max_pooling2d", "max_pooling3d", "average_pooling1d", "average_pooling2d", "average_pooling3d"]


def __getattr__(name):
    """`tf.layers.InputSpec` is Keras' (graphgrad/keras sits above this package, so it is found on first use)."""
    if name == "InputSpec":
        from ..keras.layers._base import InputSpec

        return InputSpec
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
