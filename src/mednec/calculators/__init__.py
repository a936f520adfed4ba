"""Clinical calculators: pure functions, each with its citation."""

from mednec.calculators.age import age_on
from mednec.calculators.esa_response import EsaAssessment, EsaCourse, assess_esa
from mednec.calculators.ipss_r import IpssR, ipss_r, ipss_r_category
from mednec.calculators.transfusion_burden import Transfusion, TransfusionBurden, transfusion_burden
from mednec.calculators.treatment_course import Dose, TreatmentCourse, treatment_course

__all__ = [
    "Dose",
    "EsaAssessment",
    "EsaCourse",
    "IpssR",
    "Transfusion",
    "TransfusionBurden",
    "TreatmentCourse",
    "age_on",
    "assess_esa",
    "ipss_r",
    "ipss_r_category",
    "transfusion_burden",
    "treatment_course",
]
