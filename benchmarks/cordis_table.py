"""A realistic CORDIS download, generated: ``project.csv`` and ``organization.csv`` in the
published layout (every field quoted, ``;``-separated, UTF-8 with a BOM, CRLF line ends),
of the shape of the Horizon Europe dataset: by default 20,000 projects, about 100,000
participation rows and 40,000 organisations.

    .venv/bin/python benchmarks/cordis_table.py OUT_DIR [--projects 20000] [--seed 42] [--zip]

Deterministic (the same seed writes the same bytes). Names are fictional; countries and
NUTS-3 codes are real (the bundled NUTS regions, in CORDIS's spelling: EL, UK), with
some codes of older NUTS versions and the shares of countries, activity types, roles,
funding schemes and consortium sizes of a real programme (roughly: single-beneficiary
ERC and MSCA grants beside consortia of 5 to 20, a few universities in hundreds of
projects). Topic codes follow the work programmes (``HORIZON-CL4-2022-DIGITAL-EMERGING-
01-03``, ``HORIZON-EIE-2022-SCALEUP-02-02``, ``ERC-2021-STG``). About 2% of the projects
are of the SME-support family ``HORIZON-EIE-*`` (what ``--topics 'HORIZON-EIE-*'``
keeps). Objectives hold quotes, ``;`` and line breaks; amounts are written ``1234.5``,
sometimes ``1234,5``; one organisation in twenty has rows that disagree (a renamed or
moved organisation), as CORDIS data does.
"""

from __future__ import annotations

import argparse
import random
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

PROJECT_COLUMNS = [
    "id", "acronym", "status", "title", "startDate", "endDate", "totalCost",
    "ecMaxContribution", "legalBasis", "topics", "ecSignatureDate", "frameworkProgramme",
    "masterCall", "subCall", "fundingScheme", "nature", "objective", "contentUpdateDate", "rcn",
    "grantDoi"]
ORGANISATION_COLUMNS = [
    "projectID", "projectAcronym", "organisationID", "vatNumber", "name", "shortName", "SME",
    "activityType", "street", "postCode", "city", "country", "nutsCode", "geolocation",
    "organizationURL", "contactForm", "contentUpdateDate", "rcn", "order", "role",
    "ecContribution", "netEcContribution", "totalCost", "endOfParticipation", "active"]

