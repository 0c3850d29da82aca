// smekg web app: search as you type (every page) and copy buttons. No inline script: this
// file is loaded by every page; the map and the graph have scripts of their own.
"use strict";
(function () {
  function suggestBox(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    if (!list) { return; }
    var hits = [], active = -1, timer = null, asked = "";
    function close() {
      list.hidden = true; list.textContent = ""; active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function mark() {
      Array.prototype.forEach.call(list.children, function (li, i) {
        li.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      if (active >= 0) { input.setAttribute("aria-activedescendant", list.children[active].id); }
    }
    function show(found) {
      hits = found; list.textContent = ""; active = -1;
      if (!found.length) { close(); return; }
      found.forEach(function (hit, i) {
        var li = document.createElement("li"), name = document.createElement("span"),
          kind = document.createElement("span");
        li.id = input.id + "-hit-" + i; li.setAttribute("role", "option");
        name.textContent = hit.label + (hit.code && hit.code !== hit.label ? " (" + hit.code + ")" : "");
        kind.className = "kind kind-" + (hit.kind || "entity"); kind.textContent = hit.kind_name;
        li.appendChild(name); li.appendChild(kind);
        li.addEventListener("mousedown", function (event) { event.preventDefault(); window.location.href = hit.url; });
        list.appendChild(li);
      });
      list.hidden = false; input.setAttribute("aria-expanded", "true");
    }
    function ask() {
      var text = input.value.trim();
      if (text === asked) { return; }
      asked = text;
      if (!text) { close(); return; }
      fetch(input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(text))
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (found) { if (input.value.trim() === text) { show(found); } })
        .catch(function () { close(); });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 120); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && hits.length) { active = (active + 1) % hits.length; mark(); event.preventDefault(); }
      else if (event.key === "ArrowUp" && hits.length) { active = (active - 1 + hits.length) % hits.length; mark(); event.preventDefault(); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter" && hits.length && !list.hidden) {
        // Enter opens the chosen hit, or the best one
        event.preventDefault();
        window.location.href = hits[active >= 0 ? active : 0].url;
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }
  document.querySelectorAll("input[data-suggest]").forEach(suggestBox);

  document.querySelectorAll(".snippet button.copy").forEach(function (button) {
    button.addEventListener("click", function () {
      var code = button.parentNode.querySelector("code");
      navigator.clipboard.writeText(code.textContent).then(function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy"; }, 1500);
      }, function () { button.textContent = "Select and copy"; });
    });
  });
})();
