"""Tracking of secretary projects, problem lists and recurring duties in
red/yellow/green (:mod:`~assess.tracking.status` holds the shared rules). Import from the
modules themselves.
"""
