/*
 * Doudi studio: the two diagrams of a diff page (studio/_diff_viewer.html), drawn with
 * bpmn-js's NavigatedViewer (vendored as window.BpmnJS). Markup:
 *
 *   <div class="diff-canvas" data-side="new" data-source="URL" data-badges='{"added": "新增", …}'
 *        data-lane-labels='{"township_clerk": "乡镇受理员"}' data-failed="…">
 *
 * data-source answers JSON {"xml": "<bpmn…>", "added": [ids], "removed": [ids],
 * "changed": [ids], "moved": [ids], "inside": [ids], "labels": {name: shown name}}.
 * Each listed element gets the marker class doudi-diff-<status> (colour and outline style,
 * studio/diff.css) and a word beside it (data-badges), so colour is never the only cue.
 * When done the div gets data-state="ready" (or "error", with a plain message instead).
 */
(function () {
  "use strict";

  var STATUSES = ["added", "removed", "changed", "inside", "moved"];
  var STEP = 1.25;
  var own = Object.prototype.hasOwnProperty;

  function fail(container, error) {
    if (window.console) {
      window.console.error("doudi diff:", error);
    }
    container.textContent = container.getAttribute("data-failed") || "流程图无法显示";
    container.classList.add("doudi-diagram-error");
    container.setAttribute("data-state", "error");
  }

  function readJson(container, attribute) {
    try {
      var value = JSON.parse(container.getAttribute(attribute) || "{}");
      return value && typeof value === "object" ? value : {};
    } catch (error) {
      return {};
    }
  }

  function badge(text, status) {
    var node = document.createElement("span");
    node.className = "diff-badge diff-" + status + " diff-overlay";
    node.textContent = text;
    return node;
  }

  function mark(viewer, data, badges) {
    var registry = viewer.get("elementRegistry");
    var canvas = viewer.get("canvas");
    var overlays = viewer.get("overlays");
    var marked = 0;
    STATUSES.forEach(function (status) {
      var ids = Array.isArray(data[status]) ? data[status] : [];
      ids.forEach(function (id) {
        var element = registry.get(id);
        if (!element) {
          return; // not drawn on this diagram (a message, the process itself)
        }
        canvas.addMarker(id, "doudi-diff-" + status);
        marked += 1;
        var area = element.type === "bpmn:Lane" || element.type === "bpmn:Participant";
        if (area) {
          canvas.addMarker(id, "doudi-diff-area");
        }
        var text = own.call(badges, status) && badges[status];
        if (typeof text === "string" && text && !area) {
          try {
            overlays.add(id, "doudi-diff", { position: { top: -14, left: -4 }, html: badge(text, status) });
          } catch (error) {
            // The marker alone still shows the change.
          }
        }
      });
    });
    return marked;
  }

  // The area around the marked elements, so a change in a wide diagram is not a speck.
  var MARGIN = 80;
  var MIN_WIDTH = 700;
  var MIN_HEIGHT = 350;

  function changesBox(registry, ids) {
    var box = null;
    ids.forEach(function (id) {
      var element = registry.get(id);
      if (!element || element.type === "bpmn:Lane" || element.type === "bpmn:Participant") {
        return;
      }
      var points = element.waypoints || [
        { x: element.x, y: element.y },
        { x: element.x + element.width, y: element.y + element.height }
      ];
      points.forEach(function (point) {
        if (!box) {
          box = { left: point.x, top: point.y, right: point.x, bottom: point.y };
        } else {
          box.left = Math.min(box.left, point.x);
          box.top = Math.min(box.top, point.y);
          box.right = Math.max(box.right, point.x);
          box.bottom = Math.max(box.bottom, point.y);
        }
      });
    });
    if (!box) {
      return null;
    }
    var width = Math.max(box.right - box.left + 2 * MARGIN, MIN_WIDTH);
    var height = Math.max(box.bottom - box.top + 2 * MARGIN, MIN_HEIGHT);
    return {
      x: (box.left + box.right) / 2 - width / 2,
      y: (box.top + box.bottom) / 2 - height / 2,
      width: width,
      height: height
    };
  }

  function showChanges(canvas, box) {
    if (box) {
      canvas.viewbox(box);
    } else {
      canvas.zoom("fit-viewport", "auto");
    }
  }

  function wireZoom(container, canvas, box) {
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
      } else if (action === "changes") {
        showChanges(canvas, box);
      } else {
        var current = canvas.zoom();
        canvas.zoom(action === "in" ? current * STEP : current / STEP, "auto");
      }
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
        if (!data || typeof data.xml !== "string" || !data.xml) {
          throw new Error("no xml in " + source);
        }
        viewer = new window.BpmnJS({ container: container });
        return viewer.importXML(data.xml).then(function () {
          return data;
        });
      })
      .then(function (data) {
        var canvas = viewer.get("canvas");
        var names = data.labels && typeof data.labels === "object" ? data.labels : {};
        // portal/diagram.js, loaded before this script, relabels as the case pages do.
        window.DoudiDiagram.relabel(viewer, readJson(container, "data-lane-labels"), names);
        var marked = mark(viewer, data, readJson(container, "data-badges"));
        var ids = [];
        STATUSES.forEach(function (status) {
          if (status !== "moved") {
            ids = ids.concat(Array.isArray(data[status]) ? data[status] : []);
          }
        });
        // Opens on the changes (on what only moved when nothing else changed); "fit" shows
        // the whole diagram.
        var registry = viewer.get("elementRegistry");
        var box = changesBox(registry, ids) || changesBox(registry, Array.isArray(data.moved) ? data.moved : []);
        showChanges(canvas, box);
        wireZoom(container, canvas, box);
        container.setAttribute("data-marked", String(marked));
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

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".diff-canvas[data-source]"), show);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
