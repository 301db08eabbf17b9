"""The shared quick build (tests/conftest.py): .ci/run's SLURM pass waits for the README pass's build, never makes its
own, and stops at once when the README pass ended without one."""

from __future__ import annotations

import json
import threading
import time

import pytest

from tests.conftest import _wait_for_build


def test_a_reuse_only_run_waits_for_the_build_another_run_makes(tmp_path):
    repo, stamp = tmp_path / "repo", tmp_path / "quick-build.json"

    def finish_the_build():
        time.sleep(0.5)
        repo.mkdir()
        stamp.write_text(json.dumps({"sources": "abc", "wall_s": 12.5}))

    threading.Thread(target=finish_the_build).start()
    build = _wait_for_build(repo, stamp, "abc")
    assert build.repo == repo and build.wall_s == 12.5


def test_a_reuse_only_run_stops_when_the_builder_ended_without_a_build(tmp_path):
    (tmp_path / "builder-ended").touch()
    start = time.monotonic()
    with pytest.raises(pytest.fail.Exception, match="ended without it"):
        _wait_for_build(tmp_path / "repo", tmp_path / "quick-build.json", "abc")
    assert time.monotonic() - start < 1.0


def test_a_reuse_only_run_refuses_a_build_of_other_sources(tmp_path):
    (tmp_path / "repo").mkdir()
    (tmp_path / "quick-build.json").write_text(json.dumps({"sources": "old", "wall_s": 1.0}))
    with pytest.raises(pytest.fail.Exception, match="other sources"):
        _wait_for_build(tmp_path / "repo", tmp_path / "quick-build.json", "new")
