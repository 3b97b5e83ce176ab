"""Shared fixtures: the shipped data sets and the `synthkit` binary of the workspace build."""

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[3]
DATASETS = ROOT / "datasets"
AI4I_TARGET = "Machine failure"


@pytest.fixture(scope="session")
def ai4i() -> pd.DataFrame:
    """AI4I 2020 training split: 7,000 rows, 237 failures (3.4 %)."""
    return pd.read_csv(DATASETS / "ai4i_machine_failure" / "train.csv")


@pytest.fixture(scope="session")
def thyroid() -> pd.DataFrame:
    """UCI thyroid "sick" training split: 2,640 rows, missing values in 6 columns."""
    return pd.read_csv(DATASETS / "thyroid_sick" / "train.csv")


@pytest.fixture(scope="session")
def synthkit_bin() -> str:
    """The `synthkit` binary: $SYNTHKIT_BIN, else the workspace build's debug binary (CI sets
    SYNTHKIT_BIN after `cargo test --workspace` has built it)."""
    env = os.environ.get("SYNTHKIT_BIN")
    if env:
        assert Path(env).is_file(), f"SYNTHKIT_BIN={env} does not exist"
        return env
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    for p in (target / "debug" / "synthkit", shutil.which("synthkit")):
        if p and Path(p).is_file():
            return str(p)
    pytest.skip("no synthkit binary: run `cargo build` or set SYNTHKIT_BIN")
