/* The statistics page's trend chart: the chosen indicator by month, and the same months
   a year earlier. The table "Trend by month" below carries the same figures; the chart
   is for sighted readers. */
(function () {
  "use strict";
  var source = document.getElementById("statistics-trend-data");
  var canvas = document.getElementById("statistics-trend");
  if (!source || !canvas || !window.Chart) {
    return;
  }
  var data = JSON.parse(source.textContent);
  canvas.parentElement.style.height = "300px";
  new window.Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [
        { label: data.name, data: data.values, borderColor: "#0f766e", backgroundColor: "#99f6e4", spanGaps: false, tension: 0.2 },
        { label: data.earlier_name, data: data.earlier, borderColor: "#94a3b8", backgroundColor: "#e2e8f0", borderDash: [6, 4], spanGaps: false, tension: 0.2 }
      ]
    },
    options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true } } }
  });
})();
