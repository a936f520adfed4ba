"""The code systems' URIs the test builders and FHIR tests write (FHIR R4 terminology: LOINC, SNOMED CT,
RxNorm, ICD-10-CM, UCUM, NDC, HCPCS, CPT), spelled out once here and not imported from mednec, so a test
never takes mednec's own constants as the truth it checks them against."""

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
NDC = "http://hl7.org/fhir/sid/ndc"
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
CPT = "http://www.ama-assn.org/go/cpt"
