// Autocomplete of the commune (progressive enhancement: the form works without it).
// Fills the <datalist> with the server's suggestions as the patient types.
(function () {
  "use strict";
  var input = document.getElementById("id_commune");
  var list = document.getElementById("communes");
  if (!input || !list || !window.fetch) return;
  var timer = null;
  var last = "";
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var text = input.value.trim();
      if (text.length < 2 || text === last) return;
      last = text;
      fetch(input.dataset.options + "?commune=" + encodeURIComponent(text), {
        credentials: "same-origin",
      })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) {
          var doc = new DOMParser().parseFromString("<datalist>" + html + "</datalist>", "text/html");
          list.replaceChildren.apply(list, Array.prototype.slice.call(doc.querySelectorAll("option")));
        })
        .catch(function () {});
    }, 250);
  });
})();
