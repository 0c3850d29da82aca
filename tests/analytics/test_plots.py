"""Figures, saved as PNG and SVG and read back."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import matplotlib.image
import networkx as nx
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from smekg.analytics.models import BrokersAnswer, BrokerScore, GapMatrix, GraphSize, Share
from smekg.analytics.plots import (
    FIGURE_FORMATS,
    MIN_FONT_SIZE,
    broker_bars,
    figure_bytes,
    figure_format,
    gap_heatmap,
    gap_map,
    network_diagram,
    save,
)
from smekg.analytics.projection import project
from smekg.analytics.service import AnalyticsService
from smekg.analytics.testing import toy_index, toy_rows
from smekg.queries.models import EntityRef
from smekg.queries.service import QueryService

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_TEXT = "{http://www.w3.org/2000/svg}text"


def _ref(code: str, label: str, kind: str | None = None) -> EntityRef:
    return EntityRef(iri=f"ex:{code}", label=label, type=kind, code=code)


def _matrix(rows: int = 3, columns: int = 4) -> GapMatrix:
    """Regions x sectors where every third cell is uncovered."""
    regions = [_ref("ITH5", "Emilia-Romagna"), _ref("FR10", "Ile-de-France"),
               _ref("ES51", "Cataluña")]
    regions += [_ref(f"R{i:03d}", f"Region {i}") for i in range(len(regions), rows)]
    sectors = [_ref(code, code) for code in ("C", "C25", "J", "M")]
    sectors += [_ref(f"S{j:02d}", f"Sector {j}") for j in range(len(sectors), columns)]
    counts = [[0 if (i + j) % 3 == 0 else i + j for j in range(columns)] for i in range(rows)]
    return GapMatrix(scope=_ref("europe", "Europe", "continent"), region_level="nuts-2",
                     sector_level="nace-section", regions=regions[:rows],
                     sectors=sectors[:columns], counts=counts, cells=rows * columns,
                     uncovered=sum(count == 0 for row in counts for count in row))


def _brokers() -> BrokersAnswer:
    def broker(code: str, label: str, country: str | None, pairs: int) -> BrokerScore:
        return BrokerScore(iri=f"ex:{code}", label=label, type="organisation", code=code,
                           country=country, groups=2, bridged_pairs=pairs, share=0.5,
                           betweenness=0.1, top_groups=[Share(code="IT", label="Italy",
                                                              count=1, share=0.5)])

    results = [broker("ipi", "IPI", "IT", 3), broker("network", "Network", None, 7),
               broker("medef", "MEDEF", "FR", 1)]
    return BrokersAnswer(graph=GraphSize(scope="everything", nodes=9, edges=12), by="country",
                         count=3, results=results)


def _toy() -> nx.MultiDiGraph:
    return project(toy_index(), toy_rows())


def _svg_texts(figure: Figure) -> list[str]:
    root = ET.fromstring(figure_bytes(figure, "svg"))
    return ["".join(element.itertext()) for element in root.iter(SVG_TEXT)]


def _png_shape(data: bytes) -> tuple[int, ...]:
    assert data.startswith(PNG_SIGNATURE)
    return matplotlib.image.imread(io.BytesIO(data), format="png").shape


def _title(figure: Figure) -> str:
    return figure.axes[0].get_title(loc="left")


@pytest.mark.parametrize("make", [lambda: gap_heatmap(_matrix()),
                                  lambda: gap_map(_matrix()),
                                  lambda: network_diagram(_toy(), "ex:network"),
                                  lambda: broker_bars(_brokers())],
                         ids=["gaps", "map", "network", "brokers"])
def test_figures_save_as_png_svg_and_pdf(make, tmp_path: Path) -> None:
    figure = make()
    for fmt in FIGURE_FORMATS:
        save(figure, tmp_path / f"figure.{fmt}", figure_format(f"figure.{fmt}"))
    assert (tmp_path / "figure.pdf").read_bytes().startswith(b"%PDF-")

    height, width, channels = _png_shape((tmp_path / "figure.png").read_bytes())
    assert 400 <= width <= 5000 and 300 <= height <= 5000 and channels in (3, 4)
    root = ET.parse(tmp_path / "figure.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert any(True for _ in root.iter(SVG_TEXT))


def test_gap_heatmap() -> None:
    matrix = _matrix()
    figure = gap_heatmap(matrix)

    texts = _svg_texts(figure)
    assert {"ITH5 Emilia-Romagna", "FR10 Ile-de-France", "ES51 Cataluña"} <= set(texts)
    assert {"C", "C25", "J", "M"} <= set(texts)
    assert "Coverage gaps: Europe" in _title(figure)
    assert "nuts-2" in _title(figure) and "nace-section" in _title(figure)
    assert f"{matrix.uncovered} of 12 cells uncovered" in _title(figure)
    ax = figure.axes[0]
    # Every cell's count is written, and every uncovered cell is hatched.
    assert sorted(text.get_text() for text in ax.texts) == sorted(
        str(count) for row in matrix.counts for count in row)
    hatched = [c for c in ax.collections if c.get_hatch()]
    assert [len(c.get_paths()) for c in hatched] == [matrix.uncovered] == [4]
    assert any("uncovered" in text for text in texts)


def test_a_gap_heatmap_says_what_was_counted() -> None:
    capped = _matrix().model_copy(update={"broadest": "country",
                                          "kinds": ["organisation", "programme"]})
    title = _title(gap_heatmap(capped))
    assert ("counting only coverage at country level or narrower; providers of kinds "
            "organisation, programme") in title
    assert "counting only" not in _title(gap_heatmap(_matrix()))  # everything counted


def test_a_big_gap_heatmap_has_no_counts_and_a_bigger_figure() -> None:
    small, big = gap_heatmap(_matrix()), gap_heatmap(_matrix(rows=40, columns=21))

    assert len(big.axes[0].texts) == 0
    assert big.get_figheight() > small.get_figheight()
    assert big.get_figwidth() > small.get_figwidth()
    height, width, _ = _png_shape(figure_bytes(big, "png"))
    assert height > width


def test_network_diagram_of_the_toy() -> None:
    figure = network_diagram(_toy(), "ex:network")

    texts = _svg_texts(figure)
    assert {"Network", "IPI", "MEDEF", "Italy"} <= set(texts)
    assert {"network (1)", "organisation (2)", "country (1)"} <= set(texts)
    assert "4 nodes, members up to depth 1" in _title(figure)
    assert "not shown" not in _title(figure)


def test_network_diagram_depth() -> None:
    assert "1 node, members up to depth 0" in _title(network_diagram(_toy(), "ex:network",
                                                                     max_depth=0))


def _tree(networks: int, members: int) -> nx.MultiDiGraph:
    """A root with ``networks`` member networks, each with ``members`` organisations."""
    graph = nx.MultiDiGraph()
    graph.add_node("ex:root", label="Root", kind="network")
    for i in range(networks):
        graph.add_node(f"ex:n{i}", label=f"Net {i:02d}", kind="network")
        graph.add_edge(f"ex:n{i}", "ex:root", key="member_of")
        for j in range(members):
            graph.add_node(f"ex:m{i}-{j}", label=f"Org {i:02d}-{j}", kind="organisation")
            graph.add_edge(f"ex:m{i}-{j}", f"ex:n{i}", key="member_of")
    return graph


def test_a_big_network_is_capped_nearest_first() -> None:
    figure = network_diagram(_tree(50, 5), "ex:root", max_nodes=20)

    assert "20 nodes" in _title(figure)
    assert "281 more not shown (max_nodes=20)" in _title(figure)
    texts = set(_svg_texts(figure))
    assert {"Root", "Net 00", "Net 18"} <= texts
    assert "Net 19" not in texts
    assert not any(text.startswith("Org ") for text in texts)


def test_network_diagram_of_a_missing_network() -> None:
    with pytest.raises(ValueError, match="ex:nowhere"):
        network_diagram(_toy(), "ex:nowhere")


def test_broker_bars() -> None:
    figure = broker_bars(_brokers(), top=2)

    texts = _svg_texts(figure)
    assert {"IPI (IT)", "Network"} <= set(texts)
    assert "MEDEF (FR)" not in texts
    assert "Brokers by country: top 2 of 3" in _title(figure)
    bars = [patch.get_width() for patch in figure.axes[0].patches]
    assert bars == [7, 3]


def test_figure_format() -> None:
    assert figure_format("gaps.PNG") == "png"
    assert figure_format(Path("out/brokers.svg")) == "svg"
    assert figure_format("map.pdf") == "pdf"
    with pytest.raises(ValueError, match=r"gaps\.jpg.*\.png, \.svg or \.pdf"):
        figure_format("gaps.jpg")
    with pytest.raises(ValueError, match="'jpg'"):
        save(broker_bars(_brokers()), io.BytesIO(), "jpg")


def test_svgs_keep_their_text_when_drawn_in_threads() -> None:
    figures = [broker_bars(_brokers()) for _ in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        svgs = list(pool.map(lambda figure: figure_bytes(figure, "svg"), figures))

    assert all(b">IPI (IT)</text>" in svg for svg in svgs)


# --- the gap map, and figures readable at print size, on the seed data ----------------------

SVG_G = "{http://www.w3.org/2000/svg}g"
SVG_TITLE = "{http://www.w3.org/2000/svg}title"


@pytest.fixture(scope="module")
def analytics(oxigraph_service: QueryService) -> AnalyticsService:
    return AnalyticsService(oxigraph_service)


def _hover_titles(svg: bytes) -> dict[str, str]:
    """The hover title of each group of an SVG that has one, by the group's id."""
    root = ET.fromstring(svg)
    return {group.get("id", ""): title.text or "" for group in root.iter(SVG_G)
            for title in group.findall(SVG_TITLE)}


