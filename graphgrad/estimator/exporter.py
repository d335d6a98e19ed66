"""`tf.estimator.Exporter`s, which `train_and_evaluate` runs after each evaluation: `LatestExporter` exports every
evaluated checkpoint (keeping the newest `exports_to_keep`), `FinalExporter` only the last one."""
from __future__ import annotations

import os
import shutil

from .. import logging

__all__ = ["Exporter", "LatestExporter", "FinalExporter"]


class Exporter:
    """Writes a model after an evaluation: `export(estimator, export_path, checkpoint_path, eval_result,
    is_the_final_export)` returns what it wrote (a path) or None."""

    @property
    def name(self):
        raise NotImplementedError

    def export(self, estimator, export_path, checkpoint_path, eval_result, is_the_final_export):
        raise NotImplementedError


class _SavedModelExporter(Exporter):
    def __init__(self, name, serving_input_receiver_fn, assets_extra=None, as_text=False):
        self._name, self._fn, self._assets_extra, self._as_text = name, serving_input_receiver_fn, assets_extra, as_text

    @property
    def name(self):
        return self._name

    def _export(self, estimator, export_path, checkpoint_path):
        return estimator.export_saved_model(export_path, self._fn, assets_extra=self._assets_extra,
                                            as_text=self._as_text, checkpoint_path=checkpoint_path)


class FinalExporter(_SavedModelExporter):
    """Exports the model once, after the last evaluation."""

    def export(self, estimator, export_path, checkpoint_path, eval_result, is_the_final_export):
        if not is_the_final_export:
            return None
        logging.info("Performing the final export in the end of training.")
        return self._export(estimator, export_path, checkpoint_path)


class LatestExporter(_SavedModelExporter):
    """Exports after every evaluation and deletes all but the newest `exports_to_keep` exports (None keeps all)."""

    def __init__(self, name, serving_input_receiver_fn, assets_extra=None, as_text=False, exports_to_keep=5):
        super().__init__(name, serving_input_receiver_fn, assets_extra, as_text)
        if exports_to_keep is not None and exports_to_keep <= 0:
            raise ValueError("`exports_to_keep`, if provided, must be a positive number. Got "
                             f"{exports_to_keep}")
        self._keep = exports_to_keep

    def export(self, estimator, export_path, checkpoint_path, eval_result, is_the_final_export):
        path = self._export(estimator, export_path, checkpoint_path)
        if self._keep is not None:
            versions = sorted(int(d) for d in os.listdir(export_path) if d.isdigit())
            for old in versions[:-self._keep]:
                shutil.rmtree(os.path.join(export_path, str(old)), ignore_errors=True)
        return path
