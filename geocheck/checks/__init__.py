"""All checks. Importing this package fills the registry, family by family."""

from . import containment, contiguity, parcels, references, size, urban_design, validity  # noqa: F401  (registration)
from .registry import FAMILIES, REGISTRY, Quantity, Rule, RuleContext, apply_exemption, register, run_rule

__all__ = ["FAMILIES", "REGISTRY", "Quantity", "Rule", "RuleContext", "apply_exemption", "register", "run_rule"]
