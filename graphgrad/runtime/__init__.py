"""Execution: Session, compiled plans, backends."""
from .session import InteractiveSession, Session, get_default_session

__all__ = ["Session", "InteractiveSession", "get_default_session"]
