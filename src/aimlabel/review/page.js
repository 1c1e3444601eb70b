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
      if (parsed && typeof parsed === "object" && parsed.decisions) {
        if (!Array.isArray(parsed.decisions)) {  // an older page kept one decision per card
          parsed.decisions = Object.keys(parsed.decisions).map(function (id) { return parsed.decisions[id]; });
        }
        return parsed;
      }
    } catch (e) { /* storage unavailable or corrupt: start empty */ }
    return { reviewer: "", decisions: [] };
  }
  function reviewer() { return $("reviewer").value.trim(); }
  function latest(id, who) {
    for (var i = state.decisions.length - 1; i >= 0; i--) {
      var d = state.decisions[i];
      if (d.id === id && d.reviewer === who) { return d; }
    }
    return null;
  }
  function save() {
    try { window.localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { say("could not save in this browser: download your decisions"); }
  }
  function say(text) { $("message").textContent = text || ""; }

  function visible() { return cards.filter(function (c) { return !c.hidden; }); }

  function applyFilters() {
    var cls = $("f-class").value, agree = $("f-agree").value, rule = $("f-rule").value, decided = $("f-decided").value;
    var conf = $("f-conf") ? parseFloat($("f-conf").value || "0") : 0;
    var confMax = $("f-conf-max") ? parseFloat($("f-conf-max").value || "1") : 1;
    cards.forEach(function (c) {
      var ok = (!cls || c.dataset.classes.indexOf("|" + cls + "|") >= 0)
        && (!agree || c.dataset.agree === agree)
        && (!rule || c.dataset.rules.indexOf("|" + rule + "|") >= 0)
        && (!decided || (decided === "yes") === Boolean(latest(c.dataset.id, reviewer())))
        && (!conf || (c.dataset.confidence !== "" && parseFloat(c.dataset.confidence) >= conf))
        && (confMax >= 1 || c.dataset.confidence === "" || parseFloat(c.dataset.confidence) <= confMax);
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

  function describe(d) {
    var tax = d.taxonomy ? Object.keys(d.taxonomy).map(function (k) { return k + ": " + (d.taxonomy[k].length ? d.taxonomy[k].join(", ") : DATA.none); }).join("; ") : "";
    return d.classification + " (" + d.action.replace("_", " ") + " by " + d.reviewer + ")" + (tax ? " [" + tax + "]" : "") + (d.note ? " - " + d.note : "");
  }
  function renderDecision(card) {
    var id = card.dataset.id, who = reviewer();
    var mine = latest(id, who);
    var others = {};
    state.decisions.forEach(function (d) { if (d.id === id && d.reviewer !== who) { others[d.reviewer] = d; } });
    var names = Object.keys(others);
    var box = card.querySelector(".decision");
    box.textContent = (mine ? "decided: " + describe(mine) : "")
      + (names.length ? (mine ? "; " : "") + "others: " + names.map(function (n) { return describe(others[n]); }).join("; ") : "");
    card.classList.toggle("decided", Boolean(mine));
    $("ndec").textContent = String(state.decisions.length);
  }
  function renderAll() { cards.forEach(renderDecision); }

  function decide(card, action, cls, note, taxonomy, origin) {
    var who = reviewer();
    if (!who) { say("enter your reviewer id first"); $("reviewer").focus(); return false; }
    if (!cls) { say("that side has no class to accept"); return false; }
    var id = card.dataset.id;
    state.reviewer = who;
    state.decisions.push({
      decision_version: "1", id: id, action: action, classification: cls, note: note || null,
      taxonomy: taxonomy && Object.keys(taxonomy).length ? taxonomy : null, origin: origin || null,
      reviewer: who, decided_at: new Date().toISOString(), source: "review-page", review_id: DATA.review_id,
      left: { name: DATA.left.name, classification: card.dataset.left || null },
      right: DATA.right ? { name: DATA.right.name, classification: card.dataset.right || null } : null,
      article: DATA.articles[id] || null
    });
    save();
    say("");
    renderDecision(card);
    return true;
  }

  function accept(card, which) {
    var cls = which === "left" ? card.dataset.left : card.dataset.right;
    if (decide(card, "accept_" + which, cls)) { step(1); applyFilters(); }
  }

  function fieldset(field, values) {
    var box = document.createElement("fieldset");
    box.dataset.key = field.key;
    var legend = document.createElement("legend");
    legend.textContent = field.label;
    box.appendChild(legend);
    [DATA.none].concat(field.values).forEach(function (value) {
      var label = document.createElement("label");
      var input = document.createElement("input");
      input.type = field.multi ? "checkbox" : "radio";
      input.name = "tx-" + field.key;
      input.value = value;
      input.checked = value === DATA.none ? values !== null && values.length === 0 : (values || []).indexOf(value) >= 0;
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + value));
      box.appendChild(label);
    });
    box.addEventListener("change", function (ev) {
      box.classList.add("touched");
      var inputs = box.querySelectorAll("input");
      if (field.multi && ev.target.checked) {
        inputs.forEach(function (i) { if ((ev.target.value === DATA.none) !== (i.value === DATA.none)) { i.checked = false; } });
      }
    });
    return box;
  }

  function editedTaxonomy() {
    var out = {}, missing = [];
    $("edit-taxonomy").querySelectorAll("fieldset.touched").forEach(function (box) {
      var checked = Array.prototype.slice.call(box.querySelectorAll("input:checked")).map(function (i) { return i.value; });
      if (!checked.length) { missing.push(box.dataset.key); return; }
      out[box.dataset.key] = checked.filter(function (v) { return v !== DATA.none; });
    });
    return { taxonomy: out, missing: missing };
  }

  function openEditor(card) {
    editing = card;
    var id = card.dataset.id;
    var d = latest(id, reviewer());
    $("edit-id").textContent = id;
    $("edit-class").value = d ? d.classification : (card.dataset.right || card.dataset.left || DATA.classes[0]);
    $("edit-note").value = d && d.note ? d.note : "";
    var sides = DATA.taxonomy[id] || {};
    var shown = sides.right || sides.left || {};
    var box = $("edit-taxonomy");
    box.textContent = "";
    DATA.fields.forEach(function (field) {
      var mine = d && d.taxonomy && d.taxonomy[field.key];
      box.appendChild(fieldset(field, mine !== undefined && mine !== null ? mine : (shown[field.key] || null)));
    });
    $("editor").hidden = false;
    $("edit-class").focus();
  }
  function closeOverlays() { $("editor").hidden = true; $("help").hidden = true; editing = null; }

  function decisionsJsonl() {
    return state.decisions.map(function (d) { return JSON.stringify(d); }).join("\n") + (state.decisions.length ? "\n" : "");
  }

  function download() {
    var n = state.decisions.length;
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
    if (l) { l.addEventListener("click", function () { focusCard(index); accept(card, "left"); }); }
    if (r) { r.addEventListener("click", function () { focusCard(index); accept(card, "right"); }); }
    card.querySelector(".edit").addEventListener("click", function () { openEditor(card); });
  });
  ["f-class", "f-agree", "f-rule", "f-decided", "f-conf", "f-conf-max"].forEach(function (id) {
    if ($(id)) { $(id).addEventListener("input", applyFilters); $(id).addEventListener("change", applyFilters); }
  });
  $("reviewer").value = state.reviewer || "";
  renderAll();
  $("reviewer").addEventListener("change", function () { state.reviewer = reviewer(); save(); renderAll(); applyFilters(); });
  $("download").addEventListener("click", download);
  $("help-button").addEventListener("click", function () { $("help").hidden = !$("help").hidden; });
  $("edit-cancel").addEventListener("click", closeOverlays);
  $("edit-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!editing) { return; }
    var edited = editedTaxonomy();
    if (edited.missing.length) { say("choose a value or none for: " + edited.missing.join(", ")); return; }
    var origin = { classification: "manual" };
    Object.keys(edited.taxonomy).forEach(function (k) { origin[k] = "manual"; });
    if (decide(editing, "edit", $("edit-class").value, $("edit-note").value.trim(), edited.taxonomy, origin)) { closeOverlays(); applyFilters(); }
  });

  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { closeOverlays(); return; }
    var tag = (ev.target && ev.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var card;
    if (ev.key === "j") { step(1); }
    else if (ev.key === "k") { step(-1); }
    else if (ev.key === "1" && (card = currentCard())) { accept(card, "left"); }
    else if (ev.key === "2" && (card = currentCard())) { if (DATA.right) { accept(card, "right"); } }
    else if (ev.key === "e" && (card = currentCard())) { openEditor(card); }
    else if (ev.key === "?") { $("help").hidden = !$("help").hidden; }
    else { return; }
    ev.preventDefault();
  });

  window.aimlabelReview = { decisionsJsonl: decisionsJsonl, reviewId: DATA.review_id };
  applyFilters();
})();
