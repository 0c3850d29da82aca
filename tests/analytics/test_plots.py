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

from smekg.analytics.models import BrokersAnswer, BrokerScore, GapMatrix, GraphSize, Share
from smekg.analytics.plots import (
    FIGURE_FORMATS,
    broker_bars,
    figure_bytes,
    figure_format,
    gap_heatmap,
    network_diagram,
    save,
)
from smekg.analytics.projection import project
from smekg.analytics.testing import toy_index, toy_rows
from smekg.queries.models import EntityRef

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
                                  lambda: network_diagram(_toy(), "ex:network"),
                                  lambda: broker_bars(_brokers())],
                         ids=["gaps", "network", "brokers"])
def test_figures_save_as_png_and_svg(make, tmp_path: Path) -> None:
    figure = make()
    for fmt in FIGURE_FORMATS:
        save(figure, tmp_path / f"figure.{fmt}", figure_format(f"figure.{fmt}"))

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
    with pytest.raises(ValueError, match=r"gaps\.jpg.*\.png or \.svg"):
        figure_format("gaps.jpg")
    with pytest.raises(ValueError, match="'pdf'"):
        save(broker_bars(_brokers()), io.BytesIO(), "pdf")


def test_svgs_keep_their_text_when_drawn_in_threads() -> None:
    figures = [broker_bars(_brokers()) for _ in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        svgs = list(pool.map(lambda figure: figure_bytes(figure, "svg"), figures))

    assert all(b">IPI (IT)</text>" in svg for svg in svgs)
