"""`slim.data` (tf.contrib.slim.data): TF-Slim's input pipeline on TF1's queues — a `Dataset` (files, a reader, a
decoder), `parallel_reader` (several readers filling one common queue), `tfexample_decoder` (tf.train.Example
records to named tensors, images decoded), `DatasetDataProvider` (the three together) and `prefetch_queue`.

    decoder = slim.tfexample_decoder.TFExampleDecoder(
        {"image/encoded": tf.FixedLenFeature((), tf.string), "image/format": tf.FixedLenFeature((), tf.string),
         "image/class/label": tf.FixedLenFeature((), tf.int64)},
        {"image": slim.tfexample_decoder.Image(), "label": slim.tfexample_decoder.Tensor("image/class/label")})
    dataset = slim.dataset.Dataset("train-*.tfrecord", tf.TFRecordReader, decoder, num_samples=1000,
                                   items_to_descriptions={})
    image, label = slim.dataset_data_provider.DatasetDataProvider(dataset).get(["image", "label"])
"""
from . import (  # noqa: F401
    data_decoder,
    data_provider,
    dataset,
    dataset_data_provider,
    parallel_reader,
    prefetch_queue,
    tfexample_decoder,
)

__all__ = ["data_decoder", "data_provider", "dataset", "dataset_data_provider", "parallel_reader",
           "prefetch_queue", "tfexample_decoder"]
