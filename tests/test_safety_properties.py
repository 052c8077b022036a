"""Property tests of path and name handling: whatever the text, it never acts as a path."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from wecsim.errors import OutputError, ScenarioError
from wecsim.names import is_safe_name, slug
from wecsim.outputs import check_run_target, refuse_special, write_folder
from wecsim.results import RUN_FILES
from wecsim.scenario import SCENARIO_DIR, load
from wecsim.scenario.load import find_parent, parse_override, parse_yaml, validate

#: Text shaped like paths: separators, dots, tildes, drive letters, NULs, unicode.
FRAGMENTS = [*"ab1._-/\\~:\x00 é\n", "..", "../", "/etc/", "C:\\", "%2e", "\u2024", "baseline", "sibling", ".yaml"]
PATHLIKE = st.lists(st.sampled_from(FRAGMENTS), max_size=10).map("".join)
ANY_TEXT = st.one_of(PATHLIKE, st.text(max_size=40))
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(ANY_TEXT)
def test_a_safe_name_is_one_plain_component_inside_its_folder(text):
    if not is_safe_name(text):
        return
    assert "/" not in text and "\\" not in text and "\x00" not in text
    assert not text.startswith(".") and text not in {".", ".."}
    base = Path(tempfile.gettempdir()) / "base"
    assert (base / text).parent == base
    assert Path(os.path.normpath(base / text)).parent == base
    assert Path(text).name == text and not Path(text).is_absolute()


@FAST
@given(ANY_TEXT)
def test_slug_always_gives_a_safe_name(text):
    assert is_safe_name(slug(text))


@FAST
@given(ANY_TEXT)
def test_the_schema_accepts_a_name_exactly_when_it_is_safe(text):
    """The name pydantic accepts (it names results/<name>) is exactly a safe name."""
    try:
        validate({"name": text}, "t.yaml")
        accepted = True
    except ScenarioError as exc:
        assert all(p == "name" for p, _ in exc.problems)
        accepted = False
    assert accepted == is_safe_name(text)


@FAST
@given(ANY_TEXT)
def test_a_reference_inside_a_file_resolves_to_its_folder_or_the_shipped_one(text):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "here"
        folder.mkdir()
        (folder / "sibling.yaml").write_text("name: sibling\n")
        (Path(tmp) / "outside.yaml").write_text("name: outside\n")
        try:
            found = find_parent(text, folder, "child.yaml")
        except ScenarioError as exc:
            msg = str(exc)
            assert "outside" not in msg.replace(repr(text)[:40], "") or "outside" in text
            return
        assert found.parent in {folder.resolve(), SCENARIO_DIR.resolve()}
        assert is_safe_name(text)


@FAST
@given(ANY_TEXT)
def test_uploads_resolve_only_shipped_scenarios(text):
    try:
        found = find_parent(text, None, "upload.yaml")
    except ScenarioError:
        return
    assert found.parent == SCENARIO_DIR.resolve()


@FAST
@given(ANY_TEXT)
def test_an_output_path_is_never_the_current_folder_or_above(text):
    try:
        p = refuse_special(text, "--out")
    except OutputError:
        return
    absolute = Path(os.path.abspath(p))
    cwd = Path(os.path.abspath(Path.cwd()))
    assert absolute != cwd and absolute not in cwd.parents
    assert text.strip() and "\x00" not in text
    try:  # usable as a path: lstat raises no ValueError (as it would for a NUL byte)
        os.lstat(p)
    except OSError:
        pass


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list("abcxyz._-")), min_size=1, max_size=12).filter(
            lambda n: n not in {".", ".."}
        ),
        min_size=1,
        max_size=6,
        unique=True,
    ),
    st.booleans(),
)
def test_results_are_never_written_over_a_folder_of_the_users(names, overwrite):
    """Whatever the user's folder holds, writing results there fails and leaves it untouched."""
    assume(not set(names) <= RUN_FILES)  # a folder of wecsim's own file names is covered elsewhere
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "mine"
        folder.mkdir()
        for i, n in enumerate(names):
            (folder / n).write_bytes(f"user file {i}".encode())
        before = {p.name: p.read_bytes() for p in folder.iterdir()}
        with pytest.raises(OutputError):
            check_run_target(folder, RUN_FILES, overwrite)
        with pytest.raises(OutputError):
            write_folder(folder, lambda t: (t / "meta.json").write_text("{}"), RUN_FILES, overwrite=overwrite)
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
        assert sorted(p.name for p in Path(tmp).iterdir()) == ["mine"], "no temporary folder left"


@FAST
@given(st.text(max_size=200))
def test_any_set_item_is_parsed_or_refused_with_a_scenario_error(item):
    try:
        parts, _ = parse_override(item)
    except ScenarioError:
        return
    assert 1 <= len(parts) <= 7


YAML_TEXT = st.text(alphabet=st.sampled_from(list("[]{}:,-&*!|>'\"#\n ab1?")), max_size=400)


def _answer(text: str) -> tuple[str, object]:
    try:
        return "read", parse_yaml(text, "t.yaml")
    except ScenarioError as exc:
        return "refused", str(exc)


def _composer_answer(text: str) -> tuple[str, object]:
    """The answer without libyaml's pre-scan (``load._prescan``): PyYAML's composer checks alone."""
    original = load._prescan
    load._prescan = lambda text: None
    try:
        return _answer(text)
    finally:
        load._prescan = original


@settings(max_examples=300, deadline=1000)
@given(YAML_TEXT)
def test_the_fast_prescan_answers_as_the_composer_alone(text):
    """libyaml's pre-scan never changes an answer: the same value, or the same words."""
    assert _answer(text) == _composer_answer(text)


#: Files at each limit of load.py and one past it: a mapping, its key and a list hold 3 values.
AT_THE_LIMITS = {
    "values": ("a: [" + ",".join(["1"] * (load.MAX_NODES - 3)) + "]", "more than 10,000 values"),
    "depth": ("[" * load.MAX_DEPTH + "]" * load.MAX_DEPTH, f"nested deeper than {load.MAX_DEPTH}"),
    "text": ("a: " + "x" * load.MAX_SCALAR_CHARS, "characters (at most"),
}


@pytest.mark.parametrize("limit", sorted(AT_THE_LIMITS))
def test_a_file_at_a_limit_is_read_and_one_past_it_refused_with_or_without_the_prescan(limit):
    text, refusal = AT_THE_LIMITS[limit]
    past = {"values": text.replace("[", "[1,", 1), "depth": "[" + text + "]", "text": text + "x"}[limit]
    at, beyond = _answer(text), _answer(past)
    assert at == _composer_answer(text)
    assert at[0] == "read"
    assert beyond == _composer_answer(past)
    assert beyond[0] == "refused" and refusal in beyond[1]


@settings(max_examples=300, deadline=1000)
@given(YAML_TEXT)
def test_any_yaml_text_is_read_or_refused_with_a_scenario_error(text):
    try:
        parse_yaml(text, "t.yaml")
    except ScenarioError:
        pass
