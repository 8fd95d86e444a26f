/* The weekly work log: keep the totals under the table up to date while typing.
   The server computes and checks them again on save; this is only a convenience. */
(function () {
  "use strict";
  var form = document.querySelector(".worklog-form");
  if (!form) {
    return;
  }
  var total = document.getElementById("worklog-total");
  var other = document.getElementById("worklog-non-specialist");
  // Totals as the page's language writes them: 7,5 and "(20 %)" in Kazakh and Russian,
  // 7.5 and "(20%)" in English, like the server-rendered figures.
  var lang = document.documentElement.lang || "en";
  var number = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
  var sign = lang === "en" ? "%" : "\u00a0%";
  function value(input) {
    var number = parseFloat(String(input.value || "0").replace(",", "."));
    return isFinite(number) && number > 0 ? number : 0;
  }
  function update() {
    var all = 0;
    var non = 0;
    form.querySelectorAll("input[inputmode=decimal]").forEach(function (input) {
      var hours = value(input);
      all += hours;
      if (input.closest("tr.non-specialist")) {
        non += hours;
      }
    });
    total.textContent = number.format(all);
    other.textContent = number.format(non) + (all ? " (" + Math.round((non / all) * 100) + sign + ")" : "");
  }
  form.addEventListener("input", update);
  update();
})();
