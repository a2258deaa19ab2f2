"""Declared notebook pipelines executed by Papermill into immutable runs."""

from mi_kernel.pipeline.runner import render_report, run_pipeline, step_parameters
from mi_kernel.pipeline.spec import (
    PipelineSpec,
    StepSpec,
    load_pipeline,
    load_pipelines,
    notebooks_dir,
)

__all__ = [
    "PipelineSpec",
    "StepSpec",
    "load_pipeline",
    "load_pipelines",
    "notebooks_dir",
    "render_report",
    "run_pipeline",
    "step_parameters",
]
