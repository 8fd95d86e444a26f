/* Quick exit: leave for a neutral page at once, without leaving this site in the
   history's way back. Works as a plain link without JavaScript. */
(function () {
  "use strict";
  var link = document.querySelector("[data-quick-exit]");
  if (!link) {
    return;
  }
  var hint = document.querySelector("[data-quick-exit-hint]");
  if (hint) {
    hint.hidden = false;
  }

  // The bar is sticky: whatever the page scrolls to (a focused field, an anchor, the
  // next question) stops below it, not under it. Its height changes as it wraps.
  var bar = link.closest(".quick-exit-bar");
  function padScrolling() {
    if (bar) {
      document.documentElement.style.scrollPaddingTop = bar.offsetHeight + 8 + "px";
    }
  }
  padScrolling();
  window.addEventListener("resize", padScrolling);

  function leave(event) {
    if (event) {
      event.preventDefault();
    }
    // Hide the page first so nobody glimpses it while the next one loads.
    document.documentElement.style.visibility = "hidden";
    document.title = "";
    try {
      // in a school's frame (the embedded form), leave the whole page, not just the frame
      window.top.location.replace(link.href);
    } catch (error) {
      window.location.replace(link.href);
    }
  }

  link.addEventListener("click", leave);

  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") {
      return;
    }
    var now = Date.now();
    if (now - lastEscape < 1500) {
      leave(event);
    } else {
      lastEscape = now;
    }
  });
})();
