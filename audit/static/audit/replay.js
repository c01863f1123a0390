/*
 * Doudi auditors: replays a case's path on its diagram. Markup, from audit/case.html:
 *
 *   <div data-replay>
 *     <button data-step="-1">  <input type="range" id="replay-slider">  <button data-step="1">
 *     <output id="replay-position">
 *   </div>
 *   <p class="replay-approximate" hidden>
 *   <div id="diagram" data-source="…/replay.json?process=…">   (portal/_diagram.html)
 *
 * The diagram's JSON (read once by portal/diagram.js, handed over with "doudi:diagram-ready")
 * carries "positions": [{seq, at, label, who, done: [ids], active: [ids], exact}], oldest
 * first. Position k shows the diagram right after the k-th event: done steps get the
 * doudi-done marker, steps under way doudi-active. The timeline entry of the event
 * (li[data-seq]) is highlighted. The slider starts at the last position: the case as it is.
 */
(function () {
  "use strict";

  var MARKERS = ["doudi-done", "doudi-active"];

  function wire(box, container, detail) {
    var data = detail.data || {};
    var positions = Array.isArray(data.positions) ? data.positions : [];
    var slider = box.querySelector("input[type=range]");
    var output = box.querySelector("output");
    if (!slider || positions.length === 0) {
      return;
    }
    var canvas = detail.viewer.get("canvas");
    var registry = detail.viewer.get("elementRegistry");
    var current = null;

    function mark(ids, marker) {
      (Array.isArray(ids) ? ids : []).forEach(function (id) {
        if (registry.get(id)) {
          canvas.addMarker(id, marker);
        }
      });
    }

    function show(index) {
      var position = positions[index];
      registry.getAll().forEach(function (element) {
        MARKERS.forEach(function (marker) {
          canvas.removeMarker(element.id, marker);
        });
      });
      mark(position.done, "doudi-done");
      mark(position.active, "doudi-active");
      if (output) {
        output.textContent =
          index + 1 + " / " + positions.length + " · " + position.at + " · " + position.who + " · " + position.label;
      }
      if (current) {
        current.classList.remove("replay-current");
      }
      current = document.querySelector('.audit-timeline li[data-seq="' + position.seq + '"]');
      if (current) {
        current.classList.add("replay-current");
      }
      container.setAttribute("data-position", String(index));
      container.setAttribute("data-seq", String(position.seq));
    }

    slider.min = "0";
    slider.max = String(positions.length - 1);
    slider.value = String(positions.length - 1);
    slider.disabled = false;
    slider.addEventListener("input", function () {
      show(Number(slider.value));
    });
    box.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-step]");
      if (!button) {
        return;
      }
      var next = Number(slider.value) + Number(button.getAttribute("data-step"));
      if (next >= 0 && next < positions.length) {
        slider.value = String(next);
        show(next);
      }
    });
    var note = document.querySelector(".replay-approximate");
    if (note && data.exact === false) {
      note.hidden = false;
    }
    show(positions.length - 1);
    box.setAttribute("data-state", "ready");
  }

  function start() {
    var box = document.querySelector("[data-replay]");
    var container = document.getElementById("diagram");
    if (!box || !container) {
      return;
    }
    if (container.doudiDiagram) {
      wire(box, container, container.doudiDiagram);
    } else {
      container.addEventListener("doudi:diagram-ready", function (event) {
        wire(box, container, event.detail);
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
