"""Stage ``law``: what depends on which legal texts are in force.

Takes in: the configuration files of data/reference/ that hold legal parameters (rules.yaml,
calendar_overrides.csv). Hands on: the rule parameters (:func:`parbook.law.rules.rules`) and the
days off and make-up working days beyond the ``holidays`` package
(:func:`parbook.law.holidays.read_overrides`), to the timeline and every later stage.
"""
