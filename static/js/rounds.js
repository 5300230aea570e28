/*
 * Rounds: small progressive enhancements. Every page works without this file.
 * - after an htmx swap, move focus to the element marked data-focus-after-swap
 * - show a message when an htmx request fails instead of failing silently
 * - a Copy button next to [data-copy] inputs (API token secrets)
 * - close the account menu with Escape or a click elsewhere
 */
(function () {
  "use strict";

  function showError(text, link, label) {
    var box = document.getElementById("htmx-error");
    if (!box) return;
    box.innerHTML = "";
    var p = document.createElement("p");
    p.className = "message message-error";
    p.textContent = text;
    if (link && link.charAt(0) === "/" && link.charAt(1) !== "/" && label) {
      var a = document.createElement("a");
      a.href = link;
      a.textContent = label;
      p.appendChild(document.createTextNode(" "));
      p.appendChild(a);
    }
    box.appendChild(p);
  }

  function focusMarked() {
    var target = document.querySelector("[data-focus-after-swap]");
    if (target && typeof target.focus === "function") target.focus();
    document.querySelectorAll("[data-focus-after-swap]").forEach(function (el) {
      el.removeAttribute("data-focus-after-swap");
    });
  }

  document.addEventListener("htmx:afterSettle", function () {
    focusMarked();
    var box = document.getElementById("htmx-error");
    if (box) box.innerHTML = "";
  });

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var status = xhr ? xhr.status : 0;
    var said = xhr ? xhr.getResponseHeader("X-Rounds-Error") : null;
    if (status === 403 && said) {  // a refusal that says why (e.g. a scheduled deletion)
      showError(said, xhr.getResponseHeader("X-Rounds-Error-Link"),
                xhr.getResponseHeader("X-Rounds-Error-Link-Label"));
    } else if (status === 403) {
      showError("You are not allowed to do that. Reload the page and sign in again if needed.");
    } else if (status === 404) {
      showError("That is no longer available. Reload the page to see the latest.");
    } else if (status === 413) {
      showError("That file is too large.");
    } else {
      showError("Something went wrong (" + status + "). Please reload the page and try again.");
    }
  });

  document.addEventListener("htmx:sendError", function () {
    showError("We could not reach Rounds. Check your connection and try again.");
  });

  function addCopyButtons(root) {
    var inputs = (root || document).querySelectorAll("input[data-copy]:not([data-copy-ready])");
    Array.prototype.forEach.call(inputs, function (input) {
      input.setAttribute("data-copy-ready", "");
      input.addEventListener("focus", function () { input.select(); });
      if (!navigator.clipboard) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button-secondary";
      button.textContent = "Copy";
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(input.value).then(function () {
          button.textContent = "Copied";
        }, function () {
          input.select();
          button.textContent = "Press Ctrl+C to copy";
        });
      });
      input.insertAdjacentElement("afterend", button);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    addCopyButtons(document);
    if (document.querySelector(".is-editing")) focusMarked();
  });
  document.addEventListener("htmx:load", function (event) { addCopyButtons(event.detail.elt); });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
  });

  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
})();
