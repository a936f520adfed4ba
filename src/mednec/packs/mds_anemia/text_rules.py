"""The MDS anemia pack's text rules for questions and notes: transfusion and ESA history,
karyotypes and risk scores, and the MDS labs and statements (hemoglobin, platelets, ANC, serum
EPO, marrow blasts, ring sideroblasts, symptomatic anemia, immediate correction, concurrent ESA).

The rule modules live in :mod:`mednec.intake.text` (shared machinery with the ConText engine);
this list is what makes them the pack's. A pack without a ``text_rules.py`` is read through its
facts' ``names`` (:mod:`mednec.intake.text.generic`).
"""

from __future__ import annotations

from mednec.intake.text.cyto import cyto_rules
from mednec.intake.text.history import history_rules
from mednec.intake.text.rules import Rule, lab_rules

__all__ = ["RULES"]

RULES: tuple[Rule, ...] = (*history_rules(), *cyto_rules(), *lab_rules())
