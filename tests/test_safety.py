"""Nothing lost, nothing leaked: a corpus of hostile files and arguments (issue 10).

Every case runs the real command line (Typer's runner, in this process, so the time of the
answer is measured without Python's start-up), in a working folder that holds the user's
own files. Each case checks the exit code, the message, that no traceback is printed, how
long wecsim took to answer, and that every file of the user's is byte for byte intact
afterwards and nothing else appeared but what the case allows.
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from wecsim.cli import app
from wecsim.results import Results

#: Rejecting hostile input (the model does not run) must take less than this much CPU time [s].
#: A guard against runaway work, not a speed target: unchecked, an alias bomb expands to gigabytes
#: and a deep file recurses for minutes. The answers measured are 0.1-100 ms alone (the slowest, a
#: list nested 10,000 deep, ~0.09 s; a file refused at its 10,001st value 0.01 s since libyaml
#: pre-scans it, 0.17-0.41 s before). CPU time of this thread, not wall time: on a shared machine
#: the wall time measures the other jobs too.
REJECT_S = 1.0
SECRET = "hunter2-do-not-leak"


# ----------------------------------------------------------------------------- the user's files
def _user_files(root: Path) -> dict[str, bytes]:
    """Create the user's own files (sentinels) around the run; return their bytes by path."""
    files = {
        "keep.txt": b"years of notes\n",
        "mine/a.txt": b"my data\n",
        "mine/sub/b.csv": b"x,y\n1,2\n",
        "mine/sub/secret.yaml": f"password: {SECRET}\nname: secret\n".encode(),
        "../other/secret.yaml": f"password: {SECRET}\nname: secret\n".encode(),
        "results/foo/notes.md": b"my own folder named like a results folder\n",
        "results/baseline-old/meta.json": b'{"mine": true}\n',
        "data.yaml": b"name: data\n",
    }
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    (root / "link_out").symlink_to(root / "mine")
    return files


