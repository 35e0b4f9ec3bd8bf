/* The meeting-room display: draws the figures of the "screen-data" block, rotates the panels,
   and every few minutes fetches the same figures again and swaps them in place (no reload,
   so the room never sees the page flash). A failed refresh keeps the last figures and says so. */
(function () {
  "use strict";

  var frame = document.getElementById("screen");
  var source = document.getElementById("screen-data");
  if (!frame || !source) {
    return;
  }
  var FONT = '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif';
  var COLOURS = { blue: "#4d9bff", green: "#3ccf6e", yellow: "#ffc83d", red: "#ff5c5c" };
  var LIGHT_NAMES = { blue: "已完成", green: "正常推进", yellow: "滞后", red: "严重滞后" };
  var TEXT = "#cfe0f5";
  var GRID_LINE = "#1f3b63";
  // A zero-wide bar segment gets no label: "0" would sit on the next segment's edge.
  var BAR_LABEL = { show: true, color: "#fff", fontSize: 18, formatter: function (p) { return p.value ? String(p.value) : ""; } };
  var charts = {};
  var lastUpdated = new Date();

  function chart(id) {
    if (!charts[id] && typeof echarts !== "undefined") {
      charts[id] = echarts.init(document.getElementById(id), null, { renderer: "canvas" });
    }
    return charts[id];
  }

  function setText(id, text) {
    var element = document.getElementById(id);
    if (element) {
      element.textContent = text;
    }
  }

  function axis(extra) {
    var base = {
      axisLabel: { color: TEXT, fontSize: 18 },
      axisLine: { lineStyle: { color: GRID_LINE } },
      splitLine: { lineStyle: { color: GRID_LINE } },
      nameTextStyle: { color: TEXT, fontSize: 16 },
    };
    return Object.assign(base, extra);
  }

  function drawCharts(data) {
    var figures = data.figures;
    var common = { textStyle: { fontFamily: FONT, color: TEXT }, animation: false };
    var lights = chart("chart-lights");
    if (lights) {
      lights.setOption(
        Object.assign({}, common, {
          legend: { bottom: 0, textStyle: { color: TEXT, fontSize: 18 } },
          series: [
            {
              type: "pie",
              radius: ["34%", "58%"],
              center: ["50%", "46%"],
              label: { color: TEXT, fontSize: 20, formatter: "{b}\n{c}项", overflow: "none" },
              labelLine: { length: 12, length2: 12 },
              data: ["blue", "green", "yellow", "red"].map(function (key) {
                return { name: LIGHT_NAMES[key], value: figures.lights[key], itemStyle: { color: COLOURS[key] } };
              }),
            },
          ],
        }),
        true
      );
    }
    var categories = data.categories;
    var byCategory = chart("chart-category");
    if (byCategory) {
      byCategory.setOption(
        Object.assign({}, common, {
          legend: { top: 0, right: 60, textStyle: { color: TEXT, fontSize: 18 } },
          grid: { left: 8, right: 40, top: 40, bottom: 8, containLabel: true },
          xAxis: axis({ type: "value", minInterval: 1, name: "项" }),
          yAxis: axis({ type: "category", inverse: true, data: categories.map(function (r) { return r.name; }) }),
          series: [
            { name: "已完成", type: "bar", stack: "s", itemStyle: { color: COLOURS.blue }, label: BAR_LABEL, data: categories.map(function (r) { return r.subitems_completed; }) },
            { name: "未完成", type: "bar", stack: "s", itemStyle: { color: "#3a5478" }, label: BAR_LABEL, data: categories.map(function (r) { return r.remaining; }) },
          ],
        }),
        true
      );
    }
    var trend = data.trend;
    var byMonth = chart("chart-trend");
    if (byMonth) {
      byMonth.setOption(
        Object.assign({}, common, {
          legend: { top: 0, right: 60, textStyle: { color: TEXT, fontSize: 18 } },
          grid: { left: 8, right: 16, top: 48, bottom: 8, containLabel: true },
          xAxis: axis({ type: "category", data: trend.map(function (r) { return r.label; }) }),
          yAxis: [axis({ type: "value", name: "子项", minInterval: 1 }), axis({ type: "value", name: "%", min: 0, max: 100 })],
          series: [
            { name: "累计完成子项", type: "bar", itemStyle: { color: COLOURS.blue }, data: trend.map(function (r) { return r.completed; }) },
            { name: "平均进度", type: "line", yAxisIndex: 1, itemStyle: { color: COLOURS.green }, lineStyle: { width: 3 }, data: trend.map(function (r) { return r.average_progress; }) },
            { name: "平均序时进度", type: "line", yAxisIndex: 1, itemStyle: { color: "#c0c8d4" }, lineStyle: { type: "dashed", width: 3 }, data: trend.map(function (r) { return r.average_scheduled; }) },
          ],
        }),
        true
      );
    }
  }

  function cell(row, text, className) {
    var td = document.createElement("td");
    td.textContent = text;
    if (className) {
      td.className = className;
    }
    row.appendChild(td);
  }

  function drawUnits(data) {
    var body = document.querySelector("#table-units tbody");
    body.textContent = "";
    var previous = 0;
    data.units.forEach(function (unit) {
      if (previous && unit.rank !== previous + 1) {
        var gap = document.createElement("tr");
        gap.className = "gap";
        cell(gap, "…");
        gap.firstChild.colSpan = 9;
        body.appendChild(gap);
      }
      previous = unit.rank;
      var row = document.createElement("tr");
      cell(row, String(unit.rank));
      cell(row, unit.name);
      cell(row, String(unit.subitems_total), "num");
      cell(row, String(unit.completed), "num");
      cell(row, unit.on_time_rate_text, "num");
      cell(row, String(unit.red), unit.red ? "num red" : "num");
      cell(row, String(unit.yellow), unit.yellow ? "num yellow" : "num");
      cell(row, String(unit.overdue_report), "num");
      cell(row, String(unit.average_lag), "num");
      body.appendChild(row);
    });
    setText("units-total", "共" + data.units_total + "个单位");
  }

  function drawPhotos(data) {
    var box = document.getElementById("screen-photos");
    box.textContent = "";
    if (!data.photos.length) {
      var empty = document.createElement("p");
      empty.className = "screen-empty";
      empty.textContent = "暂无现场照片。";
      box.appendChild(empty);
      return;
    }
    data.photos.forEach(function (photo) {
      var figure = document.createElement("figure");
      var image = document.createElement("img");
      image.src = photo.url;
      image.alt = photo.caption;
      var caption = document.createElement("figcaption");
      caption.textContent = photo.date + " " + photo.caption;
      figure.appendChild(image);
      figure.appendChild(caption);
      box.appendChild(figure);
    });
  }

  function apply(data) {
    var figures = data.figures;
    setText("headline", figures.headline);
    setText("screen-as-of", "截至 " + data.as_of);
    document.querySelectorAll("[data-light]").forEach(function (element) {
      element.textContent = String(figures.lights[element.getAttribute("data-light")]);
    });
    setText("overdue-count", String(figures.overdue_report));
    setText("subitem-rate", data.rates.subitem_completion);
    setText("average-progress", figures.average_progress + "%");
    setText("average-scheduled", figures.average_scheduled + "%");
    drawCharts(data);
    drawUnits(data);
    drawPhotos(data);
  }

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function clock(when) {
    return two(when.getHours()) + ":" + two(when.getMinutes());
  }

  var notice = document.getElementById("screen-notice");

  function refresh() {
    return fetch(frame.getAttribute("data-url"), { cache: "no-store", credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        apply(data);
        lastUpdated = new Date();
        notice.hidden = true;
        return true;
      })
      .catch(function () {
        notice.textContent = "数据刷新失败，仍显示" + clock(lastUpdated) + "的数据，稍后自动重试。";
        notice.hidden = false;
        return false;
      });
  }

  var panels = Array.prototype.slice.call(document.querySelectorAll(".screen-panel"));
  var dots = Array.prototype.slice.call(document.querySelectorAll("#screen-dots li"));
  var shown = 0;

  function rotate() {
    panels[shown].classList.remove("is-active");
    dots[shown].classList.remove("is-active");
    shown = (shown + 1) % panels.length;
    panels[shown].classList.add("is-active");
    dots[shown].classList.add("is-active");
  }

  function tick() {
    setText("screen-clock", clock(new Date()));
  }

  apply(JSON.parse(source.textContent));
  tick();
  window.setInterval(tick, 15000);
  window.setInterval(rotate, Number(frame.getAttribute("data-rotate")) * 1000);
  window.setInterval(refresh, Number(frame.getAttribute("data-refresh")) * 1000);
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (id) {
      charts[id].resize();
    });
  });
  window.livelihoodScreen = { refresh: refresh, rotate: rotate };
})();
