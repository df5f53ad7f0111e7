/* The portal's few behaviours, kept out of the pages so the Content-Security-Policy can forbid inline script.
 * Every page works without them: they confirm, select and refresh, nothing more. */
(function () {
  "use strict";

  // <button data-confirm="Revoke …?">: ask once before a destructive submit.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // <input data-select-on-focus>: a secret shown once is selected whole, ready to copy.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) {
      event.target.select();
    }
  });

  // <div data-live-refresh="30"> with regions <… data-live-region id="…">: every N seconds the page is
  // fetched again and only those regions are replaced (the figures), never the page itself, so nothing
  // typed or scrolled is lost. A [data-live-toggle] button pauses and resumes; [data-live-status] says
  // when the figures were last updated. A page whose fresh copy no longer has data-live-refresh (a check
  // that has finished) gets its regions one last time and stops.
  // The page's language: texts rendered by the server into <script id="portal-texts"> (base.html).
  var textsNode = document.getElementById("portal-texts");
  var texts = textsNode ? JSON.parse(textsNode.textContent) : {};
  function say(key, fallback, values) {
    var text = texts[key] || fallback;
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("%(" + name + ")s").join(String(values[name]));
    });
    return text;
  }

  function startLive(root) {
    var seconds = parseInt(root.getAttribute("data-live-refresh"), 10) || 30;
    var toggle = root.querySelector("[data-live-toggle]");
    var status = root.querySelector("[data-live-status]");
    var paused = false;
    var timer = null;

    function stamp() {
      if (status) {
        var time = new Date().toLocaleTimeString(document.documentElement.lang || undefined);
        status.textContent = paused
          ? say("updated_paused", "Updated %(time)s · paused", { time: time })
          : say("updated", "Updated %(time)s", { time: time });
      }
    }

    function schedule() {
      window.clearTimeout(timer);
      if (!paused) {
        timer = window.setTimeout(refresh, seconds * 1000);
      }
    }

    function refresh() {
      if (document.hidden) {
        schedule();
        return;
      }
      fetch(window.location.href, { credentials: "same-origin", headers: { "X-Live-Refresh": "1" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(response.status);
          }
          return response.text();
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html");
          document.querySelectorAll("[data-live-region]").forEach(function (region) {
            var next = region.id && fresh.getElementById(region.id);
            if (next && !region.contains(document.activeElement)) {
              region.innerHTML = next.innerHTML;
            }
          });
          stamp();
          if (fresh.querySelector("[data-live-refresh]")) {
            schedule();
          } else if (toggle) {
            toggle.hidden = true;
          }
        })
        .catch(function () {
          if (status) {
            status.textContent = say("failed", "Could not update; trying again in %(seconds)s s", { seconds: seconds });
          }
          schedule();
        });
    }

    if (toggle) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        paused = !paused;
        toggle.setAttribute("aria-pressed", paused ? "true" : "false");
        toggle.textContent = paused ? say("resume", "Resume updates") : say("pause", "Pause updates");
        stamp();
        if (paused) {
          window.clearTimeout(timer);
        } else {
          refresh();
        }
      });
    }
    stamp();
    schedule();
  }

  // A table wider than its box scrolls inside it; a keyboard must be able to reach and scroll it too.
  function focusableScrollers() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        wrap.tabIndex = 0;
      } else {
        wrap.removeAttribute("tabindex");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live-refresh]").forEach(startLive);
    focusableScrollers();
  });
  window.addEventListener("resize", focusableScrollers);
})();
