"""One exception hierarchy: every message names the offending input and what to do."""

from __future__ import annotations


class MIError(Exception):
    """Base class of every error the kernel raises on purpose."""


class ConfigError(MIError, ValueError):
    """A parameter, recipe id, registry key or config value is invalid."""


class ParameterError(ConfigError):
    """Pipeline parameters failed the checks made before a run: one line per bad parameter."""


class SchemaError(MIError, ValueError):
    """A table does not match its canonical schema at a boundary."""


class DataError(MIError):
    """Data cannot be found, read, or is unusable as given."""


class UnknownSymbolError(DataError, KeyError):
    """A requested symbol is not in the source."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class LeakageError(MIError):
    """A value used at time t was not known at t."""


class RunError(MIError):
    """A run cannot be started, resolved, written or sealed."""


class SealedRunError(RunError, PermissionError):
    """An attempt to change a sealed, immutable run."""


class IntegrityError(RunError):
    """Verification found a changed, missing or added byte, or a broken ledger chain."""


class PipelineError(MIError):
    """A pipeline step failed; the message names the notebook and cell, and ``run_id`` the
    failed run kept (``None`` when the failure came before a run existed)."""

    def __init__(self, message: str, run_id: str | None = None) -> None:
        super().__init__(message)
        self.run_id = run_id

    def __reduce__(self) -> tuple[type, tuple[str, str | None]]:  # keeps run_id across pickling
        return (type(self), (str(self), self.run_id))


class ComplianceError(MIError):
    """A pre-trade check or an approval gate refused the action."""