def _snapshot(root: Path) -> dict[str, bytes | None]:
    """Return every entry under ``root`` (and the secret beside it, if any) with its bytes."""
    secret = root.parent / "other" / "secret.yaml"
    out: dict[str, bytes | None] = {"../other/secret.yaml": secret.read_bytes()} if secret.exists() else {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        out[rel] = p.read_bytes() if p.is_file() and not p.is_symlink() else None
    return out


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A working folder with the user's files; checks afterwards that they are intact."""
    work = tmp_path / "work"
    work.mkdir()
    files = _user_files(work)
    monkeypatch.chdir(work)
    yield work
    for rel, data in files.items():
        assert (work / rel).read_bytes() == data, f"{rel} was changed"
    assert (work / "link_out").is_symlink()


@pytest.fixture(scope="module", autouse=True)
def _warm():
    """Import and load everything once, so the timings below measure wecsim's answer only."""
    CliRunner().invoke(app, ["validate", "baseline"])
    CliRunner().invoke(app, ["batch", "--help"])
    import wecsim.experiments
    import wecsim.runner  # noqa: F401


def cli(*args: str) -> tuple[int, str, float]:
    t0 = time.thread_time()
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output, time.thread_time() - t0


def check(args: list[str], code: int, expected: list[str], *, max_s: float | None = REJECT_S) -> str:
    rc, out, took = cli(*args)
    assert rc == code, (args, rc, out)
    assert "Traceback" not in out, out
    for text in expected:
        assert text in out, (text, out)
    assert SECRET not in out and "password" not in out, out
    assert len(out) < 4000, f"message of {len(out)} characters"
    if max_s is not None:
        assert took < max_s, f"{args}: {took:.2f} s"
    return out


# ----------------------------------------------------------------------------- hostile files
def _bomb(under: str) -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for p, c in zip("abcdefgh", "bcdefghi", strict=True):
        text += f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n"
    if under == "name":
        return text + "name: *i\n"
    indented = "".join("  " + line + "\n" for line in text.splitlines())
    return f"name: x\n{under}:\n{indented}"


HOSTILE_FILES: dict[str, tuple[str, str]] = {
    # file name: (content, expected in the message)
    "bomb_name.yaml": (_bomb("name"), "anchor"),
    "bomb_levers.yaml": (_bomb("levers"), "anchor"),
    "bomb_projects.yaml": (_bomb("projects"), "anchor"),
    "alias_only.yaml": ("name: *x\n", "alias"),
    "deep_lists.yaml": ("name: " + "[" * 10_000 + "]" * 10_000 + "\n", "nested deeper than 20"),
    "deep_maps.yaml": ("name: x\nlevers: " + "{a: " * 5_000 + "1" + "}" * 5_000 + "\n", "nested deeper than 20"),
    "many_values.yaml": ("name: [" + ",".join(["1"] * 100_000) + "]\n", "more than 10,000 values"),
    "many_keys.yaml": ("name: x\nlevers:\n" + "".join(f"  k{i}: 1\n" for i in range(12_000)), "more than 10,000"),
    "long_string.yaml": ("name: " + "a" * 200_000 + "\n", "200,000 characters"),
    "long_key.yaml": ("name: x\n? " + "k" * 20_000 + "\n: 1\n", "20,000 characters"),
    "oversized.yaml": ("name: x\n" + "#" * 300_000 + "\n", "larger than 256 kB"),
    "big_int.yaml": ("name: x\nseed: " + "1" * 5_000 + "\n", "cannot be read"),
    "python_tag.yaml": ("name: !!python/object/apply:os.system ['echo pwned']\n", "not valid YAML"),
    "two_docs.yaml": ("name: a\n---\nname: b\n", "not valid YAML"),
    "binary.yaml": ("\udcff", "UTF-8"),  # written as invalid bytes below
    "not_mapping.yaml": ("- a\n- b\n", "expected a mapping"),
    "empty.yaml": ("", "is empty"),
    "name_dotdot.yaml": ("extends: baseline\nname: '..'\n", "name: expected a name"),
    "name_dot.yaml": ("extends: baseline\nname: .\n", "name: expected a name"),
    "name_slash.yaml": ("extends: baseline\nname: ../../x\n", "name: expected a name"),
    "name_backslash.yaml": ("extends: baseline\nname: 'a\\b'\n", "name: expected a name"),
    "name_hidden.yaml": ("extends: baseline\nname: .hidden\n", "name: expected a name"),
    "name_empty.yaml": ("extends: baseline\nname: ''\n", "name"),
    "name_newline.yaml": ('extends: baseline\nname: "a\\nb"\n', "name: expected a name"),
    "name_list.yaml": ("extends: baseline\nname: [1, 2]\n", "name"),
    "extends_absolute.yaml": ("extends: /etc/shadow\nname: s\n", "is not allowed"),
    "extends_environ.yaml": ("extends: /proc/self/environ\nname: s\n", "is not allowed"),
    "extends_mem.yaml": ("extends: /proc/self/mem\nname: s\n", "is not allowed"),
    "extends_dotdot.yaml": ("extends: ../other/secret.yaml\nname: s\n", "is not allowed"),
    "extends_dotdot_plain.yaml": ("extends: ..\nname: s\n", "is not allowed"),
    "extends_subfolder.yaml": ("extends: mine/sub/secret\nname: s\n", "is not allowed"),
    "extends_dot.yaml": ("extends: .\nname: s\n", "is not allowed"),
    "extends_empty.yaml": ("extends: ''\nname: s\n", "is not allowed"),
    "extends_slash.yaml": ("extends: /\nname: s\n", "is not allowed"),
    "extends_backslash.yaml": ("extends: '..\\\\other\\\\secret'\nname: s\n", "is not allowed"),
    "extends_hidden.yaml": ("extends: .secret\nname: s\n", "is not allowed"),
    "extends_home.yaml": ("extends: ~/secret\nname: s\n", "is not allowed"),
    "extends_list.yaml": ("extends: [baseline]\nname: s\n", "got a list"),
    "extends_number.yaml": ("extends: 5\nname: s\n", "got a number"),
    "extends_missing.yaml": ("extends: nowhere\nname: s\n", "not found next to extends_missing.yaml"),
    "extends_self.yaml": ("extends: extends_self\nname: s\n", "circular extends"),
    "extends_link.yaml": ("extends: link_to_secret\nname: s\n", "not found"),
    "set_bad_section.yaml": ("name: x\nlevers: 5\n", "levers"),
    "many_problems.yaml": ("name: x\nlevers:\n" + "".join(f"  k{i}: 1\n" for i in range(500)), "and 480 more"),
    "huge_project_list.yaml": (
        "name: x\nprojects:\n"
        + "".join(f"  - {{name: p{i}, technology: wind, region: KZ-47, size: 1, year: 2030}}\n" for i in range(1_001)),
        "more than 10,000 values",
    ),
}


def _write_hostile(folder: Path, name: str) -> Path:
    text, _ = HOSTILE_FILES[name]
    path = folder / name
    if name == "binary.yaml":
        path.write_bytes(b"\xff\xfe\x00name: x\n")
    else:
        path.write_text(text, encoding="utf-8")
    if name == "extends_link.yaml":
        (folder / "link_to_secret.yaml").symlink_to(folder.parent / "other" / "secret.yaml")
    return path


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
@pytest.mark.parametrize("command", ["validate", "run"])
def test_hostile_scenario_file(home, name, command):
    path = _write_hostile(home, name)
    args = [command, path.name] + (["--out", "out"] if command == "run" else [])
    out = check(args, 2, [name, HOSTILE_FILES[name][1]])
    assert "Water deficit" not in out
    assert not (home / "out").exists() and not (home / "results" / "s").exists()


def test_refused_extends_says_nothing_of_the_other_file(home):
    """Whether the file exists or not, the message is the same but for the name written."""
    (home / "a.yaml").write_text(f"extends: {home.parent / 'other' / 'secret.yaml'}\nname: a\n")
    (home / "b.yaml").write_text(f"extends: {home.parent / 'other' / 'absent.yaml'}\nname: b\n")
    _, out_a, _ = cli("validate", "a.yaml")
    _, out_b, _ = cli("validate", "b.yaml")
    assert SECRET not in out_a and "password" not in out_a
    assert out_a.replace("secret.yaml", "X").replace("a.yaml", "F") == out_b.replace("absent.yaml", "X").replace(
        "b.yaml", "F"
    )


def test_extends_a_file_in_the_same_folder_and_a_shipped_one_still_work(home):
    (home / "parent.yaml").write_text("extends: baseline\nname: parent\nlevers:\n  budget_eu_grant_meur: 50\n")
    (home / "child.yaml").write_text("extends: parent\nname: child\n")
    check(["validate", "child.yaml"], 0, ["ok", "child"])


def test_too_long_a_chain_of_extends_is_refused(home):
    (home / "s0.yaml").write_text("extends: baseline\nname: s0\n")
    for i in range(1, 11):
        (home / f"s{i}.yaml").write_text(f"extends: s{i - 1}\nname: s{i}\n")
    check(["validate", "s10.yaml"], 2, ["more than 8 scenarios extend one another"])
    check(["validate", "s7.yaml"], 0, ["ok"])


# ----------------------------------------------------------------------------- hostile arguments
@dataclass
class Case:
    args: list[str]
    code: int
    expected: list[str]
    setup: Callable[[Path], None] | None = None
    max_s: float | None = REJECT_S


def run_case(home: Path, case: Case) -> str:
    """Run a case in ``home``: its answer is checked, and nothing in ``home`` may change."""
    if case.setup:
        case.setup(home)
    before = _snapshot(home)
    out = check(case.args, case.code, case.expected, max_s=case.max_s)
    assert _snapshot(home) == before, "nothing may be written, changed or deleted"
    return out


def _results_with_extra(root: Path) -> None:
    """A wecsim run results folder to which the user added a file of their own."""
    out = root / "res_extra"
    out.mkdir()
    (out / "meta.json").write_text('{"format": "wecsim-run-results/1", "scenario": "x", "seed": 1}')
    (out / "national.csv").write_text("year\n2025\n")
    (out / "my_notes.txt").write_text("mine")


RUN_CASES = {
    "out_dot": Case(["run", "baseline", "--out", "."], 2, ["--out .", "current folder"]),
    "out_empty": Case(["run", "baseline", "--out", ""], 2, ["--out", "empty path"]),
    "out_parent": Case(["run", "baseline", "--out", ".."], 2, ["current folder or one of its parents"]),
    "out_root": Case(["run", "baseline", "--out", "/"], 2, ["current folder or one of its parents"]),
    "out_file": Case(["run", "baseline", "--out", "keep.txt"], 2, ["keep.txt", "is a file"]),
    "out_foreign": Case(["run", "baseline", "--out", "mine"], 2, ["mine", "holds no wecsim run results", "a.txt"]),
    "out_foreign_overwrite": Case(
        ["run", "baseline", "--out", "mine", "--overwrite"], 2, ["--overwrite replaces only wecsim results"]
    ),
    "out_fake_results_overwrite": Case(
        ["run", "baseline", "--out", "results/baseline-old", "--overwrite"], 2, ["holds no wecsim run results"]
    ),
    "out_results_plus_user_file": Case(
        ["run", "baseline", "--out", "res_extra", "--overwrite"], 2, ["my_notes.txt"], setup=_results_with_extra
    ),
    "out_symlink": Case(["run", "baseline", "--out", "link_out"], 2, ["symbolic link"]),
    "out_inside_a_file": Case(["run", "baseline", "--out", "keep.txt/sub"], 2, ["is a file, so no folder"]),
    "out_unwritable": Case(["run", "baseline", "--out", "/proc/wecsim-test/out"], 2, ["cannot write in /proc"]),
    "scenario_dot": Case(["run", "."], 2, ["is a folder"]),
    "scenario_empty": Case(["run", ""], 2, ["give a file"]),
    "scenario_device": Case(["run", "/dev/zero"], 2, ["not a regular file"]),
    "scenario_missing": Case(["run", "no_such_scenario"], 2, ["file not found"]),
    "scenario_folder_name": Case(["run", "mine"], 2, ["is a folder"]),
    "seed_negative": Case(["run", "baseline", "--seed", "-1"], 2, ["--seed", "got -1"]),
    "seed_huge": Case(["run", "baseline", "--seed", str(2**64)], 2, ["--seed"]),
    "seed_text": Case(["run", "baseline", "--seed", "abc"], 2, ["--seed"]),
    "years_outside": Case(["run", "baseline", "--years", "1990,2070"], 2, ["--years", "1990, 2070 outside"]),
    "years_after_end": Case(
        ["run", "baseline", "--set", "end_year=2030", "--years", "2040"], 2, ["2040 outside the simulated years"]
    ),
    "years_empty": Case(["run", "baseline", "--years", ""], 2, ["--years: expected at least one year"]),
    "years_commas": Case(["run", "baseline", "--years", ",,,"], 2, ["--years: expected at least one year"]),
    "years_text": Case(["run", "baseline", "--years", "abc"], 2, ["--years: expected comma-separated years"]),
    "years_huge": Case(["run", "baseline", "--years", "9" * 5000], 2, ["--years"]),
    "set_name_path": Case(["run", "baseline", "--set", "name=../../x"], 2, ["name: expected a name"]),
    "set_name_dotdot": Case(["run", "baseline", "--set", "name=.."], 2, ["name: expected a name"]),
    "set_name_absolute": Case(["run", "baseline", "--set", "name=/tmp/x"], 2, ["name: expected a name"]),
    "set_name_empty": Case(["run", "baseline", "--set", "name="], 2, ["name"]),
    "set_name_hidden": Case(["run", "baseline", "--set", "name=.x"], 2, ["name: expected a name"]),
    "set_no_equals": Case(["run", "baseline", "--set", "budget_eu_grant_meur"], 2, ["expected PATH=VALUE"]),
    "set_into_a_number": Case(["run", "baseline", "--set", "end_year.x=1"], 2, ["not a mapping"]),
    "set_big_index": Case(["run", "baseline", "--set", "projects.99999999999=1"], 2, ["too large"]),
    "set_deep_path": Case(["run", "baseline", "--set", "a.b.c.d.e.f.g=1"], 2, ["more than 6 parts"]),
    "set_alias": Case(["run", "baseline", "--set", "levers=&a [*a]"], 2, ["anchor"]),
    "set_long": Case(["run", "baseline", "--set", "name=" + "x" * 3000], 2, ["longer than 2,000"]),
    "set_deep_value": Case(["run", "baseline", "--set", "levers=" + "[" * 50 + "]" * 50], 2, ["deeper than 20"]),
    "set_too_many": Case(
        ["run", "baseline", *[a for i in range(201) for a in ("--set", f"seed={i}")]], 2, ["at most 200"]
    ),
    "set_nan": Case(["run", "baseline", "--set", "budget_eu_grant_meur=nan"], 2, ["budget_eu_grant_meur"]),
    "compare_years": Case(["compare", "baseline", "drought_2030s", "--years", "2070"], 2, ["2070 outside"]),
    "compare_seed": Case(["compare", "baseline", "baseline", "--seed", "-3"], 2, ["--seed"]),
    "compare_empty": Case(["compare", "", "baseline"], 2, ["give a file"]),
    "validate_empty": Case(["validate", ""], 2, ["give a file"]),
    "validate_dot": Case(["validate", "."], 2, ["is a folder"]),
}


@pytest.mark.parametrize("name", sorted(RUN_CASES))
def test_hostile_run_argument(home, name):
    out = run_case(home, RUN_CASES[name])
    assert "Water deficit" not in out, "the model must not run (or print) before the arguments are checked"


# ----------------------------------------------------------------------------- writing results
def test_run_never_silently_replaces_earlier_results(home):
    rc, out, _ = cli("run", "baseline", "--set", "end_year=2027")
    assert rc == 0, out
    first = _snapshot(home / "results" / "baseline")
    rc, out, _ = cli("run", "baseline", "--set", "end_year=2028")
    assert rc == 0, out
    assert "results/baseline holds an earlier run" in out and "results/baseline-2" in out
    assert _snapshot(home / "results" / "baseline") == first
    assert Results.read(home / "results" / "baseline-2").national["year"].max() == 2028
    # --overwrite replaces wecsim's own results, and says so
    rc, out, _ = cli("run", "baseline", "--set", "end_year=2029", "--overwrite")
    assert rc == 0 and "replaced the earlier results in results/baseline" in out, out
    assert Results.read(home / "results" / "baseline").national["year"].max() == 2029
    # a folder of the user's under the default name is left alone, even with --overwrite
    (home / "f.yaml").write_text("extends: baseline\nname: foo\nend_year: 2027\n")
    rc, out, _ = cli("run", "f.yaml")
    assert rc == 0 and "results/foo is not empty" in out and "results/foo-2" in out, out
    check(["run", "f.yaml", "--overwrite"], 2, ["results/foo", "--overwrite replaces only wecsim results"])
    assert not [p for p in (home / "results").iterdir() if p.name.startswith(".")], "temporary folders left"


def test_api_write_refuses_foreign_folders_and_keeps_old_results_when_a_write_fails(home, baseline, monkeypatch):
    from wecsim.errors import OutputError

    with pytest.raises(OutputError, match="holds no wecsim run results"):
        baseline.write(home / "mine")
    with pytest.raises(OutputError, match="current folder"):
        baseline.write(".")
    out = baseline.write(home / "res")
    with pytest.raises(OutputError, match="already holds wecsim run results"):
        baseline.write(out)
    before = _snapshot(out)

    import pandas as pd

    def full_disk(self, path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full_disk)
    with pytest.raises(OutputError, match="No space left on device; nothing was written; the earlier results"):
        baseline.write(out, overwrite=True)
    assert _snapshot(out) == before
    assert sorted(p.name for p in home.iterdir() if p.name.startswith(".")) == [], "temporary folders left"


def test_run_on_a_full_disk_exits_2_and_keeps_the_earlier_results(home, monkeypatch):
    rc, out, _ = cli("run", "baseline", "--set", "end_year=2027", "--out", "res")
    assert rc == 0, out
    before = _snapshot(home / "res")
    import pandas as pd

    calls = {"n": 0}
    real = pd.DataFrame.to_csv

    def fill_up(self, path=None, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", fill_up)
    out = check(
        ["run", "baseline", "--set", "end_year=2028", "--out", "res", "--overwrite"],
        2,
        ["No space left on device", "the earlier results are kept"],
        max_s=None,
    )
    assert "internal error" not in out
    assert _snapshot(home / "res") == before
    assert not [p for p in home.iterdir() if p.name.startswith(".")]


def test_internal_errors_are_one_line_and_debug_shows_the_traceback(home, monkeypatch):
    import wecsim.runner

    def broken(*args, **kwargs):
        raise RuntimeError("something of ours broke")

    monkeypatch.setattr(wecsim.runner, "run", broken)
    expected = ["internal error: RuntimeError: something of ours broke", "--debug"]
    out = check(["run", "baseline", "--out", "x"], 1, expected)
    assert len(out.strip().splitlines()) <= 3
    rc, out, _ = cli("--debug", "run", "baseline", "--out", "x")
    assert rc == 1 and "Traceback" in out and "something of ours broke" in out
    assert not (home / "x").exists()


def test_version():
    from wecsim.version import __version__

    rc, out, _ = cli("--version")
    assert rc == 0 and out.strip() == f"wecsim {__version__}"


# ----------------------------------------------------------------------------- batches
TINY = {
    "name": "tiny",
    "model": "wecsim.experiments.testfunctions:ishigami",
    "seed": 3,
    "design": {"kind": "sobol", "n": 8},
    "parameters": {"x1": {"range": [-3.0, 3.0]}, "x2": {"range": [-3.0, 3.0]}, "x3": {"range": [-3.0, 3.0]}},
    "outputs": {"indicators": ["y"]},
}


@pytest.fixture
def tiny(home) -> Path:
    path = home / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY), encoding="utf-8")
    return path


