"""The KinéCO2 calculation engine.

A pure-Python package (no Django import): it reads versioned, sourced reference data
(emission factors and defaults), validates a practice's answers against a pydantic
input schema, computes one result line per activity × emission factor, and propagates
uncertainty by Monte Carlo. The web application, the REST API and the CLI are thin
layers over :func:`compute` and :class:`kineco2.engine.schema.AssessmentInput`.
"""

from kineco2.engine.compute import ENGINE_VERSION, compute
from kineco2.engine.errors import InputError
from kineco2.engine.schema import SCHEMA_VERSION, AssessmentInput, parse_input

__all__ = [
    "ENGINE_VERSION",
    "SCHEMA_VERSION",
    "AssessmentInput",
    "InputError",
    "compute",
    "parse_input",
]
