"""FHIR R4 intake: a Bundle (or a QuestionnaireResponse) -> the case format, with provenance.

One mapper per resource type (``patient``, ``condition``, ``observation`` with ``genomics``,
``transfusion`` for Procedure / BiologicallyDerivedProduct / blood MedicationAdministration,
``medication`` for ESA MedicationRequest / MedicationStatement / MedicationAdministration,
``treatment`` for the doses and start of the requested drug, ``questionnaire_response``);
``bundle`` runs them and assembles the case. Codes and their
verification status are in ``codes``, UCUM units in ``units``.

Nothing here imports ``fhir.resources`` at import time (see ``validate``).
"""

from mednec.intake.fhir.bundle import BUNDLE_TYPES, BundleIntake, FactSource, Unmapped, bundle_to_case
from mednec.intake.fhir.response import apply_questionnaire_response

__all__ = [
    "BUNDLE_TYPES",
    "BundleIntake",
    "FactSource",
    "Unmapped",
    "apply_questionnaire_response",
    "bundle_to_case",
]