# (share of projects, topic family, destination codes, funding schemes, consortium sizes)
FAMILIES: tuple[tuple[float, str, tuple[str, ...], tuple[str, ...], tuple[int, int]], ...] = (
    (0.22, "ERC", ("STG", "COG", "ADG", "POC", "SYG"), ("HORIZON-ERC",), (1, 2)),
    (0.20, "MSCA", ("PF-01", "DN-01", "SE-01", "COFUND-01"),
     ("HORIZON-TMA-MSCA-PF-EF", "HORIZON-TMA-MSCA-DN", "HORIZON-TMA-MSCA-SE"), (1, 3)),
    (0.07, "EIC", ("PATHFINDEROPEN-01", "TRANSITION-01", "ACCELERATOR-01"),
     ("HORIZON-EIC", "HORIZON-EIC-ACC-BF"), (1, 6)),
    (0.06, "CL1", ("HLTH-STAYHLTH-01", "HLTH-DISEASE-03", "HLTH-TOOL-12"),
     ("HORIZON-RIA", "HORIZON-IA", "HORIZON-CSA"), (4, 14)),
    (0.05, "CL2", ("DEMOCRACY-01", "TRANSFORMATIONS-01", "HERITAGE-01"),
     ("HORIZON-RIA", "HORIZON-CSA"), (4, 12)),
    (0.04, "CL3", ("FCT-01", "BM-01", "CS-01"), ("HORIZON-RIA", "HORIZON-IA"), (4, 12)),
    (0.10, "CL4", ("DIGITAL-EMERGING-01", "TWIN-TRANSITION-01", "SPACE-01", "HUMAN-01"),
     ("HORIZON-RIA", "HORIZON-IA", "HORIZON-CSA"), (4, 14)),
    (0.10, "CL5", ("D3-01", "D5-01", "D6-01", "D2-01"),
     ("HORIZON-RIA", "HORIZON-IA", "HORIZON-CSA"), (4, 15)),
    (0.07, "CL6", ("FARM2FORK-01", "BIODIV-01", "CIRCBIO-01", "ZEROPOLLUTION-01"),
     ("HORIZON-RIA", "HORIZON-IA", "HORIZON-CSA"), (4, 14)),
    (0.03, "WIDERA", ("ACCESS-03", "ERA-01", "TALENTS-02"),
     ("HORIZON-CSA", "HORIZON-COFUND"), (2, 10)),
    (0.02, "INFRA", ("DEV-01", "SERV-01", "TECH-01"), ("HORIZON-RIA", "HORIZON-CSA"), (5, 16)),
    (0.02, "EIE", ("SCALEUP-02", "CONNECT-01", "INNOVSMES-01", "EITUNPUBLISHED-01"),
     ("HORIZON-CSA", "HORIZON-COFUND"), (3, 10)),
    (0.02, "MISS", ("CLIMA-02", "OCEAN-01", "CITIES-01", "SOIL-02"),
     ("HORIZON-RIA", "HORIZON-IA", "HORIZON-CSA"), (5, 16)),
)
# CORDIS country codes with their rough share of participations
COUNTRIES: tuple[tuple[str, float], ...] = (
    ("DE", 13), ("ES", 12), ("IT", 11), ("FR", 10), ("NL", 6), ("BE", 5), ("EL", 4),
    ("PT", 4), ("AT", 3), ("SE", 3), ("DK", 2.5), ("FI", 2.5), ("IE", 2), ("PL", 2.5),
    ("CZ", 1.2), ("NO", 2), ("CH", 2), ("UK", 3), ("IL", 1), ("SI", 1), ("HU", 1), ("RO", 1),
    ("HR", 0.7), ("EE", 0.7), ("LT", 0.6), ("LV", 0.5), ("SK", 0.5), ("BG", 0.6), ("CY", 0.6),
    ("LU", 0.4), ("MT", 0.2), ("TR", 1.2), ("RS", 0.4), ("IS", 0.2), ("UA", 0.3),
    ("US", 0.8), ("CA", 0.3), ("ZA", 0.3), ("JP", 0.2), ("BR", 0.2), ("KE", 0.2), ("XK", 0.05),
)
ACTIVITY = (("PRC", 0.38), ("HES", 0.27), ("REC", 0.20), ("PUB", 0.08), ("OTH", 0.07))
SYLLABLES = ("al", "ber", "cor", "dan", "el", "fen", "gal", "hor", "in", "jor", "kal", "lum",
             "mar", "nor", "ost", "par", "quin", "ros", "sal", "tor", "ul", "ver", "wal", "zen")
KINDS = {
    "PRC": ("SOLUTIONS SL", "TECHNOLOGIES GMBH", "SRL", "BV", "SA", "OY", "AB", "LTD"),
    "HES": ("UNIVERSITY", "UNIVERSITAET", "UNIVERSITA DEGLI STUDI", "UNIVERSIDAD",
            "TECHNICAL UNIVERSITY"),
    "REC": ("RESEARCH INSTITUTE", "FORSCHUNGSZENTRUM", "CENTRE DE RECHERCHE",
            "FUNDACION TECNALIA", "ISTITUTO"),
    "PUB": ("MUNICIPALITY", "REGIONAL AGENCY", "MINISTRY OF INNOVATION", "CITY COUNCIL"),
    "OTH": ("CLUSTER ASSOCIATION", "FOUNDATION", "CHAMBER OF COMMERCE", "NETWORK ASBL"),
}
WORDS = ("innovation", "SMEs", "regional", "ecosystem", "scale-up", "quantum", "sensor",
         "climate", "adaptation", "circular", "bio-based", "health", "data", "platform",
         "pilot", "demonstrate", "open", "science", "energy", "storage", "hydrogen", "soil",
         "ocean", "digital", "twin", "citizens", "policy", "skills", "training", "network")
OLD_NUTS = ("FR241", "FR714", "UKM50", "PL127", "IE021", "HU101", "NL332", "DE915", "ITZZZ")


@dataclass(frozen=True)
class Summary:
    projects: int
    participations: int
    organisations: int
    eie_projects: int
    bytes: dict[str, int]
    seconds: float


