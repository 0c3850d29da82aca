"""Write chambers.xlsx, the FICTIONAL chamber directory of this example.

    python docs/examples/mappings/chamber-directory/make_xlsx.py

The workbook has a notes sheet first and the directory in the sheet "Chambers" (so the
mapping names it), with its own column names, a date cell beside dates written as text,
whole numbers as numbers and several services in one cell.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

HEADER = ["Chamber", "Abbreviation", "Country code", "NUTS code", "City", "Postcode",
          "Street", "No.", "Founded", "Website", "Member companies", "Services",
          "Sectors served"]
ROWS: list[list[object]] = [
    ["Beispielkammer für Handel und Industrie München", "BKHI-M", "DE", "DE21", "München",
     "80331", "Beispielstraße", 1, dt.datetime(1950, 4, 1), "https://bkhi.example.org", 5400,
     "Training, Export advice", "C, G46"],
    ["Chambre Exemple de Commerce de Lyon", "CECL", "FR", "FRK26", "Lyon", "69002",
     "Place de l'Exemple", 1, "15.06.1962", "https://cecl.example.org", 3200,
     "Export advice, Matchmaking, Funding advice", "C, H"],
    ["Camera di Commercio Esempio di Milano", "CCEM", "IT", "ITC4C", "Milano", "20121",
     "Via dell'Esempio", 2, "01.01.1970", "https://ccem.example.org", 8100,
     "Training, Innovation support", ""],
    ["Cámara Ejemplo de Comercio de Valencia", "CECV", "ES", "ES523", "València", "46001",
     "Calle del Ejemplo", 12, "", "", 2750, "Matchmaking, Information", "I, N79"],
]


def main() -> None:
    workbook = Workbook()
    notes = workbook.active
    assert notes is not None
    notes.title = "About"
    notes.append(["Note"])
    notes.append(["A FICTIONAL directory of chambers of commerce, for the smekg documentation."])
    chambers = workbook.create_sheet("Chambers")
    chambers.append(HEADER)
    for row in ROWS:
        chambers.append(row)
    for cell in chambers["I"][1:]:
        if isinstance(cell.value, dt.datetime):
            cell.number_format = "DD.MM.YYYY"
    fixed = dt.datetime(2025, 1, 1)  # the same bytes of metadata on every run
    workbook.properties.created = fixed
    workbook.properties.modified = fixed
    workbook.save(Path(__file__).with_name("chambers.xlsx"))


if __name__ == "__main__":
    main()
