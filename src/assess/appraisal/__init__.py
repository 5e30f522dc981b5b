"""The quarterly appraisal (季度考评): the points ledger, normalisation, weights (AHP,
entropy, CRITIC), ranks, forced-distribution grades, 同比/环比 changes, the watch list,
branch metrics, five-star ratings, rank robustness, and
:func:`~assess.appraisal.scoring.score_quarter`, which joins them. Import from the modules
themselves.
"""
