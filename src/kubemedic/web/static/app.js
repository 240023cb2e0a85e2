// Progressive enhancement; every page works without it.
// - SLA countdowns tick once a second.
// - Live updates: the page listens to /api/v1/events (server-sent events named "record").
//   The approvals page swaps in its fresh content (unless focus is inside it: then it says so);
//   a record's page offers a reload when that record changed. After a dropped connection the
//   browser reconnects with the last event's id and the server replays what was missed, or
//   sends "reload" when it cannot: a list swaps in its fresh content, a record's page offers
//   a reload. No EventSource, a 404 or a server that keeps failing: the page stays as it is.
(function () {
  "use strict";

  function human(seconds) {
    var s = Math.abs(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    var text = h ? h + "h " + m + "m" : m ? m + "m " + Math.floor(s % 60) + "s" : Math.floor(s) + "s";
    return seconds < 0 ? text + " overdue" : text + " left";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.sla[data-left]").forEach(function (el) {
      if (!el.dataset.shownAt) el.dataset.shownAt = String(now);
      var left = Number(el.dataset.left) - (now - Number(el.dataset.shownAt)) / 1000;
      el.textContent = human(left);
      el.classList.toggle("late", left < 0);
    });
  }

  function notice(text) {
    var region = document.getElementById("live");
    if (!region) return;
    region.textContent = text + " ";
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = "Reload";
    button.addEventListener("click", function () { window.location.reload(); });
    region.appendChild(button);
  }

  function swap(main) {
    if (main.contains(document.activeElement) && document.activeElement !== main) {
      notice("The list changed.");
      return;
    }
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (answer) {
        if (!answer.ok) throw new Error(String(answer.status));
        return answer.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
        if (!fresh || fresh.dataset.live !== main.dataset.live) throw new Error("not the page");
        main.innerHTML = fresh.innerHTML;
        tick();
      })
      .catch(function () { notice("The list changed."); });
  }

  function listen(main) {
    var mode = main.dataset.live, record = main.dataset.record;
    if (!mode || typeof window.EventSource !== "function") return;
    var source, failures = 0, pending = null;
    try {
      source = new EventSource("/api/v1/events");
    } catch (e) {
      return;
    }
    function refresh() {
      if (pending) clearTimeout(pending);
      pending = setTimeout(function () { pending = null; swap(main); }, 300);
    }
    source.addEventListener("open", function () { failures = 0; });
    source.addEventListener("error", function () {
      failures += 1;
      // CLOSED: the endpoint answered with an error (404, 401): the browser will not retry.
      if (source.readyState === EventSource.CLOSED || failures >= 5) source.close();
    });
    source.addEventListener("record", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (mode === "notice") {
        var shown = document.getElementById("state");
        if (record && data.id === record && !(shown && shown.textContent === data.state)) {
          notice(data.id + " changed: it is now " + data.state + ".");
        }
        return;
      }
      refresh();
    });
    source.addEventListener("reload", function () {
      if (mode === "notice") notice("The records changed while this page was not listening.");
      else refresh();
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  tick();
  setInterval(tick, 1000);
  var main = document.getElementById("main");
  if (main) listen(main);
})();
