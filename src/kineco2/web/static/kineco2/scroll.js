/* KinéCO2: frames that scroll sideways can be scrolled with the keyboard.
 *
 * On a phone, wide tables (.table-scroll) and charts (figure.chart) keep a readable size and
 * scroll sideways inside their frame. A frame that scrolls takes the keyboard focus (Tab,
 * then the arrow keys), named after its table caption or its figure caption (WCAG 2.1.1,
 * axe « scrollable-region-focusable »). A frame that fits (a desktop screen) gets no extra
 * tab stop. Checked on load, on resize and after every HTMX swap.
 */
(function () {
  "use strict";

  var FRAMES = ".table-scroll, figure.chart";

  function captionOf(frame) {
    var caption = frame.querySelector("caption, figcaption");
    return caption ? caption.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function update() {
    document.querySelectorAll(FRAMES).forEach(function (frame) {
      var scrolls = frame.scrollWidth > frame.clientWidth + 1;
      var marked = frame.hasAttribute("data-scroll-frame");
      if (scrolls && !marked && !frame.hasAttribute("tabindex")) {
        frame.setAttribute("data-scroll-frame", "");
        frame.setAttribute("tabindex", "0");
        if (frame.tagName !== "FIGURE") {
          frame.setAttribute("role", "region");
          var caption = captionOf(frame);
          frame.setAttribute(
            "aria-label",
            caption ? caption + " (tableau défilant)" : "Tableau défilant"
          );
        }
      } else if (!scrolls && marked) {
        frame.removeAttribute("data-scroll-frame");
        frame.removeAttribute("tabindex");
        if (frame.tagName !== "FIGURE") {
          frame.removeAttribute("role");
          frame.removeAttribute("aria-label");
        }
      }
    });
  }

  var pending = null;
  function later() {
    if (pending === null) {
      pending = window.requestAnimationFrame(function () {
        pending = null;
        update();
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
  window.addEventListener("resize", later);
  document.addEventListener("htmx:afterSettle", later);
})();
