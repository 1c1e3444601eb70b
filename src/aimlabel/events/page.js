(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("events-data").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var events = Array.prototype.slice.call(document.querySelectorAll("section.event"));
  var links = Array.prototype.slice.call(document.querySelectorAll("#event-nav a"));
  var open = null;

  function show(id) {
    var target = events.filter(function (e) { return e.id === id; })[0] || events[0];
    if (!target) { return; }
    events.forEach(function (e) { e.hidden = e !== target; });
    links.forEach(function (a) { a.classList.toggle("current", a.dataset.event === target.id); });
    document.title = "aimlabel events: " + (target.querySelector(".event-title").textContent || target.dataset.eventId);
  }

  function openCard(cardId, opener) {
    var holder = $(cardId);
    if (!holder) { return; }
    if (open) { open.hidden = true; }
    holder.hidden = false;
    open = holder;
    $("card-title").textContent = "review card: " + (holder.querySelector("article.card").dataset.id || "");
    $("card-overlay").hidden = false;
    $("card-overlay").dataset.opener = opener ? opener.closest("li.article").dataset.id : "";
    $("card-close").focus();
  }

  function closeCard() {
    if (open) { open.hidden = true; open = null; }
    $("card-overlay").hidden = true;
  }

  links.forEach(function (a) {
    a.addEventListener("click", function (ev) { ev.preventDefault(); history.replaceState(null, "", "#" + a.dataset.event); show(a.dataset.event); });
  });
  Array.prototype.slice.call(document.querySelectorAll("button.open-card")).forEach(function (b) {
    b.addEventListener("click", function () { openCard(b.dataset.card, b); });
  });
  $("card-close").addEventListener("click", closeCard);
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") { closeCard(); } });
  window.addEventListener("hashchange", function () { show(location.hash.slice(1)); });

  window.aimlabelEvents = { events: DATA.events, show: show, openCard: openCard, closeCard: closeCard };
  show(location.hash ? location.hash.slice(1) : (events[0] && events[0].id));
})();
