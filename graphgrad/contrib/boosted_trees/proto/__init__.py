"""TF's boosted-trees protos: `learner_pb2`."""
from . import learner_pb2  # noqa: F401
