"""contrib's batch boosted-trees estimators: `estimator`."""
from . import estimator  # noqa: F401
