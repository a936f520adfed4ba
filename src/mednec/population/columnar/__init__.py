"""The columnar engine: a chunk of patients evaluated column by column, giving exactly the
row-wise engine's answers (determination, pathway, every criterion's status, missing documents).

::

    frame        a fact table chunk -> fact columns in canonical units (each distinct raw value
                 parsed once by the case-file parser; rows it refuses go to the row-wise engine)
    calculators  the calculators as operations over whole columns and event tables
    program      a policy's compiled criteria trees -> three-valued masks (generic over any
                 policy; what cannot be vectorised is reported and left to the row-wise engine)
    explain      the documents an insufficient-information answer asks for, as masks
    run          a chunk: frame, calculators, masks, rows; sampled rows checked row-wise

Three-valued statuses are ``int8`` arrays: 0 not met, 1 unknown, 2 met, so Kleene's ``and``
is the minimum, ``or`` the maximum and ``not`` is ``2 - x``. Dates are ``int32`` days since
1970-01-01. The row-wise engine (:mod:`mednec.population.rowwise`) stays the reference: the
property test in ``tests/population/test_columnar.py`` asserts both give the same rows.
"""
