(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("review-data").textContent);
  var KEY = "aimlabel-review:" + DATA.review_id;
  var cards = Array.prototype.slice.call(document.querySelectorAll("article.card"));
  var byId = {};
  cards.forEach(function (c) { byId[c.dataset.id] = c; });
  var state = load();
  var current = -1;
  var editing = null;
  var $ = function (id) { return document.getElementById(id); };

  function load() {
    try {
      var raw = window.localStorage.getItem(KEY);
      var parsed = raw ? JSON.parse(raw) : null;
      if (parsed && typeof parsed === "object" && parsed.decisions) { return parsed; }
    } catch (e) { /* storage unavailable or corrupt: start empty */ }
    return { reviewer: "", decisions: {} };
  }
  function save() {
    try { window.localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { say("could not save in this browser: download your decisions"); }
  }
  function say(text) { $("message").textContent = text || ""; }

  function visible() { return cards.filter(function (c) { return !c.hidden; }); }

  function applyFilters() {
    var cls = $("f-class").value, agree = $("f-agree").value, rule = $("f-rule").value, decided = $("f-decided").value;
    var conf = $("f-conf") ? parseFloat($("f-conf").value || "0") : 0;
    cards.forEach(function (c) {
      var ok = (!cls || c.dataset.classes.indexOf("|" + cls + "|") >= 0)
        && (!agree || c.dataset.agree === agree)
        && (!rule || c.dataset.rules.indexOf("|" + rule + "|") >= 0)
        && (!decided || (decided === "yes") === Boolean(state.decisions[c.dataset.id]))
        && (!conf || (c.dataset.confidence !== "" && parseFloat(c.dataset.confidence) >= conf));
      c.hidden = !ok;
    });
    $("shown").textContent = "showing " + visible().length + " of " + cards.length;
    var list = visible();
    if (current >= 0 && cards[current] && cards[current].hidden) { focusCard(list.length ? cards.indexOf(list[0]) : -1); }
  }

  function focusCard(index) {
    if (current >= 0 && cards[current]) { cards[current].classList.remove("current"); }
    current = index;
    if (index < 0) { return; }
    var card = cards[index];
    card.classList.add("current");
    card.focus({ preventScroll: true });
    card.scrollIntoView({ block: "start" });
  }

  function step(delta) {
    var list = visible();
    if (!list.length) { return; }
    var at = list.indexOf(cards[current]);
    var next = at < 0 ? (delta > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, at + delta));
    focusCard(cards.indexOf(list[next]));
  }

  function currentCard() {
    if (current < 0 || !cards[current] || cards[current].hidden) { step(1); }
    return current >= 0 ? cards[current] : null;
  }

  function renderDecision(card) {
    var d = state.decisions[card.dataset.id];
    var box = card.querySelector(".decision");
    box.textContent = d ? "decided: " + d.classification + " (" + d.action.replace("_", " ") + " by " + d.reviewer + ")" + (d.note ? " - " + d.note : "") : "";
    card.classList.toggle("decided", Boolean(d));
    $("ndec").textContent = String(Object.keys(state.decisions).length);
  }

  function decide(card, action, cls, note) {
    var reviewer = $("reviewer").value.trim();
    if (!reviewer) { say("enter your reviewer id first"); $("reviewer").focus(); return false; }
    if (!cls) { say("that side has no class to accept"); return false; }
    var id = card.dataset.id;
    state.reviewer = reviewer;
    state.decisions[id] = {
      decision_version: "1", id: id, action: action, classification: cls, note: note || null,
      reviewer: reviewer, decided_at: new Date().toISOString(), source: "review-page", review_id: DATA.review_id,
      left: { name: DATA.left.name, classification: card.dataset.left || null },
      right: DATA.right ? { name: DATA.right.name, classification: card.dataset.right || null } : null,
      article: DATA.articles[id] || null
    };
    save();
    say("");
    renderDecision(card);
    return true;
  }

  function openEditor(card) {
    editing = card;
    var d = state.decisions[card.dataset.id];
    $("edit-id").textContent = card.dataset.id;
    $("edit-class").value = d ? d.classification : (card.dataset.right || card.dataset.left || DATA.classes[0]);
    $("edit-note").value = d && d.note ? d.note : "";
    $("editor").hidden = false;
    $("edit-class").focus();
  }
  function closeOverlays() { $("editor").hidden = true; $("help").hidden = true; editing = null; }

  function decisionsJsonl() {
    return Object.keys(state.decisions).map(function (id) { return JSON.stringify(state.decisions[id]); }).join("\n") + (Object.keys(state.decisions).length ? "\n" : "");
  }

  function download() {
    var n = Object.keys(state.decisions).length;
    if (!n) { say("no decisions yet"); return; }
    var blob = new Blob([decisionsJsonl()], { type: "application/x-ndjson" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "decisions-" + DATA.review_id.slice(7, 19) + ".jsonl";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    say("downloaded " + n + " decision(s): import them with aimlabel review import");
  }

  cards.forEach(function (card, index) {
    card.addEventListener("click", function () { if (current !== index) { focusCard(index); } });
    var l = card.querySelector(".accept-left"), r = card.querySelector(".accept-right");
    if (l) { l.addEventListener("click", function () { decide(card, "accept_left", card.dataset.left); }); }
    if (r) { r.addEventListener("click", function () { decide(card, "accept_right", card.dataset.right); }); }
    card.querySelector(".edit").addEventListener("click", function () { openEditor(card); });
    renderDecision(card);
  });
  ["f-class", "f-agree", "f-rule", "f-decided", "f-conf"].forEach(function (id) {
    if ($(id)) { $(id).addEventListener("input", applyFilters); $(id).addEventListener("change", applyFilters); }
  });
  $("reviewer").value = state.reviewer || "";
  $("reviewer").addEventListener("change", function () { state.reviewer = $("reviewer").value.trim(); save(); });
  $("download").addEventListener("click", download);
  $("help-button").addEventListener("click", function () { $("help").hidden = !$("help").hidden; });
  $("edit-cancel").addEventListener("click", closeOverlays);
  $("edit-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (editing && decide(editing, "edit", $("edit-class").value, $("edit-note").value.trim())) { closeOverlays(); applyFilters(); }
  });

  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { closeOverlays(); return; }
    var tag = (ev.target && ev.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var card;
    if (ev.key === "j") { step(1); }
    else if (ev.key === "k") { step(-1); }
    else if (ev.key === "1" && (card = currentCard())) { decide(card, "accept_left", card.dataset.left); }
    else if (ev.key === "2" && (card = currentCard())) { if (DATA.right) { decide(card, "accept_right", card.dataset.right); } }
    else if (ev.key === "e" && (card = currentCard())) { openEditor(card); }
    else if (ev.key === "?") { $("help").hidden = !$("help").hidden; }
    else { return; }
    ev.preventDefault();
  });

  window.aimlabelReview = { decisionsJsonl: decisionsJsonl, reviewId: DATA.review_id };
  applyFilters();
})();
