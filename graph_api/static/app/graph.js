// smekg web app: the graph of /app/graph (Cytoscape.js). The nodes and edges come with the
// page (script#graph-data): entity nodes with data.kind, compound nodes (kind "group") for
// the countries members are located in, and membership edges from member to network.
// When laid out, div#graph gets data-ready="true", data-nodes (entity nodes) and
// data-countries (country nodes); window.smekgGraph is the Cytoscape instance. Errors are
// shown in p#graph-error (role="alert").
"use strict";
(function () {
  var drawing = window.smekgExport.begin("graph", {
    data: "The graph's data", library: window.cytoscape,
    fallback: "The table below lists every node." });
  if (!drawing) { return; }
  var container = drawing.container, alertBox = drawing.alertBox, data = drawing.data;
  var fail = drawing.fail;

  // The kinds' colours are the page's own (CSS custom properties of app.css).
  var css = getComputedStyle(document.documentElement);
  function colour(kind) {
    var value = css.getPropertyValue("--" + kind).trim();
    return value || css.getPropertyValue("--muted").trim() || "#4a5360";
  }
  var SHAPES = { network: "hexagon", organisation: "ellipse", project: "round-rectangle",
                 country: "diamond", programme: "triangle", "good-practice": "star",
                 policy: "rectangle" };
  function shape(kind) { return SHAPES[kind] || "round-rectangle"; }
  var ROOT_BORDER = "#f5a623", EDGE = "#8a939e", INK = "#1b1f24";

  var cy;
  try {
    cy = cytoscape({
      container: container,
      elements: data.elements,
      minZoom: 0.05,
      maxZoom: 4,
      boxSelectionEnabled: false,
      style: [
        { selector: "node", style: {
          "label": "data(label)", "font-size": 12, "min-zoomed-font-size": 7, "color": INK, "text-valign": "bottom",
          "text-margin-y": 3, "text-wrap": "ellipsis", "text-max-width": "140px",
          "text-background-color": "#ffffff", "text-background-opacity": 0.75,
          "text-background-padding": "1px", "width": 18, "height": 18,
          "background-color": function (node) { return colour(node.data("kind")); },
          "shape": function (node) { return shape(node.data("kind")); },
          "border-width": 1, "border-color": "#ffffff" } },
        { selector: "node[?root]", style: {
          "width": 34, "height": 34, "font-size": 15, "min-zoomed-font-size": 0, "font-weight": "bold",
          "border-width": 4, "border-color": ROOT_BORDER } },
        { selector: "node[kind = \"group\"]", style: {
          "shape": "round-rectangle", "background-color": "#f3f5f8", "background-opacity": 0.9,
          "border-width": 1, "border-color": "#aab2bd", "label": "data(label)",
          "text-valign": "top", "text-halign": "center", "text-margin-y": -2,
          "font-size": 12, "font-weight": "bold", "color": "#4a5360", "padding": "10px" } },
        { selector: "edge", style: {
          "width": 1.2, "line-color": EDGE, "curve-style": "straight",
          "target-arrow-shape": "triangle", "target-arrow-color": EDGE, "arrow-scale": 0.9 } },
        { selector: "node.highlight", style: { "border-width": 4, "border-color": "#c0392b" } },
        { selector: "edge.highlight", style: { "line-color": "#c0392b", "target-arrow-color": "#c0392b", "width": 2.5 } }
      ],
      layout: { name: "preset" }
    });
  } catch (error) {
    fail("The graph could not be drawn (" + error.message + ").");
    return;
  }
  window.smekgGraph = cy;

  var entities = cy.nodes().filter(function (n) { return n.data("kind") !== "group"; });
  var countries = cy.nodes("[kind = \"country\"]");

  // Small graphs: a force-directed layout (cose, which handles the country boxes), its
  // positions then spread along the container's longer side (at most twice), so that it
  // fills the view and the labels, which run sideways, overlap less. Large graphs, or
  // large country boxes, which cose cannot lay out well or fast: the boxes packed in rows
  // under the root, their members in a grid, nearest first.
  var groups = cy.nodes("[kind = \"group\"]");
  var largestGroup = Math.max.apply(null, [0].concat(groups.map(function (g) { return g.children().length; })));
  var small = entities.length <= 120 && largestGroup <= 20;

  function stretch() {
    var box = entities.boundingBox(), width = container.clientWidth, height = container.clientHeight;
    if (!box.w || !box.h || !width || !height) { return; }
    var wanted = width / height, actual = box.w / box.h;
    var sx = wanted > actual ? Math.min(wanted / actual, 2) : 1;
    var sy = wanted < actual ? Math.min(actual / wanted, 2) : 1;
    var cx = box.x1 + box.w / 2, cy0 = box.y1 + box.h / 2;
    entities.positions(function (node) {
      var p = node.position();
      return { x: cx + (p.x - cx) * sx, y: cy0 + (p.y - cy0) * sy };
    });
  }

  function packed() {
    var CELL_W = 170, CELL_H = 58, GAP = 40, HEADER = 26;
    function order(a, b) {
      return a.data("depth") - b.data("depth") || a.data("label").localeCompare(b.data("label"));
    }
    var units = groups.map(function (group) {
      return { members: group.children().sort(order), depth: Math.min.apply(null, group.children().map(function (n) { return n.data("depth"); })) };
    });
    var loose = entities.filter(function (n) { return !n.data("root") && !n.isChild(); }).sort(order);
    if (loose.length) { units.push({ members: loose, depth: loose[0].data("depth") }); }
    units.sort(function (a, b) { return a.depth - b.depth || b.members.length - a.members.length; });
    var area = 0, widest = 0;
    units.forEach(function (unit) {
      var n = unit.members.length;
      unit.cols = Math.ceil(Math.sqrt(n));
      unit.w = unit.cols * CELL_W;
      unit.h = Math.ceil(n / unit.cols) * CELL_H + HEADER;
      area += (unit.w + GAP) * (unit.h + GAP);
      widest = Math.max(widest, unit.w);
    });
    var aspect = (container.clientWidth || 4) / (container.clientHeight || 3);
    var rowWidth = Math.max(widest, Math.sqrt(area * aspect));
    var x = 0, y = 0, rowHeight = 0;
    cy.batch(function () {
      units.forEach(function (unit) {
        if (x > 0 && x + unit.w > rowWidth) { x = 0; y += rowHeight + GAP; rowHeight = 0; }
        unit.members.forEach(function (node, i) {
          node.position({ x: x + (i % unit.cols + 0.5) * CELL_W,
                          y: y + HEADER + (Math.floor(i / unit.cols) + 0.5) * CELL_H });
        });
        x += unit.w + GAP;
        rowHeight = Math.max(rowHeight, unit.h);
      });
      entities.filter("[?root]").position({ x: Math.min(rowWidth, x) / 2, y: -120 });
      cy.edges().style({ "opacity": 0.35, "width": 0.8 });
    });
  }

  // Fit the graph to the view, no larger than 1.2 times its size (a few nodes stay small).
  function fitView() {
    cy.fit(undefined, 24);
    if (cy.zoom() > 1.2) { cy.zoom(1.2); cy.center(); }
  }

  function laidOut() {
    fitView();
    container.setAttribute("data-nodes", String(entities.length));
    container.setAttribute("data-countries", String(countries.length));
    container.setAttribute("data-layout", small ? "cose" : "packed");
    container.setAttribute("data-ready", "true");
    var fit = document.getElementById("graph-fit");
    if (fit) {
      fit.disabled = false;
      fit.addEventListener("click", fitView);
    }
    exports();
  }

  try {
    if (small) {
      var layout = cy.layout({
        name: "cose", animate: false, randomize: true, nodeDimensionsIncludeLabels: true,
        padding: 24, componentSpacing: 60, nodeOverlap: 12,
        idealEdgeLength: function () { return 70; }, nodeRepulsion: function () { return 9000; },
        nestingFactor: 1.1, gravity: 0.6, numIter: 1000
      });
      layout.one("layoutstop", function () { stretch(); laidOut(); });
      layout.run();
    } else {
      packed();
      laidOut();
    }
  } catch (error) {
    fail("The graph could not be laid out (" + error.message + ").");
    return;
  }

  // A click (tap) on an entity opens its page; hovering says its name and kind.
  cy.on("tap", "node", function (event) {
    var url = event.target.data("url");
    if (url) { window.location.href = url; }
  });
  cy.on("mouseover", "node", function (event) {
    var node = event.target;
    container.title = node.data("label") + (node.data("kind") === "group" ? " (country)"
      : " (" + (data.kinds[node.data("kind")] || node.data("kind")) + ", depth " + node.data("depth") + ")");
    if (node.data("url")) { container.style.cursor = "pointer"; }
  });
  cy.on("mouseout", "node", function () { container.title = ""; container.style.cursor = ""; });

  // A name focused in the table is highlighted in the graph, with its links.
  function highlight(id, on) {
    var node = cy.getElementById(id);
    if (!node || node.empty()) { return; }
    node.union(node.connectedEdges()).toggleClass("highlight", on);
  }
  document.querySelectorAll("#graph-nodes tr[data-id] a").forEach(function (link) {
    var id = link.closest("tr").getAttribute("data-id");
    if (link.closest("td") !== link.closest("tr").firstElementChild) { return; }
    link.addEventListener("focus", function () { highlight(id, true); });
    link.addEventListener("blur", function () { highlight(id, false); });
    link.addEventListener("mouseenter", function () { highlight(id, true); });
    link.addEventListener("mouseleave", function () { highlight(id, false); });
  });

  // A standalone SVG written from the laid-out graph (positions, boxes, edges, labels):
  // what the screen shows, with a title and the legend of kinds.
  function exportSvg() {
    var E = window.smekgExport;
    var box = cy.elements().boundingBox({ includeLabels: true });
    // the file has whole names where the screen shortens them (to 140 px): room for them
    var longest = Math.max.apply(null, [0].concat(entities.map(function (n) { return n.data("label").length; })));
    var pad = 20 + Math.max(0, (longest * 6.2 - 140) / 2), header = 48, legendHeight = 30;
    var width = Math.max(Math.ceil(box.w + 2 * pad), 480), height = Math.ceil(box.h + 40) + header + legendHeight;
    var dx = pad - box.x1 + (width - (box.w + 2 * pad)) / 2, dy = header + 20 - box.y1;
    var svg = E.element("svg", { xmlns: E.SVG_NS, width: width, height: height,
                                 viewBox: "0 0 " + width + " " + height,
                                 "font-family": "DejaVu Sans, Arial, sans-serif" });
    svg.appendChild(E.element("rect", { width: width, height: height, fill: "#ffffff" }));
    var defs = E.element("defs");
    var marker = E.element("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5,
                                       markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
    marker.appendChild(E.element("path", { d: "M0,0 L10,5 L0,10 z", fill: EDGE }));
    defs.appendChild(marker);
    svg.appendChild(defs);
    svg.appendChild(E.element("text", { x: 10, y: 22, "font-size": 16, "font-weight": "bold", fill: INK },
                              document.querySelector("h1").textContent.trim()));
    svg.appendChild(E.element("text", { x: 10, y: 40, "font-size": 11, fill: "#4a5360" },
                              "Arrows: member → network. Boxes: countries where members are located."));
    var layer = E.element("g", { transform: "translate(" + dx.toFixed(1) + "," + dy.toFixed(1) + ")" });
    cy.nodes("[kind = \"group\"]").forEach(function (group) {
      var b = group.boundingBox({ includeLabels: false });
      layer.appendChild(E.element("rect", { x: b.x1.toFixed(1), y: b.y1.toFixed(1), width: b.w.toFixed(1),
                                            height: b.h.toFixed(1), rx: 6, fill: "#f3f5f8", stroke: "#aab2bd" }));
      layer.appendChild(E.element("text", { x: (b.x1 + b.w / 2).toFixed(1), y: (b.y1 - 4).toFixed(1),
                                            "text-anchor": "middle", "font-size": 11, "font-weight": "bold",
                                            fill: "#4a5360" }, group.data("label")));
    });
    cy.edges().forEach(function (edge) {
      var from = edge.sourceEndpoint(), to = edge.targetEndpoint();
      layer.appendChild(E.element("line", { x1: from.x.toFixed(1), y1: from.y.toFixed(1), x2: to.x.toFixed(1),
                                            y2: to.y.toFixed(1), stroke: EDGE, "stroke-width": 1.2,
                                            "marker-end": "url(#arrow)" }));
    });
    entities.forEach(function (node) {
      var p = node.position(), size = node.width() / 2, kind = node.data("kind");
      var attributes = { fill: colour(kind), stroke: node.data("root") ? ROOT_BORDER : "#ffffff",
                         "stroke-width": node.data("root") ? 4 : 1 };
      layer.appendChild(symbol(E, shape(kind), p.x, p.y, size, attributes));
      layer.appendChild(E.element("text", { x: p.x.toFixed(1), y: (p.y + size + 12).toFixed(1), "text-anchor": "middle",
                                            "font-size": node.data("root") ? 13 : 10,
                                            "font-weight": node.data("root") ? "bold" : "normal",
                                            fill: INK, stroke: "#ffffff", "stroke-width": 3, "paint-order": "stroke" },
                                  node.data("label")));
    });
    svg.appendChild(layer);
    var x = 10, y = height - 12;
    Object.keys(data.kinds).forEach(function (kind) {
      svg.appendChild(symbol(E, shape(kind), x + 6, y - 4, 6, { fill: colour(kind), stroke: "#ffffff" }));
      var label = data.kinds[kind];
      svg.appendChild(E.element("text", { x: x + 16, y: y, "font-size": 11, fill: INK }, label));
      x += 28 + 7 * label.length;
    });
    return { svg: svg, width: width, height: height };
  }

  // A node's shape as SVG, centred on (x, y), `r` its half size.
  function symbol(E, name, x, y, r, attributes) {
    function polygon(points) {
      return E.element("polygon", Object.assign({ points: points.map(function (p) {
        return (x + p[0] * r).toFixed(1) + "," + (y + p[1] * r).toFixed(1);
      }).join(" ") }, attributes));
    }
    if (name === "ellipse") { return E.element("circle", Object.assign({ cx: x.toFixed(1), cy: y.toFixed(1), r: r }, attributes)); }
    if (name === "diamond") { return polygon([[0, -1], [1, 0], [0, 1], [-1, 0]]); }
    if (name === "hexagon") { return polygon([[-1, 0], [-0.5, -0.87], [0.5, -0.87], [1, 0], [0.5, 0.87], [-0.5, 0.87]]); }
    if (name === "triangle") { return polygon([[0, -1], [1, 1], [-1, 1]]); }
    if (name === "star") {
      var points = [];
      for (var i = 0; i < 10; i += 1) {
        var angle = -Math.PI / 2 + i * Math.PI / 5, radius = i % 2 ? 0.45 : 1;
        points.push([radius * Math.cos(angle), radius * Math.sin(angle)]);
      }
      return polygon(points);
    }
    return E.element("rect", Object.assign({ x: (x - r).toFixed(1), y: (y - r).toFixed(1), width: 2 * r,
                                             height: 2 * r, rx: name === "rectangle" ? 0 : 3 }, attributes));
  }

  function exports() {
    var E = window.smekgExport;
    if (!E) { return; }
    var title = document.querySelector("h1").textContent.trim();
    E.onClick(document.getElementById("export-png"), function () {
      return cy.png({ full: true, output: "blob", bg: "#ffffff", scale: 2, maxWidth: 6000, maxHeight: 6000 });
    }, function () { return E.filename(title, "png"); }, alertBox);
    E.onClick(document.getElementById("export-svg"), function () { return E.svgBlob(exportSvg().svg); },
              function () { return E.filename(title, "svg"); }, alertBox);
  }
})();