def _texts(figure: Figure) -> list[Text]:
    return [text for text in figure.findobj(Text) if text.get_text().strip()
            and text.get_visible()]


def _region(code: str, label: str | None = None) -> EntityRef:
    return EntityRef(iri=f"http://data.europa.eu/nuts/code/{code}", label=label or code,
                     type="nuts-region", code=code)


def test_the_gap_map_of_italy_at_nuts_2(analytics: AnalyticsService, tmp_path: Path) -> None:
    matrix = analytics.gaps("IT", "nuts2", "section", broadest="country")
    figure = gap_map(matrix)

    height, width, _ = _png_shape(figure_bytes(figure, "png"))
    assert (width, height) == (1400, 1400)  # 7 x 7 in at 200 dpi
    title = _title(figure)
    assert title.startswith("Coverage gaps by region: Italy\n21 NUTS-2 regions")
    assert "sectors with no provider, of 22 sections" in title
    assert "counting only coverage at country level or narrower" in title
    assert "440 of 462 cells uncovered; 20 of 21 regions with a gap" in title
    [_, colorbar] = figure.axes  # the legend of the colours
    assert colorbar.get_ylabel() == "sectors with no provider (of 22)"
    assert colorbar.get_yticklabels()[0].get_text() == "0 (none)"
    assert "© EuroGeographics for the administrative boundaries" in figure.axes[0].get_xlabel()
    assert min(text.get_fontsize() for text in _texts(figure)) >= MIN_FONT_SIZE
    # the frame is Italy's, not Europe's
    (x0, x1), (y0, y1) = figure.axes[0].get_xlim(), figure.axes[0].get_ylim()
    assert 0 < x0 < 7 and 18 < x1 < 26 and 30 < y0 < 37 and 47 < y1 < 52

    titles = _hover_titles(figure_bytes(figure, "svg"))
    assert len(titles) == 21
    assert "ITH5 Emilia-Romagna: 0 of 22 sectors with no provider" in titles.values()
    assert "ITC4 Lombardia: 22 of 22 sectors with no provider" in titles.values()
    save(figure, tmp_path / "map.pdf", "pdf")
    assert (tmp_path / "map.pdf").read_bytes().startswith(b"%PDF-")