@pytest.fixture
def batch_dir(home, tiny) -> Path:
    rc, out, _ = cli("batch", "tiny.yaml", "--out", "b1", "--executor", "serial", "--no-progress")
    assert rc == 0, out
    return home / "b1"


def _experiment(home: Path, fname: str, **changes) -> str:
    (home / fname).write_text(yaml.safe_dump({**TINY, **changes}), encoding="utf-8")
    return fname


BATCH_CASES = {
    "out_dot": Case(["batch", "tiny.yaml", "--out", "."], 2, ["current folder"]),
    "out_empty": Case(["batch", "tiny.yaml", "--out", ""], 2, ["empty path"]),
    "out_file": Case(["batch", "tiny.yaml", "--out", "keep.txt"], 2, ["is a file"]),
    "out_foreign": Case(["batch", "tiny.yaml", "--out", "mine"], 2, ["holds no wecsim batch results", "a.txt"]),
    "out_foreign_fresh": Case(
        ["batch", "tiny.yaml", "--out", "mine", "--fresh"], 2, ["--fresh deletes only wecsim's own results"]
    ),
    "out_run_results_fresh": Case(
        ["batch", "tiny.yaml", "--out", "results/baseline-old", "--fresh"], 2, ["holds no wecsim batch results"]
    ),
    "out_symlink": Case(["batch", "tiny.yaml", "--out", "link_out", "--fresh"], 2, ["symbolic link"]),
    "out_unwritable": Case(["batch", "tiny.yaml", "--out", "/proc/wecsim-test"], 2, ["cannot write in /proc"]),
    "chunk_negative": Case(["batch", "tiny.yaml", "--chunk-size", "-5"], 2, ["--chunk-size", "got -5"]),
    "chunk_zero": Case(["batch", "tiny.yaml", "--chunk-size", "0"], 2, ["--chunk-size"]),
    "max_runs_negative": Case(["batch", "tiny.yaml", "--max-runs", "-1"], 2, ["--max-runs"]),
    "max_runs_zero": Case(["batch", "tiny.yaml", "--max-runs", "0"], 2, ["--max-runs"]),
    "workers_many": Case(["batch", "tiny.yaml", "--workers", "1000"], 2, ["--workers", "got 1000"]),
    "workers_zero": Case(["batch", "tiny.yaml", "--workers", "0"], 2, ["--workers"]),
    "scheduler_garbage": Case(["batch", "tiny.yaml", "--scheduler", "garbage"], 2, ["--scheduler", "tcp://"]),
    "scheduler_no_port": Case(["batch", "tiny.yaml", "--scheduler", "tcp://host"], 2, ["--scheduler"]),
    "scheduler_bad_port": Case(["batch", "tiny.yaml", "--scheduler", "tcp://127.0.0.1:99999"], 2, ["--scheduler"]),
    "scheduler_http": Case(["batch", "tiny.yaml", "--scheduler", "http://x:80"], 2, ["--scheduler"]),
    "scheduler_empty": Case(["batch", "tiny.yaml", "--scheduler", ""], 2, ["--scheduler"]),
    "executor_unknown": Case(["batch", "tiny.yaml", "--executor", "rocket"], 2, ["--executor"]),
    "experiment_dot": Case(["batch", "."], 2, ["is a folder"]),
    "experiment_empty": Case(["batch", ""], 2, ["give a file"]),
    "experiment_missing": Case(["batch", "nope.yaml"], 2, ["file not found"]),
}


