"""Outside data -> facts: case files (and later FHIR bundles and notes)."""
