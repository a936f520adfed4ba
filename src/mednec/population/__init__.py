"""Population runs: many patients, one or more policies, results as tables.

::

    inputs      what a run reads (a fact table, a folder of case files, a FHIR Bulk Data
                export) and how it is cut into chunks of patients
    table       the fact table's columns (from the fact dictionary) and a row -> case mapping
    bulk        a FHIR Bulk Data export -> one Bundle per patient, through an on-disk spill
    rowwise     a chunk evaluated patient by patient with the engine (the reference)
    results     the output rows (one per patient and policy) as an Arrow table
    manifest    the output folder: chunk files, the manifest, resuming an interrupted run
    runner      a whole run: chunks in, results out, on this process or a Dask cluster
    impact      what a draft policy version changes for a population (transition table)

Layering: this package sits beside the FHIR interop layer (it reads intake, the engine and
the policies, and nothing above it); the service layer calls :mod:`impact` for stored cases.
Everything here that needs pyarrow, numpy or dask imports it lazily or lives in a module
only the ``population`` extra's commands import.
"""