def _hostile_experiment(name: str, changes: dict, expected: str) -> Case:
    return Case(
        ["batch", name, "--executor", "serial"], 2, [name, expected], setup=lambda h: _experiment(h, name, **changes)
    )


BATCH_CASES |= {
    "exp_name_dotdot": _hostile_experiment("e1.yaml", {"name": ".."}, "name: expected a name"),
    "exp_name_path": _hostile_experiment("e2.yaml", {"name": "../../results"}, "name: expected a name"),
    "exp_name_empty": _hostile_experiment("e3.yaml", {"name": ""}, "name"),
    "exp_levels_huge": _hostile_experiment(
        "e4.yaml",
        {"design": {"kind": "full_factorial"}, "parameters": {"x1": {"range": [0, 1], "levels": 10**12}}},
        "expected a whole number from 2 to 1,000",
    ),
    "exp_model_stdlib": _hostile_experiment("e5.yaml", {"model": "os:system"}, "standard library"),
    "exp_model_shutil": _hostile_experiment("e6.yaml", {"model": "shutil:rmtree"}, "standard library"),
    "exp_base_absolute": _hostile_experiment(
        "e7.yaml",
        {"model": "wecsim", "base": "/etc/passwd", "parameters": {"budget_eu_grant_meur": "range"}},
        "base: '/etc/passwd' is not allowed",
    ),
    "exp_base_secret": _hostile_experiment(
        "e8.yaml",
        {"model": "wecsim", "base": "../other/secret", "parameters": {"budget_eu_grant_meur": "range"}},
        "base: '../other/secret' is not allowed",
    ),
    "exp_runs_too_many": _hostile_experiment(
        "e9.yaml", {"design": {"kind": "latin_hypercube", "n": 10**12}}, "more than the limit"
    ),
}


