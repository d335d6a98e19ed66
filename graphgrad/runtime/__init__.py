"""Execution: Session, compiled plans, backends."""
from . import malloc_tuning

malloc_tuning.tune()   # before the first step's buffers: freed ones are kept for the next step

from .session import InteractiveSession, Session, get_default_session

__all__ = ["Session", "InteractiveSession", "get_default_session"]
