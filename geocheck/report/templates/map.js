// Pan, zoom, layer toggles and finding links for the report's SVG map. No network, no library.
(function () {
  "use strict";
  var svg = document.getElementById("map");
  if (!svg) return;
  var home = svg.getAttribute("data-home").split(" ").map(Number);
  var view = home.slice();

  function perPixel() {  // metres per screen pixel
    var r = svg.getBoundingClientRect();
    return r.width > 0 ? Math.max(view[2] / r.width, view[3] / r.height) : view[2] / 1000;
  }
  function nice(span) {
    var t = span / 5, e = Math.pow(10, Math.floor(Math.log10(t)));
    return [5, 2, 1].map(function (m) { return m * e; }).filter(function (v) { return v <= t; })[0] || e;
  }
  function scalebar(g, px) {
    var len = nice(view[2]), bar = len / px, km = len >= 1000, div = km ? 1000 : 1;
    var s = '<rect x="-8" y="-28" width="' + (bar + 34).toFixed(1) + '" height="32" fill="#fff" fill-opacity="0.85" stroke="#999" stroke-width="0.6"/>';
    for (var i = 0; i < 4; i++) {
      s += '<rect class="o" x="' + (i * bar / 4).toFixed(1) + '" y="-8" width="' + (bar / 4).toFixed(1) +
        '" height="5" fill="' + (i % 2 ? "#fff" : "#222") + '" stroke="#222" stroke-width="0.8"/>';
    }
    [0, 0.5, 1].forEach(function (f) {
      s += '<text x="' + (bar * f).toFixed(1) + '" y="-12" text-anchor="middle" font-size="11">' +
        (len * f / div) + (f === 1 ? (km ? " km" : " m") : "") + "</text>";
    });
    g.innerHTML = s;
  }
  function show(v) {
    view = v;
    svg.setAttribute("viewBox", v.map(function (n) { return n.toFixed(2); }).join(" "));
    var px = perPixel(), k = view[2] / home[2];
    // hatches keep their on-screen spacing at any zoom
    svg.querySelectorAll("#map > defs > pattern").forEach(function (p) {
      p.setAttribute("patternTransform", "rotate(" + p.dataset.angle + ") scale(" + k + ")");
    });
    svg.querySelectorAll(".px").forEach(function (g) {
      if (g.id === "scalebar") {
        g.setAttribute("transform", "translate(" + (view[0] + 16 * px) + " " + (view[1] + view[3] - 16 * px) + ") scale(" + px + ")");
        scalebar(g, px);
      } else {
        g.setAttribute("transform", "translate(" + g.dataset.x + " " + g.dataset.y + ") scale(" + px + ")");
      }
    });
  }
  function zoom(f, cx, cy) {
    if (cx === undefined) { cx = view[0] + view[2] / 2; cy = view[1] + view[3] / 2; }
    var w = Math.min(Math.max(view[2] * f, home[2] / 500), home[2] * 20), k = w / view[2];
    show([cx - (cx - view[0]) * k, cy - (cy - view[1]) * k, view[2] * k, view[3] * k]);
  }
  function toMap(ev) {
    var p = svg.createSVGPoint(); p.x = ev.clientX; p.y = ev.clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  }
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var p = toMap(ev);
    zoom(ev.deltaY > 0 ? 1.25 : 0.8, p.x, p.y);
  }, { passive: false });
  var drag = null;
  svg.addEventListener("pointerdown", function (ev) {
    drag = { x: ev.clientX, y: ev.clientY, v: view.slice(), px: perPixel() };
    svg.setPointerCapture(ev.pointerId);
  });
  svg.addEventListener("pointermove", function (ev) {
    if (!drag) return;
    show([drag.v[0] - (ev.clientX - drag.x) * drag.px, drag.v[1] - (ev.clientY - drag.y) * drag.px, drag.v[2], drag.v[3]]);
  });
  svg.addEventListener("pointerup", function () { drag = null; });
  document.querySelectorAll("[data-zoom]").forEach(function (b) {
    b.addEventListener("click", function () {
      var z = b.getAttribute("data-zoom");
      if (z === "home") show(home.slice()); else zoom(z === "in" ? 0.5 : 2);
    });
  });
  function focus(n) {
    var g = document.getElementById("f-" + n);
    if (!g) return;
    svg.querySelectorAll(".focus").forEach(function (e) { e.classList.remove("focus"); });
    g.classList.add("focus");
    var b = g.getAttribute("data-bbox").split(" ").map(Number), r = home[2] / home[3];
    var w = Math.max(b[2], b[3] * r), h = w / r;
    show([b[0] + b[2] / 2 - w / 2, b[1] + b[3] / 2 - h / 2, w, h]);
    svg.scrollIntoView({ block: "nearest" });
  }
  document.querySelectorAll("a[data-finding]").forEach(function (a) {
    a.addEventListener("click", function (ev) { ev.preventDefault(); focus(a.getAttribute("data-finding")); });
  });
  document.querySelectorAll("input[data-layer]").forEach(function (box) {
    box.addEventListener("change", function () {
      var g = document.getElementById("layer-" + box.getAttribute("data-layer"));
      if (g) g.style.display = box.checked ? "" : "none";
    });
  });
  window.addEventListener("beforeprint", function () { show(home.slice()); });
  window.addEventListener("resize", function () { show(view); });
  var m = /^#f-(\d+)$/.exec(location.hash);
  if (m) focus(m[1]); else show(view);
})();
