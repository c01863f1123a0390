/*
 * Doudi: the auditors' time-limit analytics (audit/analytics.html).
 *
 * Charts: Apache ECharts (vendored as window.echarts, see `make vendor`) with the SVG renderer,
 * which styles through the CSSOM only, and tooltips drawn as rich text, so the page's strict
 * Content-Security-Policy holds (no style attributes, no inline script). The markup:
 *
 *   <div class="analytics" data-source="URL" data-failed="message">
 *     <div class="chart" data-chart="stages|regions|months"></div> …
 *
 * data-source answers JSON {text: {...}, stages: [rows], regions: {title, rows},
 * months: {title, rows}}, each row {label, count, median, p90, overdue_rate, limit}.
 * Each chart gets data-state="ready" once drawn ("empty" without figures, "error" on failure);
 * the wrapper too, once all are.
 *
 * Heatmap: portal/diagram.js draws the process in #diagram and announces it with the event
 * "doudi:diagram-ready" (detail {viewer, data}); data.heat maps element ids to {now, passes, average,
 * level}: each element is coloured by its level (average time there) and badged with the cases
 * there now, and #diagram gets data-heat="ready".
 */
(function () {
  "use strict";

  var COLOURS = {
    median: "#1d4ed8",
    p90: "#f59e0b",
    limit: "#b42318",
    rate: "#8b1e1e"
  };

  var charts = [];

  function number(value) {
    return typeof value === "number" && isFinite(value) ? value : null;
  }

  function percent(value) {
    return value === null || value === undefined ? "—" : (value * 100).toFixed(1) + "%";
  }

  function days(value) {
    return value === null || value === undefined ? "—" : String(Math.round(value * 10) / 10);
  }

  function baseOption(text) {
    return {
      animation: false,
      textStyle: { fontFamily: "system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif" },
      // Rich-text tooltips are drawn in the SVG: an HTML one would carry style attributes.
      tooltip: { trigger: "axis", renderMode: "richText", confine: true },
      legend: { bottom: 0, type: "scroll" },
      grid: { left: 8, right: 8, top: 28, bottom: 32, containLabel: true },
      yAxis: [
        { type: "value", name: text.days, minInterval: 1, nameTextStyle: { align: "left" } }
      ]
    };
  }

  function categoryAxis(labels) {
    return {
      type: "category",
      data: labels,
      axisLabel: { interval: 0, rotate: labels.length > 4 ? 35 : 0, width: 90, overflow: "truncate" }
    };
  }

  // Median and 90th percentile as bars, the limit of each as a short red bar across.
  function dayBars(text, rows) {
    return [
      {
        name: text.median,
        type: "bar",
        itemStyle: { color: COLOURS.median },
        data: rows.map(function (row) { return number(row.median); }),
        tooltip: { valueFormatter: days }
      },
      {
        name: text.p90,
        type: "bar",
        itemStyle: { color: COLOURS.p90 },
        data: rows.map(function (row) { return number(row.p90); }),
        tooltip: { valueFormatter: days }
      },
      {
        name: text.limit,
        type: "scatter",
        symbol: "rect",
        symbolSize: [26, 3],
        itemStyle: { color: COLOURS.limit },
        data: rows.map(function (row) { return number(row.limit); }),
        tooltip: { valueFormatter: days }
      }
    ];
  }

  function rateLine(text, rows) {
    return {
      name: text.overdue_rate,
      type: "line",
      yAxisIndex: 1,
      itemStyle: { color: COLOURS.rate },
      lineStyle: { color: COLOURS.rate },
      connectNulls: false,
      data: rows.map(function (row) { return number(row.overdue_rate); }),
      tooltip: { valueFormatter: percent }
    };
  }

  function rateAxis(text) {
    return {
      type: "value",
      name: text.overdue_rate,
      nameTextStyle: { align: "right" },
      min: 0,
      max: 1,
      axisLabel: { formatter: function (value) { return Math.round(value * 100) + "%"; } },
      splitLine: { show: false }
    };
  }

  function stagesOption(data) {
    var option = baseOption(data.text);
    option.xAxis = categoryAxis(data.stages.map(function (row) { return row.label; }));
    option.series = dayBars(data.text, data.stages);
    return option;
  }

  function withRate(data, rows, labels) {
    var option = baseOption(data.text);
    option.xAxis = categoryAxis(labels);
    option.yAxis.push(rateAxis(data.text));
    option.series = dayBars(data.text, rows).concat([rateLine(data.text, rows)]);
    return option;
  }

  function regionsOption(data) {
    var rows = data.regions.rows;
    return withRate(data, rows, rows.map(function (row) { return row.label; }));
  }

  function monthsOption(data) {
    var rows = data.months.rows;
    return withRate(data, rows, rows.map(function (row) { return row.label; }));
  }

  var BUILDERS = { stages: stagesOption, regions: regionsOption, months: monthsOption };

  function hasFigures(data, name) {
    var rows = name === "stages" ? data.stages : data[name].rows;
    return rows.some(function (row) { return row.count > 0 || number(row.limit) !== null; });
  }

  function draw(container, data) {
    var name = container.getAttribute("data-chart");
    var build = BUILDERS[name];
    if (!build) {
      container.setAttribute("data-state", "error");
      return;
    }
    if (!hasFigures(data, name)) {
      container.textContent = container.getAttribute("data-empty") || "";
      container.classList.add("chart-empty");
      container.setAttribute("data-state", "empty");
      return;
    }
    var chart = window.echarts.init(container, null, { renderer: "svg" });
    chart.setOption(build(data));
    charts.push(chart);
    container.setAttribute("data-state", "ready");
  }

  function fail(wrapper, error) {
    if (window.console) {
      window.console.error("doudi analytics:", error);
    }
    wrapper.querySelectorAll("[data-chart]").forEach(function (container) {
      container.textContent = wrapper.getAttribute("data-failed") || "";
      container.setAttribute("data-state", "error");
    });
    wrapper.setAttribute("data-state", "error");
  }

  function showCharts(wrapper) {
    var source = wrapper.getAttribute("data-source");
    if (typeof window.echarts !== "object" || !source) {
      fail(wrapper, "echarts is not loaded or no data-source");
      return;
    }
    fetch(source, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status + " for " + source);
        }
        return response.json();
      })
      .then(function (data) {
        wrapper.querySelectorAll("[data-chart]").forEach(function (container) {
          draw(container, data);
        });
        wrapper.setAttribute("data-state", "ready");
      })
      .catch(function (error) {
        fail(wrapper, error);
      });
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        charts.forEach(function (chart) { chart.resize(); });
      }, 150);
    });
  }

  // ------------------------------------------------------------------ the heatmap

  function badge(text) {
    var element = document.createElement("div");
    element.className = "heat-badge";
    element.textContent = text;
    return element;
  }

  function paint(container, viewer, data) {
    var heat = data && data.heat && typeof data.heat === "object" ? data.heat : {};
    var words = data.text || {};
    var registry = viewer.get("elementRegistry");
    var canvas = viewer.get("canvas");
    var overlays = viewer.get("overlays");
    var marked = 0;
    Object.keys(heat).forEach(function (id) {
      var element = registry.get(id);
      var figures = heat[id];
      if (!element || !figures) {
        return;
      }
      var level = Math.max(0, Math.min(4, Number(figures.level) || 0));
      if (level > 0) {
        canvas.addMarker(id, "heat-" + level);
        marked += 1;
      }
      if (figures.now > 0) {
        canvas.addMarker(id, "heat-now");
        overlays.add(id, "doudi-heat", {
          position: { top: -12, right: 12 },
          html: badge(String(figures.now))
        });
      }
      var title = [];
      if (figures.now > 0) {
        title.push(figures.now + " " + (words.now || ""));
      }
      if (figures.average !== null && figures.average !== undefined) {
        title.push(days(figures.average) + " " + (words.average || ""));
      }
      var graphics = registry.getGraphics(element);
      if (graphics && title.length) {
        var tip = document.createElementNS("http://www.w3.org/2000/svg", "title");
        tip.textContent = title.join(" · ");
        graphics.appendChild(tip);
      }
    });
    container.setAttribute("data-heat-marked", String(marked));
    container.setAttribute("data-heat", "ready");
  }

  function start() {
    var wrapper = document.querySelector(".analytics[data-source]");
    if (wrapper) {
      showCharts(wrapper);
    }
  }

  // portal/diagram.js announces the diagram it drew (the event bubbles from #diagram).
  document.addEventListener("doudi:diagram-ready", function (event) {
    var detail = event.detail || {};
    if (detail.viewer && event.target instanceof Element) {
      paint(event.target, detail.viewer, detail.data || {});
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
