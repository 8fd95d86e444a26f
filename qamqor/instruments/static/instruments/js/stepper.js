/* One question per screen for the child's questionnaire, with a progress bar.
   Without JavaScript the form shows every question and works the same. Questions that
   earlier answers switch off (data-enable) are skipped and their answers cleared, as
   the server drops them too.
   A tap or click on an answer moves on to the next question by itself; the keyboard
   does not (the arrow keys choose within a question, WCAG 3.2.2): Tab to Next. Each new
   question, and a question the server sent back unanswered, takes the focus. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-stepper]");
  if (!form) {
    return;
  }
  var all = Array.prototype.slice.call(form.querySelectorAll("fieldset.question"));
  var back = form.querySelector("[data-back]");
  var next = form.querySelector("[data-next]");
  var send = form.querySelector("[data-send]");
  var box = document.querySelector("[data-progress-box]");
  var bar = document.querySelector("[data-progress]");
  var label = document.querySelector("[data-progress-text]");
  var template = form.getAttribute("data-text-of") || "{n} / {total}";
  var current = 0;
  var timer = null;
  var lastPointer = 0;

  function stickyBottom() {
    var sticky = document.querySelector(".quick-exit-bar");
    return sticky ? sticky.getBoundingClientRect().bottom : 0;
  }

  function answer(key) {
    var checked = form.querySelector('input[name="a_' + key + '"]:checked');
    return checked ? checked.value : null;
  }

  function isEnabled(question) {
    var raw = question.getAttribute("data-enable");
    if (!raw) {
      return true;
    }
    var rule = JSON.parse(raw);
    var results = rule.conditions.map(function (condition) {
      return condition.codes.indexOf(answer(condition.item)) !== -1;
    });
    return rule.any ? results.some(Boolean) : results.every(Boolean);
  }

  /* How many questions are or may still be asked: a question switched on by an answer
     not given yet counts, one that the answers given rule out does not. The total only
     ever falls; counting the questions switched on so far made it grow mid-way ("of 9",
     then "of 10" once an answer switched the last one on). */
  function mayBeAskedCount() {
    var state = {}; // key: "yes" (asked), "no" (never asked), "maybe"
    var count = 0;
    all.forEach(function (question) {
      var key = question.getAttribute("data-key");
      var raw = question.getAttribute("data-enable");
      var result = "yes";
      if (raw) {
        var rule = JSON.parse(raw);
        var values = rule.conditions.map(function (condition) {
          var given = answer(condition.item);
          if (state[condition.item] === "no") {
            return "no";
          }
          if (given === null) {
            return "maybe";
          }
          return condition.codes.indexOf(given) !== -1 ? "yes" : "no";
        });
        var settles = rule.any ? "yes" : "no";
        if (values.indexOf(settles) !== -1) {
          result = settles;
        } else if (values.indexOf("maybe") !== -1) {
          result = "maybe";
        } else {
          result = rule.any ? "no" : "yes";
        }
      }
      state[key] = result;
      if (result !== "no") {
        count += 1;
      }
    });
    return count;
  }

  function enabledQuestions() {
    var list = [];
    all.forEach(function (question) {
      if (isEnabled(question)) {
        list.push(question);
      } else {
        question.querySelectorAll("input:checked").forEach(function (input) {
          input.checked = false;
        });
      }
    });
    return list;
  }

  function show(focus) {
    var list = enabledQuestions();
    current = Math.max(0, Math.min(current, list.length - 1));
    all.forEach(function (question) {
      question.hidden = question !== list[current];
    });
    var here = list[current];
    var answered = here && answer(here.getAttribute("data-key")) !== null;
    var last = current === list.length - 1;
    back.hidden = current === 0;
    next.hidden = last;
    next.disabled = !answered;
    send.hidden = !last;
    send.disabled = !list.every(function (q) {
      return answer(q.getAttribute("data-key")) !== null;
    });
    var total = Math.max(mayBeAskedCount(), list.length);
    bar.max = total;
    bar.value = current + (answered ? 1 : 0);
    label.textContent = template.replace("{n}", current + 1).replace("{total}", total);
    if (focus && here) {
      // A child who scrolled down to the answers or to Next would meet the new question
      // scrolled away, its progress bar under the sticky quick-exit bar: bring the bar
      // back into view (the page's scroll padding keeps it clear of the quick exit).
      if (box.getBoundingClientRect().top < stickyBottom()) {
        box.scrollIntoView({ block: "start" });
      }
      var legend = here.querySelector("legend");
      legend.setAttribute("tabindex", "-1");
      legend.focus();
    }
  }

  form.classList.add("stepping");
  box.hidden = false;
  var firstInvalid = all.indexOf(form.querySelector("fieldset.field-invalid"));
  if (firstInvalid > 0) {
    current = enabledQuestions().indexOf(all[firstInvalid]);
  }
  show(firstInvalid !== -1);

  form.addEventListener("pointerdown", function () {
    lastPointer = Date.now();
  });
  form.addEventListener("keydown", function () {
    lastPointer = 0;
  });

  form.addEventListener("change", function (event) {
    if (event.target.type !== "radio") {
      return;
    }
    var list = enabledQuestions();
    show(false);
    window.clearTimeout(timer);
    var byPointer = Date.now() - lastPointer < 2000;
    if (byPointer && current < list.length - 1) {
      timer = window.setTimeout(function () {
        current += 1;
        show(true);
      }, 250);
    }
  });
  back.addEventListener("click", function () {
    current -= 1;
    show(true);
  });
  next.addEventListener("click", function () {
    current += 1;
    show(true);
  });
})();