def test_a_gap_map_of_one_sector_counts_providers() -> None:
    regions = [_region("ITH5"), _region("ITC4", "Lombardia"), _region("ITI4")]
    matrix = GapMatrix(scope=_ref("IT", "Italy", "country"), region_level="nuts2",
                       sector_level="division", regions=regions,
                       sectors=[_ref("C25", "Manufacture of fabricated metal products")],
                       counts=[[3], [0], [1]], cells=3, uncovered=1)
    figure = gap_map(matrix)

    assert "colour: providers covering C25 Manufacture of fabricated metal products" in (
        _title(figure))
    assert "1 of 3 cells uncovered; 1 of 3 regions with a gap" in _title(figure)
    assert figure.axes[1].get_ylabel() == "covering providers"
    assert [t.get_text() for t in figure.legends[0].get_texts()] == ["0: no provider"]
    titles = set(_hover_titles(figure_bytes(figure, "svg")).values())
    assert titles == {"ITH5 Emilia-Romagna: 3 providers", "ITC4 Lombardia: 0 providers",
                      "ITI4 Lazio: 1 provider"}  # names from the shapes when the answer has none
    hatched = [patch for patch in figure.axes[0].patches if patch.get_hatch()]
    assert [patch.get_gid() for patch in hatched] == ["smekg-region-1"]


def test_a_gap_map_frames_the_mainland_and_says_what_it_leaves_out() -> None:
    # Portugal's mainland, the Azores and Madeira; its extra-regio, which has no shape
    codes = ["PT11", "PT15", "PT19", "PT1A", "PT1B", "PT1C", "PT1D", "PT20", "PT30", "PTZZ"]
    matrix = GapMatrix(scope=_ref("PT", "Portugal", "country"), region_level="nuts2",
                       sector_level="section", regions=[_region(c) for c in codes],
                       sectors=[_ref("A", "A"), _ref("C", "C")],
                       counts=[[1, 0]] * len(codes), cells=20, uncovered=10)
    figure = gap_map(matrix)

    notes = figure.axes[0].get_xlabel()
    assert "No shape for 1: PTZZ" in notes
    assert ("Outside the frame: PT20 Região Autónoma dos Açores, PT30 Região Autónoma da "
            "Madeira") in notes
    (x0, x1), (y0, y1) = figure.axes[0].get_xlim(), figure.axes[0].get_ylim()
    assert -13 < x0 < -9.5 and -6.2 < x1 < 0 and 35 < y0 < 37 and 42 < y1 < 44
    assert len(_hover_titles(figure_bytes(figure, "svg"))) == 9  # drawn, if out of frame


