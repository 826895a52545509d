/* The weavers' network map: fetches /network/map.json (same filters as the page) and draws it
   with the vendored Cytoscape.js. No inline script or style: the CSP allows only files from /static. */
(function () {
  "use strict";
  var container = document.getElementById("network-map");
  var status = document.getElementById("network-status");
  var legend = document.getElementById("network-legend");
  var selected = document.getElementById("network-selected");
  if (!container || typeof window.cytoscape !== "function") { return; }

  // Colour-blind-safe palette (Okabe–Ito), one colour per sector.
  var COLOURS = {
    "NHS": "#0072B2", "Social care": "#E69F00", "Third sector": "#009E73", "Local authority": "#CC79A7",
    "Academia": "#D55E00", "Lived experience": "#56B4E9"
  };
  var NONE = "#999999";

  function colour(sector) { return COLOURS[sector] || NONE; }

  function say(text) { status.textContent = text; }

  function drawLegend(nodes) {
    var seen = {};
    nodes.forEach(function (n) { seen[n.sector || ""] = true; });
    legend.textContent = "";
    Object.keys(seen).sort().forEach(function (sector) {
      var item = document.createElement("span");
      var dot = document.createElement("i");
      dot.style.backgroundColor = colour(sector);
      item.appendChild(dot);
      item.appendChild(document.createTextNode(sector || "Sector not known or hidden"));
      legend.appendChild(item);
    });
  }

  // Member-written text between FSI and PDI, so that its direction, or a bidi control it leaves
  // open, cannot reorder the rest of the sentence (as <bdi> does in the pages).
  function isolated(text) { return "\u2068" + String(text).replace(/[\u2066-\u2069]/g, "") + "\u2069"; }

  function describe(data) {
    var parts = [isolated(data.label)];
    if (data.sector) { parts.push(data.sector); }
    if (data.nation) { parts.push(data.nation); }
    parts.push("met " + data.degree + (data.degree === 1 ? " person" : " people"));
    if (data.interests && data.interests.length) { parts.push("interested in " + data.interests.map(isolated).join(", ")); }
    return parts.join(" · ");
  }

  function draw(data) {
    var elements = [];
    data.nodes.forEach(function (n) {
      elements.push({ group: "nodes", data: {
        id: n.id, label: n.label, sector: n.sector, nation: n.nation, interests: n.interests,
        degree: n.degree, colour: colour(n.sector), size: 14 + Math.min(n.degree, 20) * 2
      } });
    });
    data.edges.forEach(function (e) {
      elements.push({ group: "edges", data: { id: e.id, source: e.source, target: e.target, weight: e.weight } });
    });
    var large = data.nodes.length > 400;
    var cy = window.cytoscape({
      container: container,
      elements: elements,
      minZoom: 0.05,
      maxZoom: 4,
      wheelSensitivity: 0.3,
      textureOnViewport: large,
      hideEdgesOnViewport: large,
      style: [
        { selector: "node", style: {
          "background-color": "data(colour)", "width": "data(size)", "height": "data(size)",
          "border-width": 1, "border-color": "#1b1b1b", "label": large ? "" : "data(label)",
          "font-size": 10, "color": "#1b1b1b", "text-valign": "bottom", "text-margin-y": 3,
          "text-background-color": "#ffffff", "text-background-opacity": 0.8, "min-zoomed-font-size": 6
        } },
        { selector: "edge", style: { "width": "mapData(weight, 1, 5, 1, 4)", "line-color": "#6f777b", "curve-style": "haystack" } },
        { selector: "node:selected", style: { "border-width": 4, "border-color": "#ffbf47", "label": "data(label)" } }
      ],
      layout: large
        ? { name: "cose", animate: false, numIter: 250, nodeRepulsion: function () { return 4096; }, randomize: true }
        : { name: "cose", animate: false, randomize: true }
    });
    cy.on("tap", "node", function (event) { selected.textContent = describe(event.target.data()); });
    cy.on("tap", function (event) { if (event.target === cy) { selected.textContent = ""; } });
    container.setAttribute("data-drawn", String(data.nodes.length));
    drawLegend(data.nodes);
  }

  say("Loading the map…");
  fetch(container.getAttribute("data-src"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error("The map could not be loaded (" + response.status + ")."); }
      return response.json();
    })
    .then(function (data) {
      if (!data.nodes.length) { say("Nobody matches these filters."); return; }
      var text = "Showing " + data.nodes.length + " members and " + data.edges.length + " connections.";
      if (data.truncated) { text += " " + data.matched + " members match: the best connected are drawn; narrow the filters to see the rest."; }
      say(text + " Select a member to see who they are.");
      draw(data);
    })
    .catch(function (error) { say(error.message); });
})();
