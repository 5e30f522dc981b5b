"""Shared fixtures: a seeded random generator and figures closed after each test."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261121)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory):
    """The small demo inputs (CSV folder), generated once per test session."""
    from assess.io.demo import generate

    folder = tmp_path_factory.mktemp("demo") / "small"
    generate(folder, size="small", seed=7, progress=False)
    return folder


@pytest.fixture(scope="session")
def small_dataset(small_demo):
    """The small demo, validated."""
    from assess.io.validation import load_inputs

    return load_inputs(small_demo)