def test_a_gap_map_of_countries_uses_nuts_and_natural_earth() -> None:
    countries = [_ref("IT", "Italy", "country"), _ref("GR", "Greece", "country"),
                 _ref("US", "United States", "country"), _ref("JP", "Japan", "country")]
    matrix = GapMatrix(scope=_ref("world", "World", "world"), region_level="country",
                       sector_level="section", regions=countries,
                       sectors=[_ref("A", "A"), _ref("C", "C")], counts=[[1, 1]] * 4,
                       cells=8, uncovered=0)
    figure = gap_map(matrix)

    assert "4 countries" in _title(figure)
    assert len(_hover_titles(figure_bytes(figure, "svg"))) == 4  # Greece is NUTS's EL
    notes = figure.axes[0].get_xlabel()
    assert "© EuroGeographics" in notes and "Natural Earth" in notes
    x0, x1 = figure.axes[0].get_xlim()
    assert x0 < -100 and x1 > 130  # the United States and Japan are in the frame


def test_the_nuts_3_by_division_heatmap_is_printable(analytics: AnalyticsService) -> None:
    matrix = analytics.gaps("IT", "nuts3", "division", broadest="country")
    assert (len(matrix.regions), len(matrix.sectors)) == (107, 87)
    figure = gap_heatmap(matrix)

    height, width, _ = _png_shape(figure_bytes(figure, "png"))
    assert max(width, height) <= 2400
    assert min(text.get_fontsize() for text in _texts(figure)) >= MIN_FONT_SIZE
    assert ("showing the 60 of 107 regions with the most uncovered cells, then the fewest "
            "providers (all are in the CSV)") in _title(figure)
    ax = figure.axes[0]
    rows = [label.get_text() for label in ax.get_yticklabels()]
    assert len(rows) == 60
    columns = [label.get_text() for label in ax.get_xticklabels()]
    assert len(columns) == 87  # every division of NACE Rev. 2.1, by name
    assert "25 Manufacture of fabricated…" in columns and "62 Computer programming, cons…" in (
        columns)
    # Emilia-Romagna's provinces, covered by ERGO, are not among those with the most gaps
    assert not any(row.startswith("ITH5") for row in rows)


def test_the_reach_diagram_names_every_member(analytics: AnalyticsService) -> None:
    answer = analytics.reach("insme-steering-group", None)
    figure = network_diagram(analytics.graph(), answer.network.iri)

    texts = set(_svg_texts(figure))
    names = {member.label for member in answer.members}
    assert len(names) >= 59
    assert {name if len(name) <= 28 else name[:27].rstrip() + "…" for name in names} <= texts
    assert {"Italy", "MEDEF", "France"} <= texts
    assert "names on" not in _title(figure)  # every node has its name
    height, width, _ = _png_shape(figure_bytes(figure, "png"))
    assert max(width, height) <= 2400
    assert min(text.get_fontsize() for text in _texts(figure)) >= MIN_FONT_SIZE


def test_a_crowded_diagram_names_what_fits_networks_first() -> None:
    figure = network_diagram(_tree(60, 4), "ex:root")

    title = _title(figure)
    assert "300 nodes" in title and "names on" in title
    labelled = int(title.split("names on ")[1].split(" of ")[0])
    assert 61 <= labelled < 300
    texts = set(_svg_texts(figure))
    assert {f"Net {i:02d}" for i in range(60)} <= texts  # every network is named
    height, width, _ = _png_shape(figure_bytes(figure, "png"))
    assert max(width, height) <= 2400


def test_broker_bars_show_at_most_40() -> None:
    many = _brokers().model_copy(update={"results": _brokers().results * 30, "count": 90})
    figure = broker_bars(many, top=500)

    assert "top 40 of 90" in _title(figure)
    assert max(_png_shape(figure_bytes(figure, "png"))[:2]) <= 2400


def test_figures_say_which_typology_their_regions_were_kept_by() -> None:
    matrix = _matrix().model_copy(update={"typology": ["mountain", "island"]})

    assert "regions: nuts-2 of typology mountain, island × sectors" in _title(gap_heatmap(matrix))
    assert "of typology mountain, island; colour:" in _title(gap_map(matrix))
