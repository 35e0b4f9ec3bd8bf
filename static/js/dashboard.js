/* Completion dashboard charts. Data comes from the json_script block "dashboard-data";
   every chart has the same numbers in a table next to it, and clicking a chart element
   opens the list it counts. */
(function () {
  "use strict";

  var source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var FONT = '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif';
  var LIGHT_COLOURS = { blue: "#1f6fd1", green: "#2e9e4f", yellow: "#e0a800", red: "#d63333" };
  // A zero-wide bar segment gets no label: its "0" would sit on the next segment's edge.
  var BAR_LABEL = { show: true, formatter: function (params) { return params.value ? String(params.value) : ""; } };
  var charts = [];

  function draw(id, option, onClick) {
    var element = document.getElementById(id);
    if (!element) {
      return;
    }
    var chart = echarts.init(element, null, { renderer: "canvas" });
    option.textStyle = { fontFamily: FONT };
    option.animation = false;
    chart.setOption(option);
    if (onClick) {
      chart.on("click", onClick);
    }
    charts.push(chart);
  }

  function openUrl(url) {
    if (url) {
      window.location.href = url;
    }
  }

  draw(
    "chart-lights",
    {
      tooltip: { trigger: "item", formatter: "{b}：{c}项（{d}%）" },
      legend: { bottom: 0 },
      series: [
        {
          type: "pie",
          radius: ["40%", "70%"],
          center: ["50%", "45%"],
          label: { formatter: "{b}\n{c}" },
          data: data.lights.map(function (row) {
            return { name: row.name, value: row.value, url: row.url, itemStyle: { color: LIGHT_COLOURS[row.key] } };
          }),
        },
      ],
    },
    function (params) {
      openUrl(params.data && params.data.url);
    }
  );

  var categories = data.categories;
  draw(
    "chart-category",
    {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1, name: "项" },
      yAxis: { type: "category", inverse: true, data: categories.map(function (row) { return row.name; }) },
      series: [
        {
          name: "已完成",
          type: "bar",
          stack: "subitems",
          itemStyle: { color: LIGHT_COLOURS.blue },
          label: BAR_LABEL,
          data: categories.map(function (row) { return row.completed; }),
        },
        {
          name: "未完成",
          type: "bar",
          stack: "subitems",
          itemStyle: { color: "#adb5bd" },
          label: BAR_LABEL,
          data: categories.map(function (row) { return row.remaining; }),
        },
      ],
    },
    function (params) {
      openUrl(categories[params.dataIndex] && categories[params.dataIndex].url);
    }
  );

  var trend = data.trend;
  draw(
    "chart-trend",
    {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: trend.map(function (row) { return row.label; }) },
      yAxis: [
        { type: "value", name: "子项", minInterval: 1 },
        { type: "value", name: "%", min: 0, max: 100 },
      ],
      series: [
        {
          name: "累计完成子项",
          type: "bar",
          itemStyle: { color: LIGHT_COLOURS.blue },
          data: trend.map(function (row) { return row.completed; }),
        },
        {
          name: "平均进度",
          type: "line",
          yAxisIndex: 1,
          itemStyle: { color: LIGHT_COLOURS.green },
          data: trend.map(function (row) { return row.average_progress; }),
        },
        {
          name: "平均序时进度",
          type: "line",
          yAxisIndex: 1,
          lineStyle: { type: "dashed" },
          itemStyle: { color: "#555" },
          data: trend.map(function (row) { return row.average_scheduled; }),
        },
      ],
    },
    function (params) {
      openUrl(trend[params.dataIndex] && trend[params.dataIndex].url);
    }
  );

  var funding = data.funding;
  draw("chart-funding", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: ["计划投资", "到位资金", "已支付"] },
    yAxis: { type: "value", name: "万元" },
    series: [
      {
        type: "bar",
        label: { show: true, position: "top" },
        data: [
          { value: funding.planned, itemStyle: { color: "#6c757d" } },
          { value: funding.allocated, itemStyle: { color: LIGHT_COLOURS.blue } },
          { value: funding.paid, itemStyle: { color: LIGHT_COLOURS.green } },
        ],
      },
    ],
  });

  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      charts.forEach(function (chart) {
        chart.resize();
      });
    }, 100);
  });

  var regionSource = document.getElementById("region-data");
  if (regionSource) {
    var regions = JSON.parse(regionSource.textContent);
    draw(
      "chart-regions",
      {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: regions.map(function (row) { return row.name; }) },
        yAxis: { type: "value", name: "%" },
        series: [
          { name: "子项完成率", type: "bar", itemStyle: { color: LIGHT_COLOURS.blue }, label: { show: true }, data: regions.map(function (row) { return { value: row.completion, url: row.url }; }) },
          { name: "平均进度", type: "bar", itemStyle: { color: LIGHT_COLOURS.green }, data: regions.map(function (row) { return { value: row.progress, url: row.url }; }) },
          { name: "平均序时进度", type: "line", itemStyle: { color: LIGHT_COLOURS.yellow }, data: regions.map(function (row) { return { value: row.scheduled, url: row.url }; }) },
        ],
      },
      function (params) {
        openUrl(params.data && params.data.url);
      }
    );
  }
})();