@pytest.mark.parametrize("name", sorted(BATCH_CASES))
def test_hostile_batch_argument(home, tiny, name):
    run_case(home, BATCH_CASES[name])


def test_hostile_experiment_file(home):
    (home / "bomb.yaml").write_text(_bomb("parameters").replace("name: x", "name: b\nseed: 1"), encoding="utf-8")
    check(["batch", "bomb.yaml"], 2, ["bomb.yaml", "anchor"])
    (home / "deep.yaml").write_text("name: d\nparameters: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    check(["batch", "deep.yaml"], 2, ["deep.yaml", "nested deeper than 20"])


def test_fresh_deletes_only_what_wecsim_wrote(home, batch_dir):
    (batch_dir / "my_notes.txt").write_text("keep me")
    (batch_dir / "runs" / "my_extra.parquet").write_bytes(b"mine")
    rc, out, _ = cli("batch", "tiny.yaml", "--out", "b1", "--fresh", "--executor", "serial", "--no-progress")
    assert rc == 0, out
    assert (batch_dir / "my_notes.txt").read_text() == "keep me"
    assert (batch_dir / "runs" / "my_extra.parquet").read_bytes() == b"mine"
    assert "40 of 40 runs stored" in out and "this session ran 40" in out


def test_batch_on_a_full_disk_exits_2_and_resumes_later(home, tiny, monkeypatch):
    import wecsim.experiments.store as store

    real = store.atomic_write_parquet
    calls = {"n": 0}

    def fill_up(table, path, tmp_dir):
        if path.parent.name == "outputs":
            calls["n"] += 1
            if calls["n"] > 2:
                raise OSError(errno.ENOSPC, "No space left on device")
        return real(table, path, tmp_dir)

    monkeypatch.setattr(store, "atomic_write_parquet", fill_up)
    args = ["batch", "tiny.yaml", "--out", "b2", "--executor", "serial", "--chunk-size", "10", "--no-progress"]
    check(args, 2, ["No space left on device", "runs stored are kept", "run the same command again"], max_s=None)
    monkeypatch.setattr(store, "atomic_write_parquet", real)
    rc, out, _ = cli(*args)
    assert rc == 0 and "40 of 40 runs stored" in out and "this session ran 20" in out, out


QUERY_CASES = {
    "sql_empty": Case(["query", "b1", ""], 2, ["the SQL is empty"]),
    "sql_blank": Case(["query", "b1", "   "], 2, ["the SQL is empty"]),
    "sql_comment": Case(["query", "b1", "/* nothing */"], 2, ["holds no statement"]),
    "sql_dash": Case(["query", "b1", "-- nothing"], 2, ["No such option"]),
    "sql_bad": Case(["query", "b1", "SELECT nope FROM runs"], 2, ["query failed"]),
    "limit_negative": Case(["query", "b1", "SELECT 1", "--limit", "-1"], 2, ["--limit"]),
    "csv_existing": Case(["query", "b1", "SELECT 1", "--csv", "keep.txt"], 2, ["keep.txt: exists", "--overwrite"]),
    "csv_folder": Case(["query", "b1", "SELECT 1", "--csv", "mine"], 2, ["is a folder"]),
    "csv_empty": Case(["query", "b1", "SELECT 1", "--csv", ""], 2, ["empty path"]),
    "csv_unwritable": Case(["query", "b1", "SELECT 1", "--csv", "/proc/x.csv"], 2, ["cannot write in /proc"]),
    "not_results": Case(["query", "mine", "SELECT 1"], 2, ["not a wecsim batch results folder"]),
    "results_dot": Case(["query", ".", "SELECT 1"], 2, ["not a wecsim batch results folder"]),
    "fake_manifest": Case(
        ["query", "mine", "SELECT 1"],
        2,
        ["not a manifest written by wecsim"],
        setup=lambda h: (h / "mine" / "manifest.json").write_text("[1, 2"),
    ),
    "threshold_high": Case(["discover", "b1", "y > 0", "--threshold", "5"], 2, ["--threshold"]),
    "threshold_zero": Case(["discover", "b1", "y > 0", "--threshold", "0"], 2, ["--threshold"]),
    "threshold_nan": Case(["discover", "b1", "y > 0", "--threshold", "nan"], 2, ["--threshold"]),
    "boxes_zero": Case(["discover", "b1", "y > 0", "--boxes", "0"], 2, ["--boxes"]),
    "condition_empty": Case(["discover", "b1", ""], 2, ["the condition is empty"]),
    "condition_bad": Case(["discover", "b1", "nope >"], 2, ["not a valid SQL expression"]),
    "chart_empty": Case(["sensitivity", "b1", "--output", "y", "--chart", ""], 2, ["empty path"]),
    "chart_existing": Case(
        ["sensitivity", "b1", "--output", "y", "--chart", "mine/a"],
        2,
        ["mine/a.png: exists"],
        setup=lambda h: (h / "mine" / "a.png").write_bytes(b"my picture"),
    ),
    "chart_unwritable": Case(["sensitivity", "b1", "--output", "y", "--chart", "/proc/x"], 2, ["cannot write"]),
    "chart_in_a_file": Case(["sensitivity", "b1", "--output", "y", "--chart", "keep.txt/x"], 2, ["is a file"]),
    "output_unknown": Case(["sensitivity", "b1", "--output", "nope"], 2, ["no output named 'nope'"]),
}


@pytest.mark.parametrize("name", sorted(QUERY_CASES))
def test_hostile_analysis_argument(home, batch_dir, name):
    run_case(home, QUERY_CASES[name])


def test_existing_charts_are_replaced_only_with_overwrite(home, batch_dir):
    rc, out, _ = cli("sensitivity", "b1", "--output", "y")
    assert rc == 0 and (batch_dir / "sensitivity_y.png").exists(), out
    first = (batch_dir / "sensitivity_y.html").read_bytes()
    check(["sensitivity", "b1", "--output", "y"], 2, ["sensitivity_y.png: exists", "--overwrite"])
    assert (batch_dir / "sensitivity_y.html").read_bytes() == first
    rc, out, _ = cli("sensitivity", "b1", "--output", "y", "--overwrite")
    assert rc == 0, out
    rc, out, _ = cli("query", "b1", "SELECT count(*) AS n FROM runs", "--csv", "n.csv")
    assert rc == 0 and (home / "n.csv").read_text().splitlines() == ["n", "40"]
    check(["query", "b1", "SELECT 1 AS one", "--csv", "n.csv"], 2, ["n.csv: exists"])
    rc, out, _ = cli("query", "b1", "SELECT 1 AS one", "--csv", "n.csv", "--overwrite")
    assert rc == 0 and (home / "n.csv").read_text().splitlines() == ["one", "1"]


def test_an_unwritable_folder_is_reported_before_the_model_runs(home):
    if os.geteuid() == 0:
        pytest.skip("root writes everywhere; /proc stands in for an unwritable folder above")
    locked = home / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        out = check(["run", "baseline", "--out", "locked/out"], 2, ["cannot write in"])
        assert "Water deficit" not in out
    finally:
        locked.chmod(0o700)
