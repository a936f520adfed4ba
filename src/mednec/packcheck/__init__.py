"""Checking packs: every policy validated and its test cases run through the runtime
(``mednec policies check``, the pytest plugin in ``conftest.py``, the web library page).

It sits above the runtime, so the policy language (``mednec.policies``) needs nothing of the
engine or intake.
"""
