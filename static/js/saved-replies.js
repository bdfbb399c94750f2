/* Optional: put a saved reply into the reply box without reloading the page. Without
   this file each "Use" link reloads the reply form with that reply filled in (the same
   text: the server fills in the placeholders for this comment either way). */
(function () {
  "use strict";
  var box = document.getElementById("comment");
  var status = document.getElementById("saved-reply-status");
  if (!box) { return; }
  // Where the moderator last left the cursor; until they touch the box, the end.
  var touched = false;
  box.addEventListener("focus", function () { touched = true; });

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-saved-reply]") : null;
    if (!link) { return; }
    event.preventDefault();
    var text = link.getAttribute("data-text") || "";
    var value = box.value;
    var start = touched ? box.selectionStart : value.length;
    var end = touched ? box.selectionEnd : value.length;
    var before = value.slice(0, start);
    var after = value.slice(end);
    // Typed words and the saved reply stay separate paragraphs.
    if (before.trim()) { before = before.replace(/\s*$/, "\n\n"); }
    if (after.trim()) { after = after.replace(/^\s*/, "\n\n"); }
    box.value = before + text + after;
    var caret = (before + text).length;
    box.focus();
    box.setSelectionRange(caret, caret);
    if (status) {
      status.textContent = "“" + (link.getAttribute("data-title") || "") + "” is in your reply.";
    }
  });
}());
