/* The workload report's chart: non-specialist share and load against the norm, per row.
   The table under it is the accessible source of the same numbers. */
(function () {
  "use strict";
  var source = document.getElementById("workload-chart-data");
  var canvas = document.getElementById("workload-chart");
  var names = document.getElementById("workload-chart-labels");
  if (!source || !canvas || !names || !window.Chart) {
    return;
  }
  var data = JSON.parse(source.textContent);
  // Numbers as the page's language writes them (Intl): 20,4 % in Kazakh and Russian,
  // 20.4% in English, like the tables beside the chart.
  var lang = document.documentElement.lang || "en";
  var number = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  function percent(v) { return number.format(v) + (lang === "en" ? "%" : "\u00a0%"); }
  canvas.parentElement.style.height = Math.max(180, data.labels.length * 44 + 60) + "px";

  // The permissible share as a dashed vertical line over the whole plot. As a line
  // dataset it joined one point per row, from the first row's middle to the last's, so
  // with a single row (a region's own report) it drew nothing at all; the dataset is
  // kept, empty, for its legend entry, which also switches the line off and on.
  var NORM = 2;
  var normLine = {
    id: "normLine",
    afterDatasetsDraw: function (chart) {
      if (!chart.isDatasetVisible(NORM)) {
        return;
      }
      var x = chart.scales.x.getPixelForValue(data.share_norm);
      var area = chart.chartArea;
      var context = chart.ctx;
      context.save();
      context.strokeStyle = "#b91c1c";
      context.lineWidth = 2;
      context.setLineDash([6, 4]);
      context.beginPath();
      context.moveTo(x, area.top);
      context.lineTo(x, area.bottom);
      context.stroke();
      context.restore();
    }
  };
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        {
          label: names.getAttribute("data-share"),
          data: data.share,
          backgroundColor: "#b45309",
          borderRadius: 4,
          maxBarThickness: 18
        },
        {
          label: names.getAttribute("data-load"),
          data: data.load,
          backgroundColor: "#0f766e",
          borderRadius: 4,
          maxBarThickness: 18
        },
        {
          type: "line",
          label: names.getAttribute("data-norm") + " (" + percent(data.share_norm) + ")",
          data: [],
          borderColor: "#b91c1c",
          borderWidth: 2,
          borderDash: [6, 4],
          pointRadius: 0,
          fill: false
        }
      ]
    },
    plugins: [normLine],
    options: {
      locale: lang,
      indexAxis: "y",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { x: { beginAtZero: true, suggestedMax: data.share_norm, ticks: { callback: percent } } }
    }
  });
})();
