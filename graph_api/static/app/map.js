// smekg web app: the choropleth of /app/map (Leaflet, no tile layer: the shapes of /geo on a
// plain background). The numbers come with the page (script#map-data, the same JSON as
// /app/map/data); the shapes are fetched from /geo. When drawn, div#map gets
// data-ready="true" and data-regions (the regions drawn); each region's path has the
// classes "region region-CODE". Errors are shown in p#map-error (role="alert").
"use strict";
(function () {
  var drawing = window.smekgExport.begin("map", {
    data: "The map's numbers", library: window.L,
    fallback: "The table below has every region." });
  if (!drawing) { return; }
  var container = drawing.container, alertBox = drawing.alertBox, data = drawing.data;
  var fail = drawing.fail;

  var SEA = "#e8eef4", LAND = "#d5dae0", BORDER = "#ffffff";
  var byCode = {};
  data.regions.forEach(function (region) { byCode[region.code] = region; });

  function colour(region) {
    return region["class"] < 0 ? data.gap_colour : data.classes[region["class"]].colour;
  }
  function codeOf(feature) {
    return data.shape_key === "iso" ? (feature.properties || {}).iso : feature.id;
  }
  function providers(count) {
    return count.toLocaleString("en") + (count === 1 ? " provider" : " providers");
  }

  var map = L.map(container, { zoomSnap: 0.25, zoomDelta: 0.5, minZoom: 1, maxZoom: 10,
                               worldCopyJump: false, renderer: L.svg({ padding: 0.5 }) });
  map.attributionControl.setPrefix(false);
  // Leaflet writes attributions as HTML: the texts are escaped first
  map.attributionControl.addAttribution(data.attribution_short.map(function (text) {
    var span = document.createElement("span"); span.textContent = text; return span.innerHTML;
  }).join("; "));

  function getJSON(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) { throw new Error(url + " answered " + response.status); }
      return response.json();
    });
  }

  // The frame: every polygon near the regions' middle (within 4 times the median distance
  // of their main polygons from the median centre, and at least 8.5 degrees), so far-flung
  // parts (overseas regions, remote islands) do not shrink the map; those outside are named.
  function frame(features) {
    var parts = [];
    features.forEach(function (feature, number) {
      var geometry = feature.geometry || {};
      var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates || [];
      polygons.forEach(function (polygon) {
        var box = [Infinity, Infinity, -Infinity, -Infinity];
        polygon[0].forEach(function (p) {
          box[0] = Math.min(box[0], p[0]); box[1] = Math.min(box[1], p[1]);
          box[2] = Math.max(box[2], p[0]); box[3] = Math.max(box[3], p[1]);
        });
        parts.push({ feature: number, box: box, x: (box[0] + box[2]) / 2, y: (box[1] + box[3]) / 2,
                     area: (box[2] - box[0]) * (box[3] - box[1]) });
      });
    });
    if (!parts.length) { return null; }
    var main = {};
    parts.forEach(function (part) {
      if (!main[part.feature] || part.area > main[part.feature].area) { main[part.feature] = part; }
    });
    var mains = Object.keys(main).map(function (k) { return main[k]; });
    function median(values) {
      values = values.slice().sort(function (a, b) { return a - b; });
      var half = Math.floor(values.length / 2);
      return values.length % 2 ? values[half] : (values[half - 1] + values[half]) / 2;
    }
    var mx = median(mains.map(function (p) { return p.x; }));
    var my = median(mains.map(function (p) { return p.y; }));
    var scale = Math.cos(my * Math.PI / 180);
    function distance(p) { return Math.hypot((p.x - mx) * scale, p.y - my); }
    var limit = Math.max(10, 5 * median(mains.map(distance)));
    // countries: the whole scope (the world's spread is no outlier)
    var near = data.level === "country" ? parts : parts.filter(function (p) { return distance(p) <= limit; });
    var box = [Infinity, Infinity, -Infinity, -Infinity];
    near.forEach(function (p) {
      box[0] = Math.min(box[0], p.box[0]); box[1] = Math.min(box[1], p.box[1]);
      box[2] = Math.max(box[2], p.box[2]); box[3] = Math.max(box[3], p.box[3]);
    });
    // Mercator cannot show the poles: Antarctica does not stretch the frame
    return { bounds: L.latLngBounds([Math.max(box[1], -60), box[0]], [Math.min(box[3], 84), box[2]]),
             parts: parts };
  }

  // The features none of whose polygons reach into the map's view.
  function outside(features, parts) {
    var view = map.getBounds(), seen = {};
    parts.forEach(function (p) {
      if (view.intersects(L.latLngBounds([p.box[1], p.box[0]], [p.box[3], p.box[2]]))) { seen[p.feature] = true; }
    });
    return features.filter(function (f, number) { return !seen[number]; });
  }

  // Rings that cross the antimeridian (Russia, Fiji in Natural Earth) jump from +180 to
  // -180: their longitudes are made continuous (beyond 180), so no stripe crosses the map.
  function unwrap(collection) {
    collection.features.forEach(function (feature) {
      var geometry = feature.geometry || {};
      var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates || [];
      polygons.forEach(function (polygon) {
        polygon.forEach(function (ring) {
          var shift = 0;
          for (var i = 1; i < ring.length; i += 1) {
            var step = ring[i][0] + shift - ring[i - 1][0];
            if (step > 180) { shift -= 360; } else if (step < -180) { shift += 360; }
            ring[i] = [ring[i][0] + shift, ring[i][1]];
          }
        });
      });
    });
    return collection;
  }

  function legend() {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var box = L.DomUtil.create("div", "legend map-legend");
      var title = document.createElement("strong");
      title.textContent = "Providers covering the region";
      box.appendChild(title);
      function row(fill, text) {
        var line = document.createElement("div"), swatch = document.createElement("i");
        swatch.style.background = fill;
        line.appendChild(swatch);
        line.appendChild(document.createTextNode(text));
        box.appendChild(line);
      }
      row(data.gap_colour, "0: no provider (a gap)");
      data.classes.forEach(function (c) { row(c.colour, c.label); });
      var ground = document.createElement("div"), swatch = document.createElement("i");
      swatch.style.background = LAND;
      ground.appendChild(swatch);
      ground.appendChild(document.createTextNode("not asked about (outside the area or typology)"));
      box.appendChild(ground);
      return box;
    };
    return control;
  }

  function tooltip(region) {
    var box = document.createElement("div"), name = document.createElement("strong");
    name.textContent = region.label;
    box.appendChild(name);
    box.appendChild(document.createTextNode(" (" + region.code + ")"));
    box.appendChild(document.createElement("br"));
    box.appendChild(document.createTextNode(region.count === 0 ? "no provider: a gap" : providers(region.count)));
    return box;
  }

  function draw(background, shapes, nuts0) {
    var own = shapes || background;
    var drawn = [], precise = {};
    (nuts0 ? nuts0.features : []).forEach(function (f) { precise[(f.properties || {}).iso] = true; });
    L.geoJSON(unwrap(background), {
      interactive: false,
      // at the country level the countries of the map are drawn by the layer below; with
      // NUTS regions, the NUTS countries are drawn from their own (finer) shapes
      filter: function (feature) {
        return shapes !== null ? !precise[(feature.properties || {}).iso] : !byCode[codeOf(feature)];
      },
      style: { fillColor: LAND, fillOpacity: 1, color: BORDER, weight: 0.6 }
    }).addTo(map);
    if (nuts0) {
      L.geoJSON(nuts0, { interactive: false,
                         style: { fillColor: LAND, fillOpacity: 1, color: BORDER, weight: 0.6 } }).addTo(map);
    }
    var regions = L.geoJSON(own, {
      filter: function (feature) { return Boolean(byCode[codeOf(feature)]); },
      style: function (feature) {
        var region = byCode[codeOf(feature)];
        return { fillColor: colour(region), fillOpacity: 1, color: BORDER, weight: 0.7,
                 className: "region region-" + region.code };
      },
      onEachFeature: function (feature, layer) {
        var region = byCode[codeOf(feature)];
        drawn.push(feature);
        layer.bindTooltip(tooltip(region), { sticky: true, direction: "top" });
        layer.on("click", function () { window.location.href = region.url; });
        layer.on("mouseover", function () { layer.setStyle({ color: "#1b1f24", weight: 2 }); layer.bringToFront(); });
        layer.on("mouseout", function () { regions.resetStyle(layer); });
      }
    }).addTo(map);
    legend().addTo(map);
    var fitted = frame(drawn);
    if (fitted) {
      map.fitBounds(fitted.bounds, { padding: [8, 8] });
      var away = outside(drawn, fitted.parts);
      if (away.length) {
        var note = document.createElement("p");
        note.className = "source"; note.id = "map-outside";
        note.textContent = "Outside the frame (zoom out to see them): " + away.map(function (f) {
          var region = byCode[codeOf(f)]; return region.label + " (" + region.code + ")";
        }).join(", ") + ".";
        container.parentNode.insertBefore(note, document.getElementById("map-attribution"));
      }
    } else {
      map.fitWorld();
    }
    container.setAttribute("data-regions", String(drawn.length));
    container.setAttribute("data-ready", "true");
    exports();
  }

  // A standalone SVG of what the map shows: title, the shapes in view (Leaflet's SVG
  // overlay, cut to the map's frame), the legend and the attribution.
  function exportSvg() {
    var E = window.smekgExport, size = map.getSize(), corner = map.containerPointToLayerPoint([0, 0]);
    var overlay = container.querySelector(".leaflet-overlay-pane svg");
    if (!overlay) { throw new Error("the map has no shapes drawn"); }
    var width = Math.max(size.x, 480), lines = E.wrap(data.description, Math.floor(width / 7));
    var top = 34 + 16 * lines.length, legendHeight = 24 + 18 * (data.classes.length + 1);
    var attribution = E.wrap("Boundaries: " + data.attribution.join("; "), Math.floor(width / 5.6));
    var height = top + size.y + legendHeight + 14 * attribution.length + 10;
    var svg = E.element("svg", { xmlns: E.SVG_NS, width: width, height: height,
                                 viewBox: "0 0 " + width + " " + height,
                                 "font-family": "DejaVu Sans, Arial, sans-serif" });
    svg.appendChild(E.element("rect", { width: width, height: height, fill: "#ffffff" }));
    svg.appendChild(E.element("text", { x: 10, y: 22, "font-size": 16, "font-weight": "bold", fill: "#1b1f24" }, data.title));
    lines.forEach(function (line, i) {
      svg.appendChild(E.element("text", { x: 10, y: 42 + 16 * i, "font-size": 12, fill: "#1b1f24" }, line));
    });
    var view = E.element("svg", { x: 0, y: top, width: size.x, height: size.y,
                                  viewBox: [corner.x, corner.y, size.x, size.y].join(" ") });
    view.appendChild(E.element("rect", { x: corner.x, y: corner.y, width: size.x, height: size.y, fill: SEA }));
    var shapes = overlay.querySelector("g").cloneNode(true);
    // Leaflet empties the paths out of view ("M0 0"): left out of the file
    Array.prototype.slice.call(shapes.querySelectorAll("path")).forEach(function (path) {
      var d = path.getAttribute("d");
      if (!d || d === "M0 0") { path.remove(); }
    });
    view.appendChild(shapes);
    svg.appendChild(view);
    var y = top + size.y + 20;
    svg.appendChild(E.element("text", { x: 10, y: y, "font-size": 12, "font-weight": "bold", fill: "#1b1f24" },
                              "Providers covering the region"));
    [{ colour: data.gap_colour, label: "0: no provider (a gap)" }].concat(data.classes).forEach(function (c, i) {
      var rowY = y + 8 + 18 * i;
      svg.appendChild(E.element("rect", { x: 10, y: rowY, width: 16, height: 12, fill: c.colour, stroke: "#777777" }));
      svg.appendChild(E.element("text", { x: 32, y: rowY + 10, "font-size": 12, fill: "#1b1f24" }, c.label));
    });
    attribution.forEach(function (line, i) {
      svg.appendChild(E.element("text", { x: 10, y: top + size.y + legendHeight + 12 + 14 * i, "font-size": 10, fill: "#4a5360" }, line));
    });
    return { svg: svg, width: width, height: height };
  }

  function exports() {
    var E = window.smekgExport;
    if (!E) { return; }
    E.onClick(document.getElementById("export-svg"), function () { return E.svgBlob(exportSvg().svg); },
              function () { return E.filename(data.title, "svg"); }, alertBox);
    E.onClick(document.getElementById("export-png"), function () {
      var made = exportSvg();
      return E.pngBlob(made.svg, made.width, made.height, 2);
    }, function () { return E.filename(data.title, "png"); }, alertBox);
  }

  var nuts = data.shapes !== data.background;
  var wanted = [getJSON(data.background), nuts ? getJSON(data.shapes) : null,
                nuts ? getJSON("/geo/nuts/0") : null];
  Promise.all(wanted).then(function (layers) {
    try { draw(layers[0], layers[1] && unwrap(layers[1]), layers[2]); } catch (error) { fail("The map could not be drawn (" + error.message + ")."); }
  }).catch(function (error) {
    fail("The boundaries could not be loaded (" + error.message + ").");
  });
})();
