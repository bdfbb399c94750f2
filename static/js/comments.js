/* Optional: move the reply form under the comment being answered. Without this file
   the "Reply" links load ?replyto=<id>#respond, which does the same on the server. */
(function () {
  "use strict";
  var respond = document.getElementById("respond");
  if (!respond) { return; }
  var form = respond.querySelector("form");
  var parentField = document.getElementById("parent_id");
  var title = document.getElementById("reply-title");
  var home = document.createElement("div");
  respond.parentNode.insertBefore(home, respond);
  var originalTitle = "Leave a Reply";

  function cancelLink() {
    var existing = document.getElementById("cancel-reply");
    if (existing) { return existing; }
    var p = document.createElement("p");
    p.className = "respond__cancel";
    var a = document.createElement("a");
    a.id = "cancel-reply";
    a.href = "#respond";
    a.textContent = "Cancel reply";
    p.appendChild(a);
    title.parentNode.insertBefore(p, title.nextSibling);
    return a;
  }

  function cancel(event) {
    if (event) { event.preventDefault(); }
    parentField.value = "";
    title.textContent = originalTitle;
    var link = document.getElementById("cancel-reply");
    if (link) { link.parentNode.remove(); }
    home.parentNode.insertBefore(respond, home.nextSibling);
    form.querySelector("textarea").focus();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.reply-link");
    if (link) {
      event.preventDefault();
      var article = link.closest("article");
      article.parentNode.insertBefore(respond, article.nextSibling);
      parentField.value = link.getAttribute("data-reply-to");
      title.textContent = "Replying to " + link.getAttribute("data-reply-name");
      cancelLink().addEventListener("click", cancel);
      form.querySelector("textarea").focus();
      return;
    }
  });

  var existingCancel = document.getElementById("cancel-reply");
  if (existingCancel) { existingCancel.addEventListener("click", cancel); }
}());
