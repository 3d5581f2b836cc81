/* KinéCO2 questionnaire: never lose what is typed while an answer is being saved.
 *
 * Each answer posts itself with HTMX and the server re-renders its question (HTML swapped
 * in place). If the user kept typing while the request was in flight, swapping would put
 * back the value that was sent and drop the characters typed since. In that case the
 * question is left as it is: only its hidden « previous » value takes the value the server
 * now holds, and the pending save of the newer value (typing or leaving the field) follows.
 */
(function () {
  "use strict";

  document.addEventListener("htmx:configRequest", function (event) {
    var input = event.target;
    if (input && input.matches && input.matches(".question input[type=text]")) {
      input.dataset.sent = input.value;
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var question = event.detail.target;
    if (!question || !question.classList || !question.classList.contains("question")) {
      return;
    }
    var input = question.querySelector("input[type=text]");
    if (!input || input.dataset.sent === undefined || input.value === input.dataset.sent) {
      return;
    }
    event.detail.shouldSwap = false;
    var html = new DOMParser().parseFromString(event.detail.serverResponse, "text/html");
    var fresh = html.querySelector("input[type=hidden][name$='-previous']");
    var previous = question.querySelector("input[type=hidden][name$='-previous']");
    if (fresh && previous) {
      previous.value = fresh.value;
    }
    delete input.dataset.sent;
  });

  /* WCAG 2.4.11 (focus not obscured): the sticky subtotal bar must never cover the field
   * that has the focus. CSS scroll-padding uses the bar's height, kept up to date here; if
   * the focused field still ends up under the bar (tabbing backwards), scroll it clear. */
  var bar = document.getElementById("subtotal");
  if (bar) {
    var root = document.documentElement;
    var measure = function () {
      root.style.setProperty("--subtotal-height", bar.getBoundingClientRect().height + "px");
    };
    measure();
    if (window.ResizeObserver) {
      new ResizeObserver(measure).observe(bar);
    }
    document.addEventListener("focusin", function (event) {
      var target = event.target;
      if (!target || target === bar || bar.contains(target) || !target.getBoundingClientRect) {
        return;
      }
      if (getComputedStyle(bar).position !== "sticky") {
        return;
      }
      var barBottom = bar.getBoundingClientRect().bottom;
      var box = target.getBoundingClientRect();
      if (box.top < barBottom + 4) {
        window.scrollBy(0, box.top - barBottom - 12);
      }
    });
  }
})();
