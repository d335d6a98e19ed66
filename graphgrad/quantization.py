"""`tf.quantization`: the fake-quantization ops of quantization-aware training (ops/fake_quant_ops.py), also TF 1's
top-level `tf.fake_quant_*` names. TF's `quantize` / `dequantize` / `quantize_v2` / `quantized_concat` produce or
take qint8/quint8 tensors, which graphgrad has names for but no arrays (docs/extra-apis.md, `tf.dtypes`), so they
are not here (docs/tf-misc.md)."""
from .ops.fake_quant_ops import (
    fake_quant_with_min_max_args,
    fake_quant_with_min_max_args_gradient,
    fake_quant_with_min_max_vars,
    fake_quant_with_min_max_vars_gradient,
    fake_quant_with_min_max_vars_per_channel,
    fake_quant_with_min_max_vars_per_channel_gradient,
)

__all__ = ["fake_quant_with_min_max_args", "fake_quant_with_min_max_args_gradient", "fake_quant_with_min_max_vars",
           "fake_quant_with_min_max_vars_gradient", "fake_quant_with_min_max_vars_per_channel",
           "fake_quant_with_min_max_vars_per_channel_gradient"]
