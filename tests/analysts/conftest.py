"""Fixtures of the analysts' tests: one warehouse built by the real pipeline, shared by the session."""

from __future__ import annotations

from pathlib import Path

import pytest
from analyst_warehouse import AnalystWarehouse, build_analyst_warehouse


@pytest.fixture(scope="session")
def analyst_warehouse(tmp_path_factory: pytest.TempPathFactory) -> AnalystWarehouse:
    return build_analyst_warehouse(tmp_path_factory.mktemp("analyst"))


@pytest.fixture
def workbench_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a workbench under tmux: Harlequin keeps history and settings in a throwaway home."""
    env = {
        name: str(tmp_path / name.lower()) for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")
    }
    return env | {"HOME": str(tmp_path / "home"), "TERM": "xterm-256color", "LANG": "C.UTF-8"}
