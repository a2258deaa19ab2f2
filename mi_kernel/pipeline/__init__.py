"""Declared notebook pipelines executed by Papermill into immutable runs."""

from mi_kernel.pipeline.describe import parameter_docs, parameter_table
from mi_kernel.pipeline.runner import render_report, run_pipeline, step_parameters
from mi_kernel.pipeline.spec import (
    PipelineSpec,
    StepSpec,
    load_pipeline,
    load_pipelines,
    notebooks_dir,
)
from mi_kernel.pipeline.validate import check_parameters, validate_parameters, validate_pipeline

__all__ = [
    "PipelineSpec",
    "StepSpec",
    "check_parameters",
    "load_pipeline",
    "load_pipelines",
    "notebooks_dir",
    "parameter_docs",
    "parameter_table",
    "render_report",
    "run_pipeline",
    "step_parameters",
    "validate_parameters",
    "validate_pipeline",
]
