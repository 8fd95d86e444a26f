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
  canvas.parentElement.style.height = Math.max(180, data.labels.length * 44 + 60) + "px";
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
          label: names.getAttribute("data-norm") + " (" + data.share_norm + "%)",
          data: data.labels.map(function () { return data.share_norm; }),
          borderColor: "#b91c1c",
          borderDash: [6, 4],
          pointRadius: 0,
          fill: false
        }
      ]
    },
    options: {
      indexAxis: "y",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { x: { beginAtZero: true, ticks: { callback: function (v) { return v + "%"; } } } }
    }
  });
})();
