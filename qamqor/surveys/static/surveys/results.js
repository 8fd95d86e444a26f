/* The trust surveys' charts: per question, a stacked bar per row (a respondent group or a
   region) by answer. Hidden cells ("<5", "x") are not drawn; the table under each chart
   carries the same figures for everyone. */
(function () {
  "use strict";
  var source = document.getElementById("survey-charts");
  if (!source || !window.Chart) {
    return;
  }
  var charts = JSON.parse(source.textContent);
  var colours = ["#0f766e", "#14b8a6", "#f59e0b", "#dc2626", "#94a3b8", "#6366f1", "#0ea5e9", "#a3a3a3"];
  document.querySelectorAll("canvas[data-survey-chart]").forEach(function (canvas) {
    var chart = charts[Number(canvas.getAttribute("data-survey-chart"))];
    if (!chart) {
      return;
    }
    canvas.parentElement.style.height = Math.max(140, 60 + 40 * chart.labels.length) + "px";
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map(function (set, i) {
          return { label: set.label, data: set.data, backgroundColor: colours[i % colours.length] };
        })
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true } }
      }
    });
  });
})();
