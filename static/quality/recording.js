/* The inspection page's offline queue (templates/quality/inspections/detail.html).
 *
 * Every value typed or pass/fail chosen becomes an entry with its own client_key (the server's
 * idempotency key), kept in localStorage until the server has it: a dropped connection, a
 * closed tab or a reload loses nothing, and a resend never doubles a result. Entries go out in
 * the order they were made; the page says how many wait. Without this script the grid still
 * works as a plain form ("Save results").
 */
(function () {
  "use strict";

  var form = document.querySelector("form.recording[data-endpoint]");
  if (!form) return;
  var endpoint = form.getAttribute("data-endpoint");
  var storeKey = "quality.queue." + form.getAttribute("data-inspection");
  var stateLine = document.querySelector("[data-queue-state]");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var sending = false;
  // The page's language: texts rendered by the server into <script id="recording-texts">
  // (quality/views/inspections.py recording_texts); English only when the block is missing.
  var textsNode = document.getElementById("recording-texts");
  var texts = textsNode ? JSON.parse(textsNode.textContent) : {};
  function say(key, fallback, values) {
    var text = texts[key] || fallback;
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("%(" + name + ")s").join(String(values[name]));
    });
    return text;
  }
  function count(key, n, one, other) {
    var forms = texts[key] || { one: one, other: other };
    return say(null, n === 1 ? forms.one : forms.other, { count: n });
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "[]"); } catch (e) { return []; }
  }
  function save(queue) { localStorage.setItem(storeKey, JSON.stringify(queue)); }

  function cellOf(entry) { return form.querySelector('[data-cell="r-' + entry.unit + "-" + entry.characteristic + '"]'); }

  function showCell(cell, text, klass) {
    if (!cell) return;
    cell.classList.remove("cell-pending", "cell-sent", "cell-error");
    if (klass) cell.classList.add(klass);
    var state = cell.querySelector("[data-state]");
    if (state) state.textContent = text;
  }

  function render(queue, justSent) {
    if (!stateLine) return;
    if (queue.length) {
      stateLine.hidden = false;
      stateLine.textContent = navigator.onLine
        ? count("waiting", queue.length, "%(count)s result waiting to be sent…", "%(count)s results waiting to be sent…")
        : count("offline", queue.length, "%(count)s result waiting to be sent (offline: they are kept on this tablet).",
                "%(count)s results waiting to be sent (offline: they are kept on this tablet).");
    } else if (justSent) {
      stateLine.hidden = false;
      stateLine.textContent = say("all_sent", "All results sent.");
    }
  }

  // Shown before the server answers; the server decides on save (limits are inclusive).
  function parseMeasure(text) {
    var t = text.trim().replace(/[\s\u00a0\u2009']/g, "");
    if (t.indexOf(",") >= 0 && t.indexOf(".") < 0) t = t.replace(",", ".");
    return /^[-+]?\d*\.?\d+$/.test(t) ? parseFloat(t) : NaN;
  }
  function outOfTolerance(input) {
    var v = parseMeasure(input.value);
    if (isNaN(v)) return false;
    var low = input.getAttribute("data-low"), high = input.getAttribute("data-high");
    return (low !== null && v < parseFloat(low)) || (high !== null && v > parseFloat(high));
  }

  function enqueue(entry) {
    // A newer value for the same cell replaces one still waiting: only the last would count.
    var queue = load().filter(function (e) { return !(e.unit === entry.unit && e.characteristic === entry.characteristic); });
    entry.client_key = newKey();
    queue.push(entry);
    save(queue);
    render(queue);
    flush();
  }

  function updateVerdict(v) {
    var label = document.querySelector("[data-verdict-label]");
    if (label) {
      label.textContent = v.label;
      label.className = "badge" + (v.outcome === "accept" ? " badge-ok" : v.outcome === "reject" ? " badge-bad" : "");
    }
    // The whole sentence, written by the server (what a signature records is in the tenant's language).
    var note = document.querySelector("[data-sign-note]");
    if (note && v.sign_note) note.textContent = v.sign_note;
    var recorded = document.querySelector("[data-recorded]");
    if (recorded) recorded.textContent = v.recorded;
    // The sign-off's "still to record" follows the verdict: gone once it is decided.
    var missing = document.querySelector("[data-missing-note]");
    if (missing) {
      missing.hidden = Boolean(v.outcome);
      missing.textContent = count("missing", v.missing, "%(count)s result still to record.", "%(count)s results still to record.");
    }
    Object.keys(v.classes).forEach(function (cls) {
      var el = document.querySelector('[data-defective="' + cls + '"]');
      if (el) el.textContent = v.classes[cls].defective;
    });
  }

  function flush() {
    if (sending || !navigator.onLine) return;
    var queue = load();
    if (!queue.length) return;
    sending = true;
    var entry = queue[0];
    fetch(endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(entry)
    }).then(function (response) {
      // 400/413/415: refused for good (shown in the cell); 409: the key holds another value (shown as stored).
      if ([200, 201, 400, 409, 413, 415].indexOf(response.status) >= 0) {
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      }
      throw new Error("HTTP " + response.status);  // signed out, server trouble: keep it, try later
    }).then(function (answer) {
      save(load().filter(function (e) { return e.client_key !== entry.client_key; }));
      var cell = cellOf(entry);
      if (answer.status >= 400 && answer.status !== 409) {
        var errors = answer.body.errors || {};
        showCell(cell, Object.keys(errors).map(function (k) { return errors[k]; }).join(" "), "cell-error");
      } else {
        var r = answer.body.result;
        if (cell) cell.classList.toggle("cell-defect", r.defect);
        var input = cell && cell.querySelector("input.measure");
        if (input) input.setAttribute("data-sent", input.value);
        if (answer.status === 409) {
          if (input && r.value !== null) input.value = r.value;
          showCell(cell, say("not_saved", "Not saved: this entry's key already holds %(value)s.",
            { value: r.value !== null ? r.value : (r.passed ? say("pass", "pass") : say("fail", "fail")) }), "cell-error");
        } else {
          showCell(cell, r.defect ? (input ? say("out_of_tolerance", "Out of tolerance") : say("defect", "Defect")) : say("saved", "Saved"), "cell-sent");
        }
        updateVerdict(answer.body.verdict);
      }
      sending = false;
      render(load(), true);
      flush();
    }).catch(function () {
      sending = false;
      render(load());
    });
  }

  function measureEntry(input) {
    return { unit: +input.getAttribute("data-unit"), characteristic: +input.getAttribute("data-characteristic"), value: input.value.trim() };
  }

  form.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.classList.contains("measure")) return;
    var cell = input.closest("[data-cell]");
    var out = outOfTolerance(input);
    cell.classList.toggle("cell-defect", out);
    showCell(cell, out ? say("out_of_tolerance", "Out of tolerance") : "", null);
  });

  form.addEventListener("change", function (event) {
    var input = event.target;
    var cell = input.closest("[data-cell]");
    if (input.classList.contains("measure")) {
      if (!input.value.trim() || input.value === input.getAttribute("data-sent")) return;
      enqueue(measureEntry(input));
      showCell(cell, outOfTolerance(input) ? say("out_of_tolerance_waiting", "Out of tolerance · waiting to be sent") : say("waiting_to_send", "Waiting to be sent"), "cell-pending");
    } else if (input.type === "radio") {
      enqueue({ unit: +input.getAttribute("data-unit"), characteristic: +input.getAttribute("data-characteristic"), passed: input.value === "pass" });
      cell.classList.toggle("cell-defect", input.value === "fail");
      showCell(cell, input.value === "fail" ? say("defect_waiting", "Defect · waiting to be sent") : say("waiting_to_send", "Waiting to be sent"), "cell-pending");
    }
  });

  // "Save results" (or Enter in a field): queue what was typed and not sent yet, instead of a page load
  // that an offline tablet could not make.
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    form.querySelectorAll("input.measure").forEach(function (input) {
      if (input.value.trim() && input.value !== input.getAttribute("data-sent")) enqueue(measureEntry(input));
    });
    render(load(), true);
    flush();
  });

  // What the server already has is not sent again; what waits from before a reload shows in its cell.
  form.querySelectorAll("input.measure").forEach(function (input) { input.setAttribute("data-sent", input.value); });
  load().forEach(function (entry) {
    var cell = cellOf(entry);
    if (!cell) return;
    if ("value" in entry) {
      var input = cell.querySelector("input.measure");
      if (input) input.value = entry.value;
    } else {
      var radio = cell.querySelector('input[value="' + (entry.passed ? "pass" : "fail") + '"]');
      if (radio) radio.checked = true;
    }
    showCell(cell, say("waiting_to_send", "Waiting to be sent"), "cell-pending");
  });
  render(load());
  window.addEventListener("online", flush);
  window.addEventListener("offline", function () { render(load()); });
  setInterval(flush, 15000);
  flush();
})();
