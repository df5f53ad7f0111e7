"""ISO 2859-1 single sampling: the tables as data, plan lookups and the switching rules.

Pure Python (no models): ``tables`` holds the published tables, ``plans`` reads plans
from them, ``switching`` moves a partner + product between normal, tightened and reduced
inspection lot by lot.
"""
