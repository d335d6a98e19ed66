"""`tf.contrib.tensor_forest.client`: `random_forest` (the estimators) and `eval_metrics`."""
