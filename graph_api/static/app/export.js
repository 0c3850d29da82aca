// smekg web app: what map.js and graph.js share (loaded before them): window.smekgExport,
// the start of a drawing (its data, its library, its alert) and its downloads as
// standalone SVG and PNG files.
"use strict";
window.smekgExport = (function () {
  var SVG_NS = "http://www.w3.org/2000/svg";

  // The start of a drawing: div#`id`, its data (the JSON of the element its data-source
  // names) and its alert p#`id`-error, where `fail(message)` says what went wrong, then
  // `options.fallback` (where else the page has the numbers), and marks the div
  // data-error="true". Null (the failure shown) when the page has no div#`id`, its data
  // cannot be read (`options.data` names it) or `options.library` did not load.
  function begin(id, options) {
    var container = document.getElementById(id);
    if (!container) { return null; }
    var alertBox = document.getElementById(id + "-error");
    function fail(message) {
      alertBox.textContent = message + " " + options.fallback;
      alertBox.hidden = false;
      container.setAttribute("data-error", "true");
    }
    var data;
    try {
      data = JSON.parse(document.getElementById(container.getAttribute("data-source")).textContent);
    } catch (error) {
      fail(options.data + " could not be read (" + error.message + ").");
      return null;
    }
    if (!options.library) { fail("The " + id + " library did not load."); return null; }
    return { container: container, alertBox: alertBox, data: data, fail: fail };
  }

  // An SVG element with attributes (and text, if given).
  function element(name, attributes, text) {
    var node = document.createElementNS(SVG_NS, name);
    Object.keys(attributes || {}).forEach(function (key) {
      if (attributes[key] !== undefined && attributes[key] !== null) {
        node.setAttribute(key, String(attributes[key]));
      }
    });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // Lines of at most `width` characters, broken at spaces.
  function wrap(text, width) {
    var lines = [], line = "";
    String(text).split(/\s+/).forEach(function (word) {
      if (line && (line + " " + word).length > width) { lines.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines;
  }

  function serialise(svg) {
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(svg);
  }

  // Save `blob` as `filename` (a link to an object URL, clicked; the URL is freed after).
  function download(blob, filename) {
    var url = URL.createObjectURL(blob), link = document.createElement("a");
    link.href = url; link.download = filename; link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 2000);
  }

  function svgBlob(svg) {
    return new Blob([serialise(svg)], { type: "image/svg+xml;charset=utf-8" });
  }

  // The SVG drawn on a canvas `scale` times its size, as a PNG blob (a promise). The image
  // is a data: URL, which the Content-Security-Policy allows for images.
  function pngBlob(svg, width, height, scale) {
    return new Promise(function (resolve, reject) {
      var image = new Image();
      image.onload = function () {
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(width * scale); canvas.height = Math.round(height * scale);
        var context = canvas.getContext("2d");
        context.fillStyle = "#ffffff";
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.drawImage(image, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          if (blob) { resolve(blob); } else { reject(new Error("the browser could not make the PNG")); }
        }, "image/png");
      };
      image.onerror = function () { reject(new Error("the browser could not draw the SVG")); };
      image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(serialise(svg));
    });
  }

  // A file name from a title: letters, digits and dashes.
  function filename(title, extension) {
    var stem = String(title).normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "").toLowerCase().slice(0, 80);
    return (stem || "smekg") + "." + extension;
  }

  // Run `make` (giving a blob or a promise of one) when `button` is clicked, and download
  // the blob; on success the button says how many bytes were saved (data-bytes), on
  // failure the alert element says why.
  function onClick(button, make, name, alertBox) {
    if (!button) { return; }
    button.disabled = false;
    button.addEventListener("click", function () {
      Promise.resolve().then(make).then(function (blob) {
        download(blob, name());
        button.setAttribute("data-bytes", String(blob.size));
      }).catch(function (error) {
        alertBox.textContent = "The download failed: " + (error && error.message ? error.message : error);
        alertBox.hidden = false;
      });
    });
  }

  return { begin: begin, SVG_NS: SVG_NS, element: element, wrap: wrap, download: download, svgBlob: svgBlob,
           pngBlob: pngBlob, filename: filename, onClick: onClick };
})();
