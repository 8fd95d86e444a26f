/* The accessibility page's map: settlements placed by longitude and latitude, shaded by
   their distance to the nearest centre, with the centres and the proposed branches. The
   tables beside it carry the same figures; the map is for sighted readers. */
(function () {
  "use strict";
  var source = document.getElementById("accessibility-map-data");
  var canvas = document.getElementById("accessibility-map");
  if (!source || !canvas || !window.Chart) {
    return;
  }
  var data = JSON.parse(source.textContent);
  canvas.parentElement.style.height = "440px";
  function points(rows) {
    return rows.map(function (row) { return { x: row[0], y: row[1], d: row[2] }; });
  }
  function shade(context) {
    var d = context.raw && context.raw.d;
    if (d === undefined || d === null) { return "#64748b"; }
    if (d <= data.far_km) { return "#99f6e4"; }
    if (d <= 2 * data.far_km) { return "#f59e0b"; }
    return "#b91c1c";
  }
  new window.Chart(canvas, {
    type: "scatter",
    data: {
      datasets: [
        { label: data.labels.settlements, data: points(data.settlements), pointRadius: 3, backgroundColor: shade },
        { label: data.labels.centres, data: points(data.centres), pointStyle: "rectRot", pointRadius: 6, backgroundColor: "#0f766e" },
        { label: data.labels.greedy, data: points(data.greedy), pointStyle: "triangle", pointRadius: 8, backgroundColor: "#7c3aed" }
      ]
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { tooltip: { enabled: false } },
      scales: { x: { title: { display: false } }, y: { title: { display: false } } }
    }
  });
})();
