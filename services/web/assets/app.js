/* Progressive enhancement for the schulerfolg web pages. Every page works without this file;
   it only adds comfort where the markup asks for it with data attributes (see ASSETS.md):
     [data-rows]            add and remove rows (budget lines) without a round trip
     [data-unread-source]   live unread count and new inbox entries over Server-Sent Events
     [data-error-summary]   focus the error summary on load; its links focus their field
     [data-upload-progress] a form with a file: shows its [data-upload-status] while it is sent
   Loaded with <script src=".../site.js" defer>; no inline script anywhere (CSP). */
(function () {
  "use strict";

  var money = new Intl.NumberFormat("de-DE", { style: "currency", currency: "EUR" });
  var dateTime = new Intl.DateTimeFormat("de-DE", {
    day: "numeric",
    month: "long",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "Europe/Berlin",
  });

  function all(root, selector) {
    return Array.prototype.slice.call(root.querySelectorAll(selector));
  }

  function say(container, text) {
    var status = container.querySelector("[data-live-status]") ||
      document.querySelector("[data-live-status]");
    if (!status) return;
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function firstField(root) {
    return root.querySelector("input:not([type=hidden]), select, textarea");
  }

  /* ---- repeatable rows ------------------------------------------------------------------ */

  var ROW_ATTRIBUTES = ["id", "name", "for", "aria-describedby", "aria-labelledby", "form"];

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  // "1.234,56", "1234,5", "1234" -> cents; anything else -> null
  function parseEuro(text) {
    var value = text.replace(/[\s\u00a0€]/g, "");
    if (!/^(\d{1,3}(\.\d{3})+|\d+)(,\d{1,2})?$/.test(value)) return null;
    var parts = value.replace(/\./g, "").split(",");
    var cents = parts[1] ? Number((parts[1] + "0").slice(0, 2)) : 0;
    return Number(parts[0]) * 100 + cents;
  }

  function enhanceRows(group) {
    var prefix = group.getAttribute("data-rows");
    var list = group.querySelector("[data-rows-list]");
    var template = group.querySelector("template[data-row-template]");
    var add = group.querySelector("[data-row-add]");
    if (!prefix || !list || !template) return;
    var pattern = new RegExp("^" + escapeRegExp(prefix) + "-[^-\\s]+-");

    function rows() {
      return all(list, "[data-row]");
    }

    function renumber() {
      rows().forEach(function (row, index) {
        [row].concat(all(row, "*")).forEach(function (element) {
          ROW_ATTRIBUTES.forEach(function (attribute) {
            var value = element.getAttribute(attribute);
            if (value === null) return;
            var tokens = value.split(/\s+/).map(function (token) {
              return token.replace(pattern, prefix + "-" + index + "-");
            });
            element.setAttribute(attribute, tokens.join(" "));
          });
          if (element.hasAttribute("data-row-number")) {
            element.textContent = String(index + 1);
          }
          if (element.hasAttribute("data-row-remove")) {
            element.value = String(index);
          }
        });
      });
      total();
    }

    function total() {
      var outputs = all(group, "[data-rows-total]");
      if (!outputs.length) return;
      var sum = 0;
      var complete = true;
      all(list, "[data-amount]").forEach(function (input) {
        if (input.value.trim() === "") return;
        var cents = parseEuro(input.value);
        if (cents === null) complete = false;
        else sum += cents;
      });
      outputs.forEach(function (output) {
        output.textContent = complete ? money.format(sum / 100) : "–";
      });
    }

    group.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-row-remove]");
      if (remove && group.contains(remove)) {
        event.preventDefault();
        var row = remove.closest("[data-row]");
        var number = rows().indexOf(row) + 1;
        row.remove();
        renumber();
        say(group, "Position " + number + " entfernt.");
        if (add) add.focus();
        return;
      }
      var adding = event.target.closest("[data-row-add]");
      if (adding && group.contains(adding)) {
        event.preventDefault();
        var fresh = template.content.firstElementChild.cloneNode(true);
        list.appendChild(fresh);
        renumber();
        say(group, "Position " + rows().length + " hinzugefügt.");
        var field = firstField(fresh);
        if (field) field.focus();
      }
    });
    group.addEventListener("input", function (event) {
      if (event.target.matches("[data-amount]")) total();
    });
    renumber();
  }

  /* ---- live unread count and inbox ---------------------------------------------------------- */

  function setUnread(count) {
    all(document, "[data-unread-count]").forEach(function (element) {
      element.textContent = String(count);
    });
    all(document, "[data-unread-badge]").forEach(function (element) {
      element.hidden = count <= 0;
    });
  }

  function currentUnread() {
    var element = document.querySelector("[data-unread-count]");
    var count = element ? parseInt(element.textContent, 10) : 0;
    return isNaN(count) ? 0 : count;
  }

  function safeLink(link) {
    return typeof link === "string" && /^\/(?!\/)/.test(link) ? link : null;
  }

  function showNotification(entry) {
    var list = document.querySelector("[data-inbox-list]");
    var template = document.querySelector("template[data-inbox-template]");
    if (!list || !template || !entry.id) return;
    if (list.querySelector('[data-notification-id="' + CSS.escape(String(entry.id)) + '"]')) return;
    var item = template.content.firstElementChild.cloneNode(true);
    item.setAttribute("data-notification-id", String(entry.id));
    all(item, "[data-slot]").forEach(function (slot) {
      var name = slot.getAttribute("data-slot");
      if (name === "link") {
        var href = safeLink(entry.link);
        if (href) slot.setAttribute("href", href);
      } else if (name === "created_at" && entry.created_at) {
        var when = new Date(entry.created_at);
        slot.textContent = isNaN(when) ? entry.created_at : dateTime.format(when);
        if (slot.tagName === "TIME") slot.setAttribute("datetime", entry.created_at);
      } else if (entry[name] !== undefined && entry[name] !== null) {
        slot.textContent = String(entry[name]);
      }
    });
    list.insertBefore(item, list.firstElementChild);
    all(document, "[data-inbox-empty]").forEach(function (element) {
      element.hidden = true;
    });
  }

  function listenForUnread(element) {
    var url = element.getAttribute("data-unread-source");
    if (!url || typeof window.EventSource !== "function") return;
    var source = new EventSource(url);
    source.addEventListener("unread", function (event) {
      try {
        var data = JSON.parse(event.data);
        if (typeof data.unread === "number") setUnread(data.unread);
      } catch (error) { /* not ours */ }
    });
    source.addEventListener("notification", function (event) {
      var entry;
      try { entry = JSON.parse(event.data); } catch (error) { return; }
      if (!entry.read) setUnread(currentUnread() + 1);
      showNotification(entry);
      if (entry.title) say(document, "Neue Benachrichtigung: " + entry.title);
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  /* ---- error summary -------------------------------------------------------------------- */

  function enhanceErrorSummary(summary) {
    if (!summary.hasAttribute("tabindex")) summary.setAttribute("tabindex", "-1");
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest('a[href^="#"]');
      if (!link) return;
      var target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!target) return;
      event.preventDefault();
      var fieldset = target.closest("fieldset");
      var label = document.querySelector('label[for="' + CSS.escape(target.id) + '"]');
      var legend = fieldset && fieldset.querySelector("legend");
      var anchor = (target.type === "checkbox" || target.type === "radio") && legend ? legend : label;
      (anchor || target).scrollIntoView();
      target.focus({ preventScroll: true });
    });
  }

  /* ---- upload progress ------------------------------------------------------------------ */

  function enhanceUpload(form) {
    var status = form.querySelector("[data-upload-status]");
    if (!status) return;
    form.addEventListener("submit", function () { status.hidden = false; });
  }

  function start() {
    all(document, "[data-upload-progress]").forEach(enhanceUpload);
    all(document, "[data-rows]").forEach(enhanceRows);
    if (document.querySelector("[data-unread-count]")) setUnread(currentUnread());
    var live = document.querySelector("[data-unread-source]");
    if (live) listenForUnread(live);
    var summary = document.querySelector("[data-error-summary]");
    if (summary) enhanceErrorSummary(summary);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
