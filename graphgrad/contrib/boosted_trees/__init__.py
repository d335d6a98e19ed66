"""`tf.contrib.boosted_trees`: `proto.learner_pb2.LearnerConfig` and `estimator_batch.estimator`'s
`GradientBoostedDecisionTreeClassifier` / `...Regressor`, on the learner of `tf.estimator.BoostedTrees*`
(docs/boosted-trees.md)."""
from . import estimator_batch, proto  # noqa: F401

__all__ = ["estimator_batch", "proto"]