def _nuts3_by_country() -> dict[str, list[str]]:
    from smekg.reference.regions import nuts_region_rows

    by_country: dict[str, list[str]] = {}
    for row in nuts_region_rows():
        if row.level == 3 and ("2021" in row.versions or "2018" in row.versions):
            by_country.setdefault(row.code[:2], []).append(row.code)
    return by_country


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _line(values: list[str]) -> str:
    return ";".join(_quote(v) for v in values) + "\r\n"


def _amount(rng: random.Random, low: float, high: float) -> str:
    value = round(rng.uniform(low, high), rng.choice((0, 0, 2)))
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if rng.random() < 0.05 else text


def _name(rng: random.Random, activity: str) -> tuple[str, str]:
    stem = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).upper()
    kind = rng.choice(KINDS[activity])
    name = f"{stem} {kind}" if activity in {"PRC", "OTH"} else f"{kind} {stem}"
    return name, stem[:8]


def _objective(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(6, 14)):
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 20))]
        if rng.random() < 0.2:
            words.insert(rng.randrange(len(words)), '"' + rng.choice(WORDS) + '"')
        sentence = " ".join(words)
        sentences.append(sentence[0].upper() + sentence[1:] + rng.choice((".", ".", ";")))
    text = " ".join(sentences)
    if rng.random() < 0.3:
        text = text.replace(". ", ".\n", 1)
    return text


@dataclass
class _Organisation:
    pic: str
    activity: str
    name: str
    short: str
    country: str
    nuts: str
    city: str
    postcode: str
    vat: str
    sme: str
    url: str
    street: str
    moved: bool  # its rows disagree (renamed, moved)


