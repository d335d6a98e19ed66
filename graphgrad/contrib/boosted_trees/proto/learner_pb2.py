"""`tf.contrib.boosted_trees.proto.learner_pb2`: the messages of TF's learner.proto (package
tensorflow.boosted_trees.learner, proto3) with its field numbers, built from the descriptor at import."""
from ....framework.proto_messages import message_classes

_L = ".LearnerConfig"
_classes = message_classes(
    "tensorflow/contrib/boosted_trees/proto/learner.proto", "tensorflow.boosted_trees.learner",
    {"TreeRegularizationConfig": [("l1", 1, "float", False), ("l2", 2, "float", False),
                                  ("tree_complexity", 3, "float", False)],
     "TreeConstraintsConfig": [("max_tree_depth", 1, "uint32", False), ("min_node_weight", 2, "float", False),
                               ("max_number_of_unique_feature_columns", 3, "int64", False)],
     "LearningRateConfig": [("fixed", 1, ".LearningRateFixedConfig", False),
                            ("dropout", 2, ".LearningRateDropoutDrivenConfig", False),
                            ("line_search", 3, ".LearningRateLineSearchConfig", False)],
     "LearningRateFixedConfig": [("learning_rate", 1, "float", False)],
     "LearningRateLineSearchConfig": [("max_learning_rate", 1, "float", False), ("num_steps", 2, "int32", False)],
     "AveragingConfig": [("average_last_n_trees", 1, "float", False),
                         ("average_last_percent_trees", 2, "float", False)],
     "LearningRateDropoutDrivenConfig": [("dropout_probability", 1, "float", False),
                                         ("probability_of_skipping_dropout", 2, "float", False),
                                         ("learning_rate", 3, "float", False)],
     "LearnerConfig": [("num_classes", 1, "uint32", False), ("feature_fraction_per_tree", 2, "float", False),
                       ("feature_fraction_per_level", 3, "float", False),
                       ("regularization", 4, ".TreeRegularizationConfig", False),
                       ("constraints", 5, ".TreeConstraintsConfig", False),
                       ("pruning_mode", 8, f"enum:{_L}.PruningMode", False),
                       ("growing_mode", 9, f"enum:{_L}.GrowingMode", False),
                       ("learning_rate_tuner", 6, ".LearningRateConfig", False),
                       ("multi_class_strategy", 10, f"enum:{_L}.MultiClassStrategy", False),
                       ("averaging_config", 11, ".AveragingConfig", False)]},
    oneofs={"LearningRateConfig": ("tuner", {"fixed", "dropout", "line_search"}),
            "AveragingConfig": ("config", {"average_last_n_trees", "average_last_percent_trees"}),
            "LearnerConfig": ("feature_fraction", {"feature_fraction_per_tree", "feature_fraction_per_level"})},
    enums={"LearnerConfig": [
        ("PruningMode", ["PRUNING_MODE_UNSPECIFIED", "PRE_PRUNE", "POST_PRUNE"]),
        ("GrowingMode", ["GROWING_MODE_UNSPECIFIED", "WHOLE_TREE", "LAYER_BY_LAYER"]),
        ("MultiClassStrategy", ["MULTI_CLASS_STRATEGY_UNSPECIFIED", "TREE_PER_CLASS", "FULL_HESSIAN",
                                "DIAGONAL_HESSIAN"])]})

__all__ = ["TreeRegularizationConfig", "TreeConstraintsConfig", "LearningRateConfig", "LearningRateFixedConfig",
           "LearningRateLineSearchConfig", "AveragingConfig", "LearningRateDropoutDrivenConfig", "LearnerConfig"]
(TreeRegularizationConfig, TreeConstraintsConfig, LearningRateConfig, LearningRateFixedConfig,
 LearningRateLineSearchConfig, AveragingConfig, LearningRateDropoutDrivenConfig, LearnerConfig) = (
    _classes[name] for name in __all__)
