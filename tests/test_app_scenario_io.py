"""Scenario upload and download behave exactly like the CLI's loader."""

from __future__ import annotations

import pytest
import yaml

from wecsim.app.scenario_io import (
    MAX_FILE_BYTES,
    UploadError,
    build_scenario,
    read_upload,
    safe_filename,
    scenario_yaml,
    shipped_scenarios,
)
from wecsim.errors import ScenarioError
from wecsim.scenario import load_scenario


def test_shipped_scenarios_start_with_baseline():
    names = shipped_scenarios()
    assert names[0] == "baseline"
    assert "team_europe_accelerated" in names


def test_build_scenario_sets_levers_and_keeps_the_rest():
    base = load_scenario("aktau_desalination")
    sc = build_scenario(base, {"budget_eu_grant_meur": 60, "climate_pathway": "SSP5-8.5"}, name="mine")
    assert sc.name == "mine"
    assert sc.value("budget_eu_grant_meur") == 60
    assert sc.value("climate_pathway") == "SSP5-8.5"
    assert sc.projects == base.projects and sc.funders == base.funders
    with pytest.raises(ScenarioError, match="budget_eu_grant_meur"):
        build_scenario(base, {"budget_eu_grant_meur": 999})


def test_downloaded_yaml_loads_back_to_the_same_scenario(tmp_path):
    sc = build_scenario(load_scenario("baseline"), {"res_auction_mw_per_yr": 1200}, name="more-wind")
    text = scenario_yaml(sc, header="saved from the app")
    assert text.startswith("# saved from the app\n")
    path = tmp_path / safe_filename(sc.name, ".yaml")
    path.write_text(text, encoding="utf-8")
    again = load_scenario(path)
    assert again.scenario_hash() == sc.scenario_hash()
    assert yaml.safe_load(text)["levers"]["res_auction_mw_per_yr"] == 1200


def test_upload_with_extends_works():
    sc = read_upload("plan.yaml", b"extends: baseline.yaml\nname: plan\nlevers:\n  budget_eu_grant_meur: 80\n")
    assert sc.name == "plan" and sc.value("budget_eu_grant_meur") == 80
    assert sc.value("budget_ebrd_meur") == load_scenario("baseline").value("budget_ebrd_meur")


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("bad.yaml", b"name: x\nlevers:\n  budget_eu_grant_meur: 999\n", "levers.budget_eu_grant_meur"),
        ("bad.yaml", b"name: x\nlevers:\n  budget_eu_grant_meur: 999\n", "expected 0-200 EUR M/yr; got 999"),
        ("typo.yaml", b"name: x\nlevers:\n  budget_eu_grant: 5\n", "levers.budget_eu_grant: unknown key"),
        ("broken.yaml", b"name: [unclosed\n", "is not valid YAML at line"),
        ("list.yaml", b"- a\n- b\n", "expected a mapping"),
        ("notes.txt", b"name: x\n", "expected a .yaml or .yml scenario file"),
        ("bin.yaml", b"\xff\xfe\x00garbage", "is not a UTF-8 text file"),
        ("huge.yaml", b"#" + b"x" * MAX_FILE_BYTES, "larger than 256 kB"),
        ("orphan.yaml", b"extends: nowhere.yaml\nname: x\n", "parent scenario 'nowhere.yaml' not found"),
    ],
)
def test_bad_uploads_give_the_loaders_message_naming_the_file(name, data, expected):
    with pytest.raises(UploadError) as err:
        read_upload(name, data)
    text = str(err.value)
    assert text.startswith(f"{name}: "), text
    assert expected in text


def test_upload_errors_match_the_cli_loader_word_for_word(tmp_path):
    data = b"name: x\nlevers:\n  budget_eu_grant_meur: 999\n  res_auction_mw_per_yr: -1\n"
    path = tmp_path / "same.yaml"
    path.write_bytes(data)
    with pytest.raises(ScenarioError) as cli:
        load_scenario(path)
    with pytest.raises(UploadError) as app:
        read_upload("same.yaml", data)
    assert str(app.value).splitlines()[1:] == str(cli.value).splitlines()[1:]


def test_safe_filename():
    assert safe_filename("baseline-edited", ".yaml") == "baseline-edited.yaml"
    assert safe_filename("../../etc/passwd") == "etc_passwd"
    assert safe_filename("  ") == "scenario"


def test_an_edited_scenario_does_not_keep_the_original_description():
    """Issue 14: YAML and report of an edited scenario said '~EUR 15 M/yr of EU grants' with EU grants at 60."""
    base = load_scenario("baseline")
    same = build_scenario(base, {"budget_eu_grant_meur": base.value("budget_eu_grant_meur")})
    assert same.description == base.description
    sc = build_scenario(base, {"budget_eu_grant_meur": 60.0}, name="baseline-edited")
    assert base.description and base.description not in sc.description
    assert "Edited in the app from the scenario 'baseline'" in sc.description
    assert "-> 60" in sc.description and "EUR M/yr" in sc.description
    assert base.description not in scenario_yaml(sc)
