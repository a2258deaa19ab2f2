"""What the agent notebooks share: validated parameter models and artifact helpers."""

from mi_kernel.agents.params import (
    AgentParams,
    BacktestParams,
    ComplianceParams,
    EnsembleParams,
    ExplainParams,
    FeaturesParams,
    IngestParams,
    IntradayParams,
    PortfolioParams,
    QualityParams,
    RegimesParams,
    ReportParams,
    ResearchParams,
    SignalsParams,
    TrainingParams,
    parameter_field,
)

__all__ = [
    "AgentParams",
    "BacktestParams",
    "ComplianceParams",
    "EnsembleParams",
    "ExplainParams",
    "FeaturesParams",
    "IngestParams",
    "IntradayParams",
    "PortfolioParams",
    "QualityParams",
    "RegimesParams",
    "ReportParams",
    "ResearchParams",
    "SignalsParams",
    "TrainingParams",
    "parameter_field",
]
