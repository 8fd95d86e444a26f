/* A table box (.table-scroll) that scrolls sideways takes the keyboard focus, so the arrow
   keys scroll it (WCAG 2.1.1), and is a region named after its table (docs/accessibility.md).
   A box that fits gets nothing: no useless tab stop on a wide screen. Loaded on every page. */
(function () {
  "use strict";
  var HEADINGS = "h1, h2, h3, h4, h5, h6";
  var added = new WeakMap(); // box -> the attributes this script set on it
  var counter = 0;

  // The table's caption, else the last heading before the box in the page.
  function nameSource(box) {
    var caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) {
      return caption;
    }
    var found = null;
    var headings = document.querySelectorAll(HEADINGS);
    for (var i = 0; i < headings.length; i++) {
      if (!(headings[i].compareDocumentPosition(box) & Node.DOCUMENT_POSITION_FOLLOWING)) {
        break;
      }
      if (headings[i].textContent.trim()) {
        found = headings[i];
      }
    }
    return found;
  }

  function set(box, name, value, mine) {
    if (!box.hasAttribute(name)) {
      box.setAttribute(name, value);
      mine.push(name);
    }
  }

  function update(box) {
    var mine = added.get(box);
    var overflows = box.scrollWidth > box.clientWidth;
    if (overflows && !mine) {
      mine = [];
      set(box, "tabindex", "0", mine);
      set(box, "role", "region", mine);
      var named = box.hasAttribute("aria-label") || box.hasAttribute("aria-labelledby");
      var source = !named && nameSource(box);
      if (source) {
        // The id stays when the box is plain again: harmless, and the same next time.
        source.id = source.id || "table-scroll-name-" + ++counter;
        set(box, "aria-labelledby", source.id, mine);
      }
      added.set(box, mine);
    } else if (!overflows && mine) {
      mine.forEach(function (name) {
        box.removeAttribute(name);
      });
      added.delete(box);
    }
  }

  // A box changes when the window does and when its table does (fonts, new rows).
  var observer = new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      var box = entry.target.closest(".table-scroll");
      if (!entry.target.isConnected) {
        observer.unobserve(entry.target); // swapped out by htmx
      } else if (box) {
        update(box);
      }
    });
  });

  function scan() {
    Array.prototype.forEach.call(document.querySelectorAll(".table-scroll"), function (box) {
      update(box);
      observer.observe(box);
      if (box.firstElementChild) {
        observer.observe(box.firstElementChild);
      }
    });
  }

  scan();
  // Lists swapped in by htmx bring new boxes.
  document.body.addEventListener("htmx:afterSettle", scan);
})();
