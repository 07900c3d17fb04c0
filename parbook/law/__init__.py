"""Stage ``law``: what depends on which legal texts are in force.

Takes in: the configuration files of data/reference/ that hold legal parameters (rules.yaml,
regimes.yaml, calendar_overrides.csv). Hands on: the rule parameters
(:func:`parbook.law.rules.rules`), the legal regime of each day with its own rule parameters,
form names, one-stop unit, report addressee and check basis (:mod:`parbook.law.regimes`), and
the days off and make-up working days beyond the ``holidays`` package
(:func:`parbook.law.holidays.read_overrides`), to the timeline and every later stage.
"""