def write_cordis(directory: Path, projects: int = 20_000, seed: int = 42) -> Summary:
    """Write ``project.csv`` and ``organization.csv`` of ``projects`` projects (about five
    participations each, two organisations per five participations) into ``directory``."""
    started = time.perf_counter()
    rng = random.Random(seed)
    nuts = _nuts3_by_country()
    countries = [c for c, _ in COUNTRIES]
    country_weights = [w for _, w in COUNTRIES]
    activities = [a for a, _ in ACTIVITY]
    activity_weights = [w for _, w in ACTIVITY]
    family_weights = [f[0] for f in FAMILIES]
    organisations: list[_Organisation] = []

    def organisation() -> _Organisation:
        activity = rng.choices(activities, activity_weights)[0]
        country = rng.choices(countries, country_weights)[0]
        codes = nuts.get(country)
        if codes:
            code = rng.choice(OLD_NUTS) if rng.random() < 0.01 else rng.choice(codes)
        else:
            code = country  # CORDIS writes the country code where there is no NUTS region
        name, short = _name(rng, activity)
        pic = f"{9_000_000_00 + len(organisations) * 7 + rng.randint(0, 6):09d}"
        vat = "" if rng.random() < 0.3 else f"{country}{rng.randint(10**8, 10**9 - 1)}"
        sme = ("true" if rng.random() < 0.6 else "false") if activity == "PRC" else (
            "false" if rng.random() < 0.9 else "")
        url = (f"https://www.{short.lower()}.example.{country.lower()}"
               if rng.random() < 0.7 else "")
        found = _Organisation(pic, activity, name, short, country, code,
                              f"{short.title()}burg", f"{rng.randint(1000, 99999)}", vat, sme,
                              url, f"{short.title()}strasse {rng.randint(1, 200)}",
                              rng.random() < 0.05)
        organisations.append(found)
        return found

    # a few organisations take part in many projects (a Zipf-like reuse)
    def participant() -> _Organisation:
        if not organisations or rng.random() < 0.4:
            return organisation()
        index = int(len(organisations) * rng.random() ** 3)
        return organisations[index]

    directory.mkdir(parents=True, exist_ok=True)
    project_path, organisation_path = directory / "project.csv", directory / "organization.csv"
    participations = eie = 0
    with (project_path.open("w", encoding="utf-8-sig", newline="") as project_file,
          organisation_path.open("w", encoding="utf-8-sig", newline="") as organisation_file):
        project_file.write(_line(PROJECT_COLUMNS))
        organisation_file.write(_line(ORGANISATION_COLUMNS))
        for number in range(projects):
            family = rng.choices(FAMILIES, family_weights)[0]
            _, code, destinations, schemes, (smallest, largest) = family
            year = rng.choice((2021, 2022, 2023, 2024))
            destination = rng.choice(destinations)
            if code == "ERC":
                topic = call = f"ERC-{year}-{destination}"
            elif code == "MSCA":
                call = f"HORIZON-MSCA-{year}-{destination}"
                topic = f"{call}-01"
            else:
                call = f"HORIZON-{code}-{year}-{destination}"
                topic = f"{call}-{rng.randint(1, 12):02d}"
            eie += code == "EIE"
            project_id = f"{101_040_000 + number * 3 + rng.randint(0, 2)}"
            acronym = "".join(rng.choice(SYLLABLES) for _ in range(3)).upper()
            start = f"{year + rng.randint(0, 1)}-{rng.randint(1, 12):02d}-01"
            end = f"{int(start[:4]) + rng.randint(2, 5)}-{start[5:7]}-28"
            size = rng.randint(smallest, largest) if rng.random() < 0.9 else smallest
            total = rng.uniform(150_000, 12_000_000) if size > 2 else rng.uniform(1.5e5, 2.5e6)
            project_file.write(_line([
                project_id, acronym, rng.choice(("SIGNED", "SIGNED", "CLOSED")),
                f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} for {rng.choice(WORDS)} "
                f"({acronym})", start, end, _amount(rng, total, total),
                _amount(rng, total * 0.7, total),
                f"HORIZON.{rng.randint(1, 3)}.{rng.randint(1, 6)}", topic,
                f"{year}-{rng.randint(1, 12):02d}-15", "HORIZON", call, call,
                rng.choice(schemes), "", _objective(rng),
                f"{year + 1}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} 10:00:00",
                str(1_000_000 + number), f"10.3030/{project_id}"]))
            members: set[str] = set()
            for order in range(1, size + 1):
                who = participant()
                if who.pic in members:
                    continue
                members.add(who.pic)
                participations += 1
                role = "coordinator" if order == 1 else rng.choices(
                    ("participant", "associatedPartner", "thirdParty"), (0.9, 0.06, 0.04))[0]
                if who.country in {"US", "CA", "JP", "BR"} and order > 1:
                    role = "internationalPartner" if rng.random() < 0.5 else "associatedPartner"
                name, city, code = who.name, who.city, who.nuts
                if who.moved and rng.random() < 0.5:
                    name, city = f"{who.name} RENAMED", f"New {who.city}"
                contribution = "" if role == "associatedPartner" else _amount(
                    rng, 0, total / max(size, 1))
                cost = _amount(rng, 0, total / max(size, 1) * 1.3)
                organisation_file.write(_line([
                    project_id, acronym, who.pic, who.vat, name, who.short, who.sme,
                    who.activity, who.street, who.postcode, city, who.country, code, "",
                    who.url, "https://ec.europa.eu/info/funding-tenders/opportunities/portal/"
                    f"screen/contact-form/project/{who.pic}/{project_id}",
                    f"{year + 1}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} 10:00:00",
                    str(2_000_000 + participations), str(order), role, contribution,
                    contribution, cost, "false", "true"]))
    return Summary(projects, participations, len(organisations), eie,
                   {p.name: p.stat().st_size for p in (project_path, organisation_path)},
                   time.perf_counter() - started)


def zip_cordis(directory: Path, archive: Path, folder: str = "csv") -> Path:
    """The CSVs of ``directory`` zipped as CORDIS distributes them (in ``folder``/)."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name in ("project.csv", "organization.csv"):
            zipped.write(directory / name, f"{folder}/{name}" if folder else name)
    return archive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--zip", action="store_true",
                        help="also write OUT/cordis-HORIZONprojects-csv.zip")
    args = parser.parse_args()
    summary = write_cordis(args.out, args.projects, args.seed)
    print(f"{summary.projects:,} projects ({summary.eie_projects:,} HORIZON-EIE), "
          f"{summary.participations:,} participations, {summary.organisations:,} organisations; "
          + ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in summary.bytes.items())
          + f"; {summary.seconds:.1f} s")
    if args.zip:
        archive = zip_cordis(args.out, args.out / "cordis-HORIZONprojects-csv.zip")
        print(f"{archive} ({archive.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
