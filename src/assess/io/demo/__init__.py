"""Realistic synthetic demo data: a provincial power utility with a planted campaign effect."""

from assess.io.demo.writing import AS_OF, FORMATS, REPORT_QUARTER, SIZES, DemoSummary, generate

__all__ = ["AS_OF", "FORMATS", "REPORT_QUARTER", "SIZES", "DemoSummary", "generate"]
