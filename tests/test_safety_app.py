"""The app survives every bad upload: one short message, no traceback, no server path, fast."""

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path

import pytest
from test_app_components import new_tab
from test_safety import HOSTILE_FILES, REJECT_S, SECRET

from wecsim.app import state
from wecsim.app.pages import share

#: Handling one hostile upload may take this much CPU time at most [s]: the command line's guard
#: against runaway work (see test_safety.REJECT_S). CPU time of the handling thread, not wall time:
#: on a 2-core machine shared with other jobs the wall time measures the other jobs too.
UPLOAD_S = REJECT_S


def _upload_bytes(name: str) -> bytes:
    if name == "binary.yaml":
        return b"\xff\xfe\x00name: x\n"
    return HOSTILE_FILES[name][0].encode("utf-8")


def _assert_clean(message: str, name: str) -> None:
    assert message, "an error must be shown"
    assert name[:60] in message
    assert "Traceback" not in message and 'File "' not in message
    # no server path, no content of another file (the references a file wrote are echoed, cut short)
    for leak in (str(Path.cwd()), "/work/", "site-packages", "/tmp/", "/root", SECRET, "PATH=", "root:x:"):
        assert leak not in message, (leak, message)
    assert len(message) < 4000, len(message)


@pytest.mark.parametrize("name", sorted(set(HOSTILE_FILES) - {"extends_missing.yaml", "extends_self.yaml"}))
def test_hostile_upload_gives_a_short_message(name):
    data = _upload_bytes(name)
    with new_tab():
        before = dict(state.uploaded.value)
        t0 = time.thread_time()
        share.handle_upload({"name": name, "data": data})
        took = time.thread_time() - t0
        message = share.upload_error.value
        tracemalloc.start()  # again, for memory (tracemalloc slows Python two- to threefold)
        share.handle_upload({"name": name, "data": data})
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert share.upload_ok.value == ""
        assert state.uploaded.value == before, "a bad upload must not join the scenario list"
    _assert_clean(message, name)
    assert HOSTILE_FILES[name][1] in message, message
    assert took < UPLOAD_S, f"{name}: {took:.2f} s"
    assert peak < 64 * 2**20, f"{name}: {peak / 2**20:.0f} MB"


def test_uploads_may_extend_only_shipped_scenarios(tmp_path, monkeypatch):
    """A file next to the server's working folder is not the uploader's to read."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "server_side.yaml").write_text(f"name: server_side\ndescription: {SECRET}\n")
    with new_tab():
        share.handle_upload({"name": "u.yaml", "data": b"extends: server_side\nname: u\n"})
        message = share.upload_error.value
    _assert_clean(message, "u.yaml")
    assert "not found among the shipped scenarios" in message
    with new_tab():
        share.handle_upload({"name": "ok.yaml", "data": b"extends: drought_2030s.yaml\nname: ok\n"})
        assert share.upload_error.value == "" and "ok" in state.scenario_names()


def test_environ_and_secrets_never_reach_the_page():
    os.environ["WECSIM_TEST_SECRET"] = SECRET
    try:
        for ref in ("/proc/self/environ", "/proc/self/mem", "/etc/passwd", "../../../../etc/passwd"):
            with new_tab():
                share.handle_upload({"name": "e.yaml", "data": f"extends: {ref}\nname: e\n".encode()})
                message = share.upload_error.value
            assert "is not allowed" in message and SECRET not in message and "root:" not in message
    finally:
        del os.environ["WECSIM_TEST_SECRET"]


def test_a_fault_of_ours_during_an_upload_is_one_line(monkeypatch):
    def broken(filename, data):
        raise RecursionError("maximum recursion depth exceeded in /work/wecsim/secret/place.py")

    monkeypatch.setattr(share, "read_upload", broken)
    with new_tab():
        share.handle_upload({"name": "x.yaml", "data": b"name: x\n"})
        message = share.upload_error.value
    assert message == "x.yaml: could not be read (RecursionError); check that it is a wecsim scenario file"
    with new_tab():
        share.handle_upload({"name": "y.yaml"})  # no data at all
        assert share.upload_error.value.startswith("y.yaml: could not be read")


@pytest.mark.parametrize(
    "filename",
    ["../../etc/passwd.yaml", "/abs/path/plan.yaml", "..\\..\\win.yaml", "a" * 5000 + ".yaml", "", "x/.."],
)
def test_the_uploaded_file_name_is_never_a_path(filename, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with new_tab():
        share.handle_upload({"name": filename, "data": b"extends: baseline\nname: up\nlevers: {bad: 1}\n"})
        message = share.upload_error.value
    assert "levers.bad: unknown key" in message
    first = message.splitlines()[0]
    assert "/" not in first.split(":")[0] and "\\" not in first.split(":")[0]
    assert len(first) < 300
    assert list(tmp_path.iterdir()) == [], "an upload writes nothing on the server"
