/*
 * Doudi: shows a BPMN process with bpmn-js's NavigatedViewer (vendored as window.BpmnJS,
 * see `make vendor`). Markup, from portal/_diagram.html:
 *
 *   <div id="diagram" data-source="URL" data-lane-labels='{"township_clerk": "乡镇受理员"}'>
 *
 * data-source answers JSON {"xml": "<bpmn…>", "completed": [ids], "active": [ids],
 * "failed": [ids] (optional), "labels": {name: shown name}}; data-failed holds the message shown when it cannot load.
 * When done the div gets data-state="ready" (or "error", with a plain message instead); just
 * before, it fires the bubbling event "doudi:diagram-ready" with detail {viewer, data}, (also kept as div.doudiDiagram) for a
 * page's own script to add markers or overlays of its own (audit/analytics.js: the heatmap; audit/replay.js moves the markers).
 */
(function () {
  "use strict";

  function fail(container, error) {
    if (window.console) {
      window.console.error("doudi diagram:", error);
    }
    container.textContent = container.getAttribute("data-failed") || "流程图无法显示";
    container.classList.add("doudi-diagram-error");
    container.setAttribute("data-state", "error");
  }

  function readLabels(container) {
    try {
      var labels = JSON.parse(container.getAttribute("data-lane-labels") || "{}");
      return labels && typeof labels === "object" ? labels : {};
    } catch (error) {
      return {};
    }
  }

  function addMarkers(registry, canvas, ids, marker) {
    (Array.isArray(ids) ? ids : []).forEach(function (id) {
      // Ids the diagram does not know (an older process version) are skipped.
      if (registry.get(id)) {
        canvas.addMarker(id, marker);
      }
    });
  }

  // Lanes are named with role codes (township_clerk, …): show the role instead. In English
  // the view also sends the English of the Chinese names (data.labels). Only the label in
  // the SVG changes: the name is swapped and the element redrawn, so the renderer lays the
  // new text out as it would any other name.
  function relabel(viewer, lanes, names) {
    var registry = viewer.get("elementRegistry");
    var graphics = viewer.get("graphicsFactory");
    var own = Object.prototype.hasOwnProperty;
    registry.getAll().forEach(function (element) {
      var business = element.businessObject;
      var name = business && business.name;
      if (!name || element.type === "label") {
        return;
      }
      var table = element.type === "bpmn:Lane" ? lanes : names;
      var label = own.call(table, name) && table[name];
      if (typeof label !== "string" || !label) {
        return;
      }
      try {
        business.name = label;
        graphics.update(element.waypoints ? "connection" : "shape", element, registry.getGraphics(element));
        if (element.label) {
          graphics.update("shape", element.label, registry.getGraphics(element.label));
        }
      } catch (error) {
        // An element keeping its name is better than no diagram.
        business.name = name;
      }
    });
  }

  // Buttons with data-zoom="in|out|fit" in the toolbar just before the diagram; the
  // navigated viewer already pans by dragging and zooms with ctrl + wheel.
  var STEP = 1.25;

  function wireZoom(container, canvas) {
    var toolbar = container.previousElementSibling;
    if (!toolbar || !toolbar.classList.contains("diagram-tools")) {
      return;
    }
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-zoom]");
      if (!button) {
        return;
      }
      var action = button.getAttribute("data-zoom");
      if (action === "fit") {
        canvas.zoom("fit-viewport", "auto");
      } else {
        var current = canvas.zoom();
        canvas.zoom(action === "in" ? current * STEP : current / STEP, "auto");
      }
      container.setAttribute("data-zoom", String(Math.round(canvas.zoom() * 1000) / 1000));
    });
  }

  function show(container) {
    var source = container.getAttribute("data-source");
    if (!source) {
      fail(container, "no data-source");
      return;
    }
    if (typeof window.BpmnJS !== "function") {
      fail(container, "bpmn-js is not loaded");
      return;
    }
    var viewer = null;
    fetch(source, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status + " for " + source);
        }
        return response.json();
      })
      .then(function (data) {
        if (!data || typeof data.xml !== "string") {
          throw new Error("no xml in " + source);
        }
        viewer = new window.BpmnJS({ container: container });
        return viewer.importXML(data.xml).then(function () {
          return data;
        });
      })
      .then(function (data) {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        var names = data.labels && typeof data.labels === "object" ? data.labels : {};
        relabel(viewer, readLabels(container), names);
        addMarkers(registry, canvas, data.completed, "doudi-done");
        addMarkers(registry, canvas, data.active, "doudi-active");
        addMarkers(registry, canvas, data.failed, "doudi-failed");
        canvas.zoom("fit-viewport", "auto");
        wireZoom(container, canvas);
        container.doudiDiagram = { viewer: viewer, data: data };
        container.dispatchEvent(
          new CustomEvent("doudi:diagram-ready", { bubbles: true, detail: { viewer: viewer, data: data } })
        );
        container.setAttribute("data-state", "ready");
      })
      .catch(function (error) {
        if (viewer) {
          try {
            viewer.destroy();
          } catch (ignored) {
            // The message below replaces whatever is left.
          }
        }
        fail(container, error);
      });
  }

  // Other viewers of a page (the studio's diff) label their diagrams the same way.
  window.DoudiDiagram = { relabel: relabel };

  function start() {
    var container = document.getElementById("diagram");
    if (container) {
      show(container);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
