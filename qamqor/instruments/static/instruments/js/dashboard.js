/* Screening statistics: band shares per group (stacked, percent) and the distribution of
   scores. The tables beside the charts carry the same numbers for everyone; hidden
   (suppressed) numbers are left out of the charts too. */
(function () {
  "use strict";
  var source = document.getElementById("screening-chart-data");
  if (!source || !window.Chart) {
    return;
  }
  var data = JSON.parse(source.textContent);
  // Numbers as the page's language writes them (Intl): 20,4 % in Kazakh and Russian,
  // 20.4% in English, like the tables beside the chart.
  var lang = document.documentElement.lang || "en";
  var number = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  function percent(v) { return number.format(v) + (lang === "en" ? "%" : "\u00a0%"); }
  var palette = ["#0f766e", "#65a30d", "#ca8a04", "#ea580c", "#b91c1c", "#7c3aed"];
  var bands = document.getElementById("bands-chart");
  if (bands && data.groups && data.groups.length) {
    bands.parentElement.style.height = Math.max(180, data.groups.length * 36 + 80) + "px";
    new window.Chart(bands, {
      type: "bar",
      data: {
        labels: data.groups.map(function (g) { return g.label; }),
        datasets: data.bands.map(function (label, i) {
          return {
            label: label,
            data: data.groups.map(function (g) { return g.shares[i]; }),
            backgroundColor: palette[i % palette.length]
          };
        })
      },
      options: {
        locale: lang,
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: true, min: 0, max: 100, ticks: { callback: percent } },
          y: { stacked: true, ticks: { autoSkip: false } }
        }
      }
    });
  }
  var histogram = document.getElementById("distribution-chart");
  if (histogram && data.distribution && data.distribution.labels.length) {
    histogram.parentElement.style.height = "220px";
    new window.Chart(histogram, {
      type: "bar",
      data: {
        labels: data.distribution.labels,
        datasets: [{
          label: data.distribution.label,
          data: data.distribution.counts,
          backgroundColor: "#0f766e"
        }]
      },
      options: {
        locale: lang,
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }
})();
