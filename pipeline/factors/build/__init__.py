"""Maintainer tools that regenerate the shipped reference data from public source files
(`python -m pipeline.factors.build ...`); the product never runs them at run time."""
