"""Scenario files: shipped scenarios run; bad files give clear errors naming file and field."""

from pathlib import Path

import pytest
import yaml

import wecsim
from wecsim.errors import ScenarioError
from wecsim.scenario import SCENARIO_DIR, dump_scenario, load_scenario, registry

SHIPPED = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def test_all_six_scenarios_are_shipped():
    assert set(SHIPPED) >= {
        "baseline",
        "team_europe_accelerated",
        "aktau_desalination",
        "circular_economy_40",
        "drought_2030s",
        "no_eu_finance",
    }


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_validates_and_runs(name):
    s = load_scenario(SCENARIO_DIR / f"{name}.yaml")
    assert s.name == name
    res = wecsim.run(s, seed=1)
    years = res.national["year"]
    assert years.min() == s.start_year and years.max() == s.end_year


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


BAD = {
    "unknown_top_key.yaml": ("name: x\nbudget: 5\n", "budget", "unknown key"),
    "unknown_lever.yaml": ("name: x\nlevers:\n  eu_money: 5\n", "levers.eu_money", "unknown key"),
    "wrong_type.yaml": (
        "name: x\nlevers:\n  res_auction_mw_per_yr: lots\n",
        "levers.res_auction_mw_per_yr",
        "valid number",
    ),
    "out_of_range.yaml": ("name: x\nlevers:\n  budget_eu_grant_meur: 900\n", "levers.budget_eu_grant_meur", "0-200"),
    "bad_pathway.yaml": (
        "name: x\nuncertainties:\n  climate_pathway: RCP9\n",
        "uncertainties.climate_pathway",
        "SSP2-4.5",
    ),
    "unknown_funder.yaml": ("name: x\nfunders:\n  imf:\n    priority_water: 0.5\n", "funders", "unknown funder"),
    "unknown_region.yaml": (
        "name: x\nprojects:\n  - {name: p, technology: desalination, region: Atlantis, size: 1000, year: 2030}\n",
        "projects.0.region",
        "unknown region",
    ),
    "unknown_technology.yaml": (
        "name: x\nprojects:\n  - {name: p, technology: fusion, region: KZ-47, size: 1, year: 2030}\n",
        "projects.0.technology",
        "unknown technology",
    ),
    "not_yaml.yaml": ("name: x\nlevers: [unclosed\n", "", "not valid YAML"),
    "not_mapping.yaml": ("- just\n- a list\n", "", "expected a mapping"),
    "end_year.yaml": ("name: x\nend_year: 2200\n", "end_year", "less than or equal"),
    "empty.yaml": ("", "", "is empty"),
    "boolean.yaml": ("name: x\nlevers:\n  budget_eu_grant_meur: true\n", "levers.budget_eu_grant_meur", "valid number"),
    "quoted.yaml": ("name: x\nlevers:\n  budget_eu_grant_meur: '50'\n", "levers.budget_eu_grant_meur", "valid number"),
    "nan.yaml": ("name: x\nlevers:\n  budget_eu_grant_meur: .nan\n", "levers.budget_eu_grant_meur", "finite number"),
    "duplicate.yaml": (
        "name: x\nlevers:\n  budget_eu_grant_meur: 5\n  budget_eu_grant_meur: 6\n",
        "line 4",
        "duplicate key",
    ),
    "misplaced.yaml": ("name: x\nres_auction_mw_per_yr: 900\n", "res_auction_mw_per_yr", "put it under `levers:`"),
    "section_type.yaml": ("name: x\nlevers: 5\n", "levers", "valid dictionary (got 5)"),
    "fraction_year.yaml": (
        "name: x\nlevers:\n  landfill_ban_year: 2030.5\n",
        "levers.landfill_ban_year",
        "valid integer",
    ),
}


