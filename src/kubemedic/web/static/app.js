// Progressive enhancement: SLA countdowns tick once a second; pages work without it.
(function () {
  function human(seconds) {
    var s = Math.abs(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    var text = h ? h + "h " + m + "m" : m ? m + "m " + Math.floor(s % 60) + "s" : Math.floor(s) + "s";
    return seconds < 0 ? text + " overdue" : text + " left";
  }
  var clocks = document.querySelectorAll("time.sla[data-left]");
  if (!clocks.length) return;
  var started = Date.now();
  setInterval(function () {
    var gone = (Date.now() - started) / 1000;
    clocks.forEach(function (el) {
      var left = Number(el.dataset.left) - gone;
      el.textContent = human(left);
      el.classList.toggle("late", left < 0);
    });
  }, 1000);
})();
