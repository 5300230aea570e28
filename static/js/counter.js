/*
 * Rounds: a live character counter for a textarea with a maxlength (progressive enhancement).
 * Markup: <textarea id="x" maxlength="500"> and <p data-counter-for="x" hidden aria-live="polite">.
 * The server enforces the limit; this only helps while typing.
 */
(function () {
  "use strict";

  function setUp(counter) {
    var field = document.getElementById(counter.getAttribute("data-counter-for"));
    if (!field || !field.maxLength || field.maxLength < 0) return;
    var limit = field.maxLength;
    var lastAnnounced = null;

    function update() {
      var left = limit - field.value.length;
      var text = left + " of " + limit + " characters left";
      // Announce only near the limit, so screen readers are not flooded while typing.
      counter.setAttribute("aria-live", left <= 50 ? "polite" : "off");
      if (text !== lastAnnounced) {
        counter.textContent = text;
        lastAnnounced = text;
      }
      counter.classList.toggle("is-near-limit", left <= 50);
    }

    counter.hidden = false;
    field.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-counter-for]").forEach(setUp);
  });
})();
