/* Optional: the moderation queue without page reloads, "select all", a live count of
   what is selected, and keyboard shortcuts after WordPress's (j/k, a, s, t, r, x, u, ?).
   Without this file every control still works by a plain POST and redirect. */
(function () {
  "use strict";

  var live = document.getElementById("moderation-live");
  var current = null; // the row the keyboard is on
  var busy = false;

  function queuePage() { return document.getElementById("queue-page"); }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("li.queue-row")); }
  function boxes() { return Array.prototype.slice.call(document.querySelectorAll("li.queue-row input[name=ids]")); }
  function shortcutsOn() {
    var page = queuePage();
    return page !== null && page.getAttribute("data-shortcuts") === "on";
  }

  function announce(text) {
    if (!live) { return; }
    live.textContent = "";
    // A fresh text node after a tick, so that the same sentence twice is read twice.
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  /* --- Selection ------------------------------------------------------------------- */

  function updateCount() {
    var all = boxes();
    var chosen = all.filter(function (box) { return box.checked; }).length;
    document.querySelectorAll("[data-selected-count]").forEach(function (el) {
      el.textContent = chosen + " selected";
    });
    var selectAll = document.getElementById("select-all");
    if (selectAll) {
      selectAll.checked = all.length > 0 && chosen === all.length;
      selectAll.indeterminate = chosen > 0 && chosen < all.length;
    }
  }

  function enhance() {
    // The checkbox replaces the "Select all" link (which reloads the page pre-checked).
    document.querySelectorAll(".select-all__box").forEach(function (el) { el.hidden = false; });
    document.querySelectorAll(".select-all__link").forEach(function (el) { el.hidden = true; });
    if (shortcutsOn()) {
      var help = document.getElementById("shortcuts");
      if (help) { help.hidden = false; }
    }
    updateCount();
    if (current && !document.body.contains(current)) { current = null; }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.id === "select-all") {
      boxes().forEach(function (box) { box.checked = target.checked; });
    }
    if (target.id === "select-all" || target.name === "ids") { updateCount(); }
  });

  /* --- Actions in place -------------------------------------------------------------- */

  // The rows an action is about to change: the row of its button, or the selected ones.
  function actedIds(submitter) {
    var row = submitter && submitter.closest("li.queue-row");
    if (row) { return [row.getAttribute("data-comment")]; }
    if (submitter && submitter.name === "action") {
      return boxes().filter(function (box) { return box.checked; }).map(function (box) { return box.value; });
    }
    return [];
  }

  // As the server does: the row after the first one acted on, else the last one before.
  function nextRowId(acted) {
    var ids = rows().map(function (row) { return row.getAttribute("data-comment"); });
    var first = ids.findIndex(function (id) { return acted.indexOf(id) !== -1; });
    if (first === -1) { return null; }
    var after = ids.slice(first).filter(function (id) { return acted.indexOf(id) === -1; });
    if (after.length) { return after[0]; }
    var before = ids.slice(0, first).filter(function (id) { return acted.indexOf(id) === -1; });
    return before.length ? before[before.length - 1] : null;
  }

  function inPlace(form, submitter) {
    if (!form.matches(".bulk-form, .undo-form, .order-form")) { return false; }
    if (submitter && submitter.hasAttribute("formaction")) { return true; }
    // Deleting shows a confirmation page first: that one is a page of its own.
    var chosen = form.querySelector("[name=chosen_action]");
    return !(submitter && submitter.value === "chosen" && chosen && chosen.value === "delete");
  }

  function swapIn(doc) {
    var fresh = doc.getElementById("queue-page");
    var old = queuePage();
    if (!fresh || !old) { return false; }
    old.replaceWith(document.importNode(fresh, true));
    // The notices (with their Undo button) and the pending count in the site menu.
    var main = document.getElementById("main");
    document.querySelectorAll("#main > .flashes").forEach(function (el) { el.remove(); });
    var notices = doc.querySelector("#main > .flashes");
    if (notices) {
      notices.querySelectorAll("[role=status]").forEach(function (el) { el.removeAttribute("role"); });
      main.insertBefore(document.importNode(notices, true), queuePage());
    }
    var badge = document.querySelector(".site-nav .badge");
    var freshBadge = doc.querySelector(".site-nav .badge");
    if (badge && freshBadge) { badge.replaceWith(document.importNode(freshBadge, true)); }
    document.title = doc.title;
    enhance();
    return notices;
  }

  function submitInPlace(form, submitter) {
    var acted = actedIds(submitter);
    var next = nextRowId(acted);
    // Not form.action: the bulk buttons are named "action", which shadows it.
    var action = submitter && submitter.hasAttribute("formaction") ? submitter.formAction
      : new URL(form.getAttribute("action"), window.location.href).href;
    var data = new FormData(form, submitter || undefined);
    var before = rows().map(function (row) { return row.id; });
    busy = true;
    fetch(action, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (text) { return { response: response, text: text }; });
      })
      .then(function (result) {
        var doc = new DOMParser().parseFromString(result.text, "text/html");
        var notices = swapIn(doc);
        if (notices === false) { // not the queue: show that page as a browser would
          window.location.assign(result.response.url);
          return;
        }
        var url = result.response.url.split("#")[0];
        // After an Undo, the comment that came back; after an action, the row after it.
        var back = rows().filter(function (row) { return before.indexOf(row.id) === -1; })[0];
        var target = (next && document.getElementById("queue-" + next)) ||
          (acted.length ? null : back) || rows()[0] || null;
        window.history.replaceState(null, "", target ? url + "#" + target.id : url);
        if (target) { setCurrent(target); } else { (document.getElementById("main")).focus(); }
        if (notices) {
          var text = notices.textContent.replace(/\s*Undo\s*$/, "").replace(/\s+/g, " ").trim();
          var canUndo = notices.querySelector("[data-undo]") !== null;
          announce(text + (canUndo && shortcutsOn() ? " Undo with u." : ""));
        }
      })
      .catch(function () {
        // The network failed: let the browser post the form itself.
        form.setAttribute("data-plain", "yes");
        form.requestSubmit(submitter || undefined);
      })
      .finally(function () { busy = false; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.getAttribute("data-plain") === "yes" || !queuePage()) { return; }
    var submitter = event.submitter || null;
    if (!inPlace(form, submitter)) { return; }
    event.preventDefault();
    if (!busy) { submitInPlace(form, submitter); }
  });

  /* --- Keyboard shortcuts ------------------------------------------------------------ */

  function setCurrent(row) {
    if (current) { current.classList.remove("is-current"); }
    current = row;
    row.classList.add("is-current");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  // A row focused otherwise (a click, Tab, a link to #queue-12) becomes the current one.
  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (target.matches && target.matches("li.queue-row") && target !== current) {
      if (current) { current.classList.remove("is-current"); }
      current = target;
      current.classList.add("is-current");
    }
  });

  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var at = current ? all.indexOf(current) : -1;
    var to = at === -1 ? (step > 0 ? 0 : all.length - 1) : Math.min(Math.max(at + step, 0), all.length - 1);
    setCurrent(all[to]);
  }

  function press(selector) {
    var control = document.querySelector(selector);
    if (control) { control.click(); }
    return control !== null;
  }

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    if (target.isContentEditable) { return true; }
    var tag = target.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select") { return true; }
    if (tag !== "input") { return false; }
    return ["checkbox", "radio", "button", "submit", "reset"].indexOf(target.type) === -1;
  }

  function toggleHelp(open) {
    var list = document.getElementById("shortcuts-list");
    if (!list) { return; }
    list.open = open === undefined ? !list.open : open;
    if (list.open) { list.querySelector("summary").focus(); }
  }

  var rowKeys = { a: "approve", s: "spam", t: "trash" };

  document.addEventListener("keydown", function (event) {
    if (!shortcutsOn() || event.ctrlKey || event.altKey || event.metaKey) { return; }
    if (typing(event.target) || event.defaultPrevented) { return; }
    var key = event.key;
    var lower = key.length === 1 ? key.toLowerCase() : key;
    var handled = true;
    if (key === "Escape") {
      var list = document.getElementById("shortcuts-list");
      handled = list !== null && list.open;
      if (handled) { toggleHelp(false); }
    } else if (key === "?") {
      toggleHelp();
    } else if (key === "j") {
      move(1);
    } else if (key === "k") {
      move(-1);
    } else if (event.shiftKey && rowKeys[lower]) {
      handled = press(".bulk-bar--top [data-bulk=" + rowKeys[lower] + "]");
    } else if (busy) {
      handled = false;
    } else if (rowKeys[key] && current) {
      handled = press("#" + current.id + " [data-action=" + rowKeys[key] + "]");
    } else if (key === "r" && current) {
      handled = press("#" + current.id + " [data-action=reply]");
    } else if (key === "x" && current) {
      var box = current.querySelector("input[name=ids]");
      box.checked = !box.checked;
      updateCount();
      announce("Comment " + current.getAttribute("data-comment") + (box.checked ? " selected." : " unselected."));
    } else if (key === "u") {
      handled = press(".flashes [data-undo]");
      if (!handled) { announce("Nothing to undo."); }
    } else {
      handled = false;
    }
    if (handled) { event.preventDefault(); }
  });

  // A row the page was opened at (#queue-12, after an action) is where the keys start.
  document.addEventListener("DOMContentLoaded", function () {
    enhance();
    var start = window.location.hash && document.getElementById(window.location.hash.slice(1));
    if (start && start.matches("li.queue-row")) {
      current = start;
      start.classList.add("is-current");
    }
  });
}());
