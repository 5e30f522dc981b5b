"""Realistic synthetic demo data: a provincial power utility with a planted campaign effect.

:func:`generate` writes the files a user of `assess` would bring — one UTF-8 (with BOM)
CSV per table of :mod:`assess.core.schema`, English column names as headers — plus
``ground_truth.json`` (every planted effect and model parameter, so tests can check that
an analysis recovers them) and ``indicators.json`` (the Pioneer-Index indicator codes with
suggested points and caps, to build the default scoring scheme).

The synthetic utility
---------------------
* **Tree.** Province ``00`` → city companies ``01``..``14`` → county companies ``0101`` →
  party branches ``010101``. Branches directly under a city company sit in the pseudo
  county ``00`` (``010001``), so every branch code has six digits. In the ``national``
  size every code is prefixed by a two-digit province code (``01``..``40``).
* **Period.** 36 months, 2023-10 to 2026-09: twelve quarters 2023Q4..2026Q3, ending with
  the report quarter 2026Q3, so 同比 (2025Q3) and 环比 (2026Q2) bases exist and nothing
  lies after the report date 2026-09-30 ("as of" of every red/yellow/green status).
  Registers (projects, problems, duties) also hold deadlines after that day.
* **Events.** Violations per work ticket, complaints and faults per customer, discipline
  breaches per party member; branch-month counts are Poisson with a gamma branch frailty
  and gamma branch-month noise (negative binomial), a calendar-month season, a Spring
  Festival dip on the real lunar-new-year dates and a mild trend.
* **Campaign** "三无三当": starts 2025-05-01 in every branch of three pilot city companies,
  2026-05-01 everywhere else. From the start month on it multiplies the complaint rate by
  0.70 and the violation rate by 0.90 (faults 1.00: a negative-control outcome).
  The pilot cities were chosen because they were worse: their rates are 1.3 times the
  others' at every time, with the same trend and season, so unit fixed effects absorb the
  gap and a Poisson difference-in-differences recovers 0.70 / 0.90 exactly in expectation,
  while a naive pilot-versus-rest comparison does not.
* **Members.** Violations and complaints carry the person responsible for most events;
  within a branch a party member's rate is 0.80 (violations) and 0.75 (complaints) times
  a non-member's.

Sizes: ``small`` (24 branches, about 400 staff; for tests, about a second),
``province`` (about 1,500 branches, 25,000 members and 15,000 other staff) and
``national`` (40 such provinces, about 1,000,000 members, streamed province by province;
points, exam answers, party dues and meetings are kept for the last five quarters only).

Modules
-------
One module per thing generated: ``config`` (sizes, calendar, campaign dates, helpers),
``org`` (``units``, ``staff``), ``events`` (``exposure``, ``events``, ``kpis``),
``points`` (``points``, ``indicators.json``), ``exams`` (``exam_items``,
``exam_responses``), ``registers`` (``projects``, ``milestones``, ``problems``,
``duties``), ``truth`` (``campaign``, ``ground_truth.json``) and ``writing`` (the files,
:func:`generate`, :class:`DemoSummary`).
"""

from assess.io.demo.config import AS_OF, REPORT_QUARTER, SIZES
from assess.io.demo.writing import FORMATS, DemoSummary, generate

__all__ = ["AS_OF", "FORMATS", "REPORT_QUARTER", "SIZES", "DemoSummary", "generate"]
