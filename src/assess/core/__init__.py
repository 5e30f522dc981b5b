"""The shared core: what every family of `assess` builds on, importing nothing else of it.

Errors and argument checks, the data contract (:mod:`~assess.core.schema`), periods, the
units tree, the :class:`~assess.core.dataset.Dataset`, the scheme contract, the glossary
and the number formatter, shared intervals, the result display base, the CJK plotting
helpers and the one workbook writer. Import from the modules themselves.
"""
