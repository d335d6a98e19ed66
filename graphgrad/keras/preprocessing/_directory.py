"""`ImageDataGenerator.flow_from_directory`'s iterator: images read from `directory/<class name>/...` files, one
class per sub-folder (sorted by name unless `classes` lists them), as tf_keras 2.21 lists and labels them."""
from __future__ import annotations

import os

import numpy as np

from .. import backend as K
from ..image_utils import img_to_array, load_img
from ..utils import print_msg
from .image import Iterator, save_batch

_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}


def _image_files(directory, formats, follow_links):
    """(folder, file name) of the image files under `directory`, folders and names in sorted order."""
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda w: w[0]):
        for name in sorted(files):
            if name.lower().endswith(formats):
                yield root, name


class DirectoryIterator(Iterator):
    """Batches of images loaded from files (resized to `target_size`, in `color_mode`), randomly transformed and
    standardised by the ImageDataGenerator, with labels by `class_mode`: "categorical" (one-hot), "binary" or
    "sparse" (class index as float), "input" (the images themselves) or None (images only). `subset` takes
    the generator's `validation_split` share of each class's files ("validation": the first ones)."""

    allowed_class_modes = {"categorical", "binary", "sparse", "input", None}

    def __init__(self, directory, image_data_generator, target_size=(256, 256), color_mode="rgb", classes=None,
                 class_mode="categorical", batch_size=32, shuffle=True, seed=None, data_format=None,
                 save_to_dir=None, save_prefix="", save_format="png", follow_links=False, subset=None,
                 interpolation="nearest", keep_aspect_ratio=False, dtype=None):
        self.data_format, self.dtype = data_format or K.image_data_format(), dtype or K.floatx()
        self.image_data_generator, self.target_size = image_data_generator, tuple(target_size)
        self.keep_aspect_ratio, self.interpolation = keep_aspect_ratio, interpolation
        if color_mode not in _CHANNELS:
            raise ValueError("Invalid color mode:", color_mode, '; expected "rgb", "rgba", or "grayscale".')
        self.color_mode = color_mode
        c = _CHANNELS[color_mode]
        self.image_shape = self.target_size + (c,) if self.data_format == "channels_last" else (c,) + self.target_size
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        split = None
        if subset is not None:
            share = image_data_generator._validation_split
            if subset not in ("validation", "training"):
                raise ValueError(f'Invalid subset name: {subset};expected "training" or "validation"')
            split = (0, share) if subset == "validation" else (share, 1)
        self.split, self.subset = split, subset
        if class_mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {class_mode}; expected one of: {self.allowed_class_modes}")
        self.directory, self.class_mode = directory, class_mode
        if not classes:
            classes = [d for d in sorted(os.listdir(directory)) if os.path.isdir(os.path.join(directory, d))]
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        self.filenames, labels = [], []
        for name in classes:
            folder = os.path.join(directory, name)
            files = list(_image_files(folder, self.white_list_formats, follow_links))
            if split:
                files = files[int(split[0] * len(files)):int(split[1] * len(files))]
            self.filenames += [os.path.join(name, os.path.relpath(os.path.join(root, f), folder)) for root, f in files]
            labels += [self.class_indices[name]] * len(files)
        self.samples = len(self.filenames)
        self.classes = np.asarray(labels, dtype="int32")
        print_msg(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self._filepaths = [os.path.join(directory, f) for f in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self):
        return self._filepaths

    @property
    def labels(self):
        return self.classes

    @property
    def sample_weight(self):
        return None

    def _get_batches_of_transformed_samples(self, index_array):
        gen = self.image_data_generator
        batch_x = np.zeros((len(index_array), *self.image_shape), dtype=self.dtype)
        for i, j in enumerate(index_array):
            img = load_img(self._filepaths[j], color_mode=self.color_mode, target_size=self.target_size,
                           interpolation=self.interpolation, keep_aspect_ratio=self.keep_aspect_ratio)
            x = img_to_array(img, data_format=self.data_format)
            img.close()
            if gen:
                x = gen.standardize(gen.apply_transform(x, gen.get_random_transform(x.shape)))
            batch_x[i] = x
        save_batch(self, batch_x, index_array, 1e7)
        if self.class_mode == "input":
            return batch_x, batch_x.copy()
        if self.class_mode in ("binary", "sparse"):
            return batch_x, self.classes[index_array].astype(self.dtype)
        if self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), len(self.class_indices)), dtype=self.dtype)
            batch_y[np.arange(len(batch_x)), self.classes[index_array]] = 1.0
            return batch_x, batch_y
        return batch_x
