"""Provenance of a report: what went in, which code produced it, and when.

Every report carries it — a visible annex in HTML and DOCX, a ``provenance`` object in
its JSON — so that a reader can tell whether two reports were produced from the same
data, template and software. The same provenance (apart from ``generated_at``) means
the same numbers; its :meth:`Provenance.fingerprint` decides whether a finished report
can be kept when a batch is run again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import importlib.metadata
import json
import os
import platform
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["PACKAGES", "Provenance", "collect_provenance", "file_sha256", "time_label"]

#: Packages whose versions are recorded.
PACKAGES: tuple[str, ...] = ("assess", "pandas", "numpy", "scipy", "statsmodels", "matplotlib")


@dataclass(frozen=True)
class Provenance:
    """Where a report came from.

    Attributes
    ----------
    template : str
        Template name (file stem).
    template_sha256 : str
        SHA-256 of the template file.
    parameters : dict
        Every parameter value the report ran with.
    inputs : dict of str to str
        Input → SHA-256: ``store`` is the store's content fingerprint
        (:meth:`assess.io.store.Store.content_sha256`), other entries are files named by
        parameters (e.g. a scheme file).
    versions : dict of str to str
        Python and the packages of :data:`PACKAGES`.
    git_commit : str or None
        Commit of the `assess` source checkout, ``+dirty`` when it has local changes;
        None outside a checkout.
    seed : int or None
        The ``seed`` parameter, when the template has one.
    generated_at : str or None
        Local time the report was run, ISO 8601 with offset; set when it runs.
    """

    template: str
    template_sha256: str
    parameters: dict[str, Any]
    inputs: dict[str, str]
    versions: dict[str, str]
    git_commit: str | None
    seed: int | None
    generated_at: str | None = field(default=None)

    def stamped(self) -> Provenance:
        """A copy with ``generated_at`` set to now."""
        now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        return dataclasses.replace(self, generated_at=now)

    def generated_label(self) -> str:
        """``generated_at`` as a reader sees it.

        Examples
        --------
        >>> p = Provenance("t", "ab", {}, {}, {}, None, None, "2026-10-08T09:30:00+08:00")
        >>> p.generated_label()
        '2026-10-08 09:30:00 (UTC+08:00)'
        """
        return time_label(self.generated_at)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return dataclasses.asdict(self)

    def fingerprint(self, formats: tuple[str, ...] = ()) -> str:
        """SHA-256 of everything that determines the report's content (not the time).

        Examples
        --------
        >>> p = Provenance("t", "ab", {"unit": "0101"}, {}, {"assess": "0.1"}, None, None)
        >>> p.fingerprint() == p.stamped().fingerprint()
        True
        """
        data = self.to_dict()
        data.pop("generated_at")
        data["formats"] = sorted(formats)
        text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) rows of the report's provenance annex, without the time."""
        rows = [
            ("报告模板 Template", f"{self.template} (SHA-256 {self.template_sha256[:16]}…)"),
            *((f"参数 Parameter {k}", _text(v)) for k, v in self.parameters.items()),
            *((f"输入 Input {k}", f"SHA-256 {v}") for k, v in self.inputs.items()),
            ("随机种子 Seed", "—" if self.seed is None else str(self.seed)),
            ("代码版本 Git commit", self.git_commit or "—"),
            ("软件版本 Versions", ", ".join(f"{k} {v}" for k, v in self.versions.items())),
        ]
        return rows


def time_label(iso: str | None) -> str:
    """An ISO 8601 time with offset as ``YYYY-MM-DD hh:mm:ss (UTC±hh:mm)``."""
    if not iso:
        return "—"
    when = dt.datetime.fromisoformat(iso)
    offset = when.strftime("%z")
    zone = f" (UTC{offset[:3]}:{offset[3:]})" if offset else ""
    return f"{when:%Y-%m-%d %H:%M:%S}{zone}"


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    return str(value)


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@functools.cache
def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "—"
    return out


@functools.cache
def _git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+dirty" if dirty else head


def collect_provenance(
    template: str | os.PathLike[str],
    parameters: Mapping[str, Any],
    *,
    store_sha256: str | None = None,
) -> Provenance:
    """The provenance of a report about to run (``generated_at`` still unset).

    Parameters
    ----------
    template : path
        The template file.
    parameters : mapping
        The validated parameters. A ``store`` parameter is fingerprinted by content;
        other text parameters naming an existing file are hashed as files.
    store_sha256 : str, optional
        The store's content fingerprint when the caller already has it (a batch reads
        it once); default: computed by opening the store read-only.

    Raises
    ------
    StoreError
        The ``store`` parameter names no readable store.
    """
    path = Path(template)
    inputs: dict[str, str] = {}
    for name, value in parameters.items():
        if name == "store":
            inputs["store"] = store_sha256 or _store_sha256(value)
        elif isinstance(value, str) and value and Path(value).is_file():
            inputs[name] = file_sha256(value)
    seed = parameters.get("seed")
    return Provenance(
        template=path.stem,
        template_sha256=file_sha256(path),
        parameters=dict(parameters),
        inputs=inputs,
        versions=_versions(),
        git_commit=_git_commit(),
        seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
    )


def _store_sha256(path: str) -> str:
    from assess.io.store import Store

    with Store.open(path, read_only=True) as store:
        return store.content_sha256()
