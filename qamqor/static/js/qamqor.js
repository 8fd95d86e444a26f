/* Staff pages: htmx glue. */
(function () {
  "use strict";
  var MARK = "X-Qamqor-Swap-Errors";

  // Say next to the form that a request failed, instead of silently doing nothing.
  function showFailure(elt) {
    var form = elt && elt.closest("form");
    if (!form) {
      return;
    }
    var note = form.querySelector(".htmx-failure");
    if (!note) {
      note = document.createElement("p");
      note.className = "form-errors htmx-failure";
      note.setAttribute("role", "alert");
      form.insertBefore(note, form.firstChild);
    }
    note.textContent = document.body.getAttribute("data-request-failed") || "Request failed.";
  }

  // Every htmx endpoint answers with a partial marked by MARK, also with a 4xx status
  // (the form again, with the reason next to the field). Anything else is not a
  // partial: a login page after the session expired, or an error page.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.getResponseHeader(MARK)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      return;
    }
    event.detail.shouldSwap = false;
    event.detail.isError = false;
    var requested = event.detail.pathInfo && event.detail.pathInfo.finalRequestPath;
    if (xhr && xhr.responseURL && requested && xhr.responseURL.indexOf(requested) === -1) {
      // Redirected (e.g. to the login page): show that page in full.
      window.location.assign(xhr.responseURL);
    } else {
      showFailure(event.detail.elt);
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    showFailure(event.detail.elt);
  });

  // Phones: the menu folds behind its button, shown only where this script runs (without
  // it the menu stays open). Wide screens never show the button (qamqor.css).
  var toggle = document.querySelector("[data-menu-toggle]");
  var menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (toggle && menu) {
    toggle.hidden = false;
    document.documentElement.classList.add("menu-folds");
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("open", open);
    });
  }

  // "Choose all" buttons tick every box of one name in their form (no inline handlers:
  // the Content-Security-Policy forbids them). Hidden until this script runs.
  Array.prototype.forEach.call(document.querySelectorAll("[data-check-all]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var name = button.getAttribute("data-check-all");
      var boxes = button.form ? button.form.querySelectorAll("input[type=checkbox]") : [];
      Array.prototype.forEach.call(boxes, function (box) {
        if (box.name === name) {
          box.checked = true;
        }
      });
    });
  });
})();
