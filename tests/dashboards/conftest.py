"""The consoles are tested on the control-plane tests' trained runs root."""

from tests.governance.conftest import fresh, trained

__all__ = ["fresh", "trained"]
