"""What the agent notebooks share: validated parameter models and artifact helpers."""

from mi_kernel.agents.params import (
    AgentParams,
    BacktestParams,
    ComplianceParams,
    FeaturesParams,
    IngestParams,
    PortfolioParams,
    QualityParams,
    ReportParams,
    SignalsParams,
    TrainingParams,
)

__all__ = [
    "AgentParams",
    "BacktestParams",
    "ComplianceParams",
    "FeaturesParams",
    "IngestParams",
    "PortfolioParams",
    "QualityParams",
    "ReportParams",
    "SignalsParams",
    "TrainingParams",
]
