"""mednec: a medical-necessity review engine.

Policies are data; the engine evaluates them against a patient's facts with three-valued
logic and explains every criterion with its evidence and citations::

    from mednec import Runtime
    rt = Runtime.load()
    case = rt.read_case(Path("examples/luspatercept-first-line.yaml"))
    det = rt.evaluate(case.facts, "Reblozyl")
    det.determination  # 'meets_criteria'
"""

from mednec.engine.determination import Determination
from mednec.engine.evaluate import evaluate
from mednec.errors import ConfigError, InputError, MednecError
from mednec.facts.dictionary import FactDictionary, load_dictionary
from mednec.facts.factset import FactSet, FactValue, Provenance
from mednec.policies.loader import Catalog, load_catalog
from mednec.runtime import Runtime
from mednec.tri import Tri

__version__ = "0.1.0"

__all__ = [
    "Catalog",
    "ConfigError",
    "Determination",
    "FactDictionary",
    "FactSet",
    "FactValue",
    "InputError",
    "MednecError",
    "Provenance",
    "Runtime",
    "Tri",
    "__version__",
    "evaluate",
    "load_catalog",
    "load_dictionary",
]
