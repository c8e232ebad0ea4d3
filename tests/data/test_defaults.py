"""The default scenario with its discrete features (chipalloc.data.defaults): data/base/discrete
holds only the discrete facts, and ``write_discrete_default`` joins them to data/base's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from chipalloc.data import (
    BASE_DIR,
    DISCRETE_DIR,
    discrete_default,
    load_scenario,
    write_discrete_default,
)
from chipalloc.data.defaults import KEYS, write_files
from chipalloc.data.discrete import campus_of, is_mip, rack_sizes


def table(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    return write_discrete_default(tmp_path_factory.mktemp("discrete") / "base-discrete")


@pytest.mark.parametrize("name", ["chips.csv", "sites.csv"])
def test_the_discrete_columns_have_one_home(name):
    """data/base/discrete/<table> holds the key and only the columns section 7 adds, for
    keys of data/base's table."""
    base, extra = table(BASE_DIR / name), table(DISCRETE_DIR / name)
    keys = KEYS[name]
    assert keys == [extra.columns[0]]
    assert not set(extra.columns[1:]) & set(base.columns)
    assert set(extra[keys[0]]) <= set(base[keys[0]])


def test_the_discrete_layer_holds_no_base_file():
    """Besides the joined tables and the appended files, nothing of data/base is repeated."""
    shared = {p.name for p in DISCRETE_DIR.iterdir()} & {p.name for p in BASE_DIR.iterdir()}
    assert shared == {"chips.csv", "sites.csv", "provenance.csv", "variants.yaml", "SOURCES.md"}


@pytest.mark.parametrize("name", ["chips.csv", "sites.csv"])
def test_chips_and_sites_are_the_base_rows_plus_the_discrete_columns(written, name):
    base, extra, merged = (table(d / name) for d in (BASE_DIR, DISCRETE_DIR, written))
    key = KEYS[name][0]
    assert list(merged.columns) == list(base.columns) + list(extra.columns[1:])
    pd.testing.assert_frame_equal(merged[base.columns], base)
    by_key = extra.set_index(key).reindex(merged[key]).fillna("").reset_index()
    pd.testing.assert_frame_equal(merged[extra.columns], by_key)


def test_the_other_files_are_the_base_and_discrete_ones(written):
    """Every other data/base file is copied byte for byte (futures.yaml too), the discrete
    tables are added, provenance.csv is data/base's rows then the discrete ones, variants are
    data/base's then the discrete ones, and the scenario is named base-discrete."""
    base = {p.name for p in BASE_DIR.iterdir() if p.is_file()}
    added = {p.name for p in DISCRETE_DIR.iterdir()} - base
    assert added == {"clusters.csv", "fabrics.csv"}
    assert {p.name for p in written.iterdir()} == base | added
    merged = {"chips.csv", "sites.csv", "provenance.csv", "variants.yaml", "SOURCES.md"}
    for name in base - merged - {"scenario.yaml"}:
        assert (written / name).read_bytes() == (BASE_DIR / name).read_bytes(), name
    for name in added:
        assert (written / name).read_bytes() == (DISCRETE_DIR / name).read_bytes(), name
    prov = pd.concat([table(d / "provenance.csv") for d in (BASE_DIR, DISCRETE_DIR)])
    pd.testing.assert_frame_equal(table(written / "provenance.csv"), prov.reset_index(drop=True))
    variants = [
        list(yaml.safe_load((d / "variants.yaml").read_text())) for d in (BASE_DIR, DISCRETE_DIR)
    ]
    assert list(yaml.safe_load((written / "variants.yaml").read_text())) == sum(variants, [])
    sources = (written / "SOURCES.md").read_text()
    assert sources.startswith((BASE_DIR / "SOURCES.md").read_text())
    assert sources.endswith((DISCRETE_DIR / "SOURCES.md").read_text())
    settings = yaml.safe_load((written / "scenario.yaml").read_text())
    assert settings == {
        **yaml.safe_load((BASE_DIR / "scenario.yaml").read_text()),
        "name": "base-discrete",
    }


def test_the_discrete_default_is_a_mip_and_the_base_stays_an_lp(written):
    """data/base is read by file names: its discrete/ subfolder leaves it an LP."""
    sc = load_scenario(written)
    assert is_mip(sc) and sc.name == "base-discrete"
    assert campus_of(sc)["abilene-expansion"] == "abilene"
    assert rack_sizes(sc) == {}
    assert not is_mip(load_scenario(BASE_DIR))


@pytest.mark.parametrize("variant", ["no_infiniband", "whole_racks"])
def test_the_discrete_variants_apply(written, variant):
    from chipalloc.solve.pipeline import load

    sc = load(written, written / "variants.yaml", variant)
    if variant == "whole_racks":
        assert rack_sizes(sc) == {"GB200": 72, "GB300": 72, "VR200": 72, "MI450": 72}
    else:
        assert sc.tables["fabrics"].set_index("fabric").at["infiniband", "chips"] == "H100"


def test_writing_refuses_a_file_and_a_non_empty_folder(tmp_path):
    file = tmp_path / "notes.txt"
    file.write_text("keep\n")
    with pytest.raises(FileExistsError, match="is a file, not a folder"):
        write_discrete_default(file)
    assert file.read_text() == "keep\n"
    folder = tmp_path / "plan"
    folder.mkdir()
    (folder / "mine.csv").write_text("x\n1\n")
    with pytest.raises(FileExistsError, match="exists and is not empty; use --force"):
        write_discrete_default(folder)
    assert [p.name for p in folder.iterdir()] == ["mine.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "plan"]


def test_force_replaces_the_files_of_the_same_name_and_keeps_the_others(tmp_path):
    folder = tmp_path / "plan"
    folder.mkdir()
    (folder / "mine.csv").write_text("x\n1\n")
    (folder / "chips.csv").write_text("old\n")
    write_files(folder, discrete_default(), force=True)
    assert (folder / "mine.csv").read_text() == "x\n1\n"
    assert (folder / "chips.csv").read_bytes() == discrete_default()["chips.csv"]
    assert {p.name for p in folder.iterdir()} == {"mine.csv", *discrete_default()}
    assert [p.name for p in tmp_path.iterdir()] == ["plan"]


def test_every_file_of_the_default_ships_in_the_wheel():
    """pyproject.toml's package-data globs (setuptools expands them as ``glob`` does, ``*``
    within one folder) cover every file of the checkout's data/base and its discrete/; where
    chipalloc is installed from a wheel, each of those files is in the installed copy."""
    import tomllib

    root = Path(__file__).resolve().parents[2]
    data = root / "data"
    config = tomllib.loads((root / "pyproject.toml").read_text())
    globs = config["tool"]["setuptools"]["package-data"]["chipalloc.data"]
    shipped = {p for g in globs for p in data.glob(g)}
    files = {p for p in (data / "base").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert data / "base" / "discrete" / "clusters.csv" in files
    assert files <= shipped, sorted(str(p.relative_to(data)) for p in files - shipped)
    installed = {BASE_DIR / p.relative_to(data / "base") for p in files}
    assert all(p.is_file() for p in installed), sorted(str(p) for p in installed if not p.is_file())
