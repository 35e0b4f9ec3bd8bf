/* Item page: rolled-up progress against the scheduled-pace line, month by month. The same
   numbers are in the table under the chart. Data from the json_script block "item-chart-data". */
(function () {
  "use strict";

  var source = document.getElementById("item-chart-data");
  var element = document.getElementById("chart-item-progress");
  if (!source || !element || typeof echarts === "undefined") {
    return;
  }
  var points = JSON.parse(source.textContent).points;
  var chart = echarts.init(element, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    textStyle: { fontFamily: '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif' },
    tooltip: { trigger: "axis", valueFormatter: function (value) { return value + "%"; } },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: points.map(function (p) { return p.as_of; }) },
    yAxis: { type: "value", min: 0, max: 100, name: "%" },
    series: [
      { name: "进度", type: "line", itemStyle: { color: "#2e9e4f" }, data: points.map(function (p) { return p.progress; }) },
      {
        name: "序时进度",
        type: "line",
        lineStyle: { type: "dashed" },
        itemStyle: { color: "#555" },
        data: points.map(function (p) { return p.scheduled; }),
      },
    ],
  });
  window.addEventListener("resize", function () {
    chart.resize();
  });
})();
