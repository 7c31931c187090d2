// Charts of the statistics page (ECharts, served from /static/vendor/: fetched from npm by `make setup`).
(function () {
  "use strict";
  var host = document.getElementById("charts");
  if (!host || typeof echarts === "undefined") { return; }
  var data = JSON.parse(host.dataset.stats);
  var f = data.figures, labels = data.labels;
  function pairs(obj, names) {
    return Object.keys(obj).map(function (k) { return { name: (names && names[k]) || k, value: obj[k] }; });
  }
  var options = {
    by_nature: { title: { text: labels.titles.by_nature }, tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["35%", "65%"], data: pairs(f.by_nature, labels.nature) }] },
    by_channel: { title: { text: labels.titles.by_channel }, tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: "60%", data: pairs(f.by_channel, labels.channel) }] },
    by_period: { title: { text: labels.titles.by_period }, tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: Object.keys(f.by_period) }, yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: Object.values(f.by_period) }] },
    sla: { title: { text: labels.titles.sla }, tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: Object.keys(f.sla).map(function (s) { return labels.stage[s] || s; }) },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: [{ type: "bar", data: Object.keys(f.sla).map(function (s) {
        var c = f.sla[s].compliance; return c === null ? 0 : Math.round(c * 1000) / 10; }) }] }
  };
  host.querySelectorAll("[data-chart]").forEach(function (el) {
    el.style.height = "320px";
    var chart = echarts.init(el);
    chart.setOption(options[el.dataset.chart]);
    el.dataset.rendered = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
