/* The dashboard's bar chart of cases by form of violence. The table beside it is the
   accessible source of the same numbers; the chart is decoration for sighted users. */
(function () {
  "use strict";
  var source = document.getElementById("forms-chart-data");
  var canvas = document.getElementById("forms-chart");
  if (!source || !canvas || !window.Chart) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var lang = document.documentElement.lang || "en";  // Chart.js formats numbers by it
  var box = canvas.parentElement;
  box.style.height = Math.max(160, data.labels.length * 36 + 40) + "px";
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        {
          label: data.label,
          data: data.counts,
          backgroundColor: "#0f766e",
          borderRadius: 4,
          maxBarThickness: 28
        }
      ]
    },
    options: {
      locale: lang,
      indexAxis: "y",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: false } },
      scales: {
        x: { beginAtZero: true, ticks: { precision: 0 } },
        y: { ticks: { autoSkip: false } }
      }
    }
  });
})();
