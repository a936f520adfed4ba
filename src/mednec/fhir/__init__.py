"""FHIR R4 outputs of a determination: DTR questionnaires, CRD (CDS Hooks) responses, PAS.

* :mod:`questionnaire` -- a Questionnaire asking only for what a determination is missing,
  and applying the QuestionnaireResponse back to the case;
* :mod:`crd` -- CDS Hooks 2.0 discovery and ``order-select`` / ``order-sign`` handling;
  :mod:`cards` -- the cards and the Da Vinci CRD coverage-information extension;
* :mod:`pas` -- Da Vinci PAS ``$submit`` / ``$inquire``: a Claim bundle in, a ClaimResponse
  bundle out, with a pluggable :class:`pas.ClaimStore`.

Everything here is pure functions over JSON-shaped dicts (no HTTP server; the API wraps them).
Resources are R4 and validate against ``fhir.resources.R4B``; that package is imported only
when a bundle is read or a resource is validated.
"""