@pytest.mark.parametrize("fname", sorted(BAD))
def test_bad_file_names_file_and_field(tmp_path, fname):
    text, field, expected = BAD[fname]
    path = _write(tmp_path, fname, text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert fname in msg
    assert field in msg
    assert expected in msg


def test_circular_extends_is_an_error(tmp_path):
    _write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    _write(tmp_path, "b.yaml", "extends: a.yaml\nname: b\n")
    with pytest.raises(ScenarioError, match=r"circular extends: a.yaml -> b.yaml -> a.yaml"):
        load_scenario(tmp_path / "a.yaml")


def test_missing_parent_is_an_error(tmp_path):
    _write(tmp_path, "c.yaml", "extends: nowhere.yaml\nname: c\n")
    with pytest.raises(ScenarioError, match=r"parent scenario 'nowhere\.yaml' not found"):
        load_scenario(tmp_path / "c.yaml")


def test_extends_merges_levers_and_child_wins(tmp_path):
    _write(tmp_path, "parent.yaml", "name: parent\nlevers:\n  budget_eu_grant_meur: 50\n  res_auction_mw_per_yr: 900\n")
    _write(tmp_path, "child.yaml", "extends: parent.yaml\nname: child\nlevers:\n  budget_eu_grant_meur: 80\n")
    s = load_scenario(tmp_path / "child.yaml")
    assert s.name == "child"
    assert s.value("budget_eu_grant_meur") == 80
    assert s.value("res_auction_mw_per_yr") == 900
    assert s.value("budget_eib_meur") == registry()["budget_eib_meur"].default


def test_shipped_child_inherits_from_baseline():
    s = load_scenario("drought_2030s")
    assert s.value("climate_pathway") == "SSP5-8.5"
    assert s.end_year == load_scenario("baseline").end_year


def test_overrides_with_paths_and_bare_names():
    s = load_scenario("baseline", ["levers.budget_eu_grant_meur=60", "drought_probability_south=0.3", "end_year=2040"])
    assert s.value("budget_eu_grant_meur") == 60
    assert s.value("drought_probability_south") == 0.3
    assert s.end_year == 2040


def test_override_errors_are_clear():
    with pytest.raises(ScenarioError, match="expected PATH=VALUE"):
        load_scenario("baseline", ["budget_eu_grant_meur"])
    with pytest.raises(ScenarioError, match=r"levers.nonsense: unknown key"):
        load_scenario("baseline", ["levers.nonsense=1"])
    with pytest.raises(ScenarioError, match=r"\(with --set budget_eu_grant_meur=-1\)"):
        load_scenario("baseline", ["budget_eu_grant_meur=-1"])


def test_pinned_project_by_region_name_and_list_override():
    data = {
        "name": "pin",
        "projects": [
            {
                "name": "Kyzylorda reuse",
                "technology": "wastewater_reuse",
                "region": "Kyzylorda",
                "size": 20000,
                "year": 2028,
            },
        ],
    }
    s = load_scenario(data, ["projects.0.size=30000"])
    assert s.projects[0].region == "KZ-43" and s.projects[0].size == 30000
    res = wecsim.run(s, seed=2)
    row = res.project[res.project["name"] == "Kyzylorda reuse"].iloc[0]
    assert row["pinned"] and row["proposed_year"] == 2028 and row["size"] == 30000


def test_dump_round_trip(tmp_path):
    s = load_scenario("circular_economy_40", ["budget_eu_grant_meur=33"])
    path = _write(tmp_path, "dumped.yaml", dump_scenario(s))
    again = load_scenario(path)
    assert again == s
    assert again.scenario_hash() == s.scenario_hash()
    assert yaml.safe_load(path.read_text())["levers"]["budget_eu_grant_meur"] == 33


def test_folder_is_refused(tmp_path):
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(ScenarioError, match="is a folder"):
        load_scenario(tmp_path / "dir.yaml")


def test_oversized_file_is_refused(tmp_path):
    path = _write(tmp_path, "huge.yaml", "name: x\n" + "#" * 300_000 + "\n")
    with pytest.raises(ScenarioError, match="larger than"):
        load_scenario(path)
