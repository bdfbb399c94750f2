/* Optional: count down the minutes left to edit or delete one's own comment. Without
   this file the page shows the minutes left when it was loaded, and the server refuses
   kindly once the time has passed. */
(function () {
  "use strict";
  var counters = Array.prototype.slice.call(document.querySelectorAll("[data-seconds-left]"));
  if (!counters.length) { return; }
  var loaded = Date.now();

  function tick() {
    var elapsed = (Date.now() - loaded) / 1000;
    counters.forEach(function (counter) {
      var left = Number(counter.getAttribute("data-seconds-left")) - elapsed;
      if (left > 0) {
        counter.textContent = Math.ceil(left / 60) + " min left";
        return;
      }
      // Time is up: the Edit and Delete links beside a comment go; a form says so.
      var controls = counter.closest(".comment__own");
      if (controls) {
        controls.remove();
      } else {
        counter.textContent = "no time left";
      }
    });
  }

  tick();
  window.setInterval(tick, 15000);
}());
