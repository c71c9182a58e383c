/* The exam page, in plain ES5 for old lab browsers. Everything goes through /api/v1:
 *
 * - start or resume the attempt (POST /exams/{id}/attempts), render its items by section;
 * - every change is written to localStorage first (one entry per slot, the latest, with a seq
 *   from one strictly increasing counter per attempt), then sent in the background
 *   (PUT /attempts/{aid}/responses/{slot}); an entry leaves localStorage only when the server
 *   answers with a seq at least as high. Network errors and 5xx are retried with exponential
 *   backoff and jitter; on reload, entries newer than the server's are shown again and re-sent;
 * - the countdown runs on the server's clock (offset measured on every reply), and a ping
 *   every 20 s without a save keeps the deadline (a proctor's added time) current;
 * - 交卷 lists the unanswered items, uploads what is queued, then submits.
 *
 * All words come from the page (#exam-config .strings), translated on the server.
 */
(function () {
  "use strict";

  var config = Dom.readJson("exam-config", null);
  if (!config) { return; }
  var S = config.strings;

  var TEXT_DEBOUNCE_MS = 800;
  var FIRST_RETRY_MS = 1000;
  var MAX_RETRY_MS = (config.max_retry_seconds || 30) * 1000;
  var PING_AFTER_MS = (config.ping_after_seconds || 20) * 1000;
  var REQUEST_TIMEOUT_MS = 20000;
  var FLUSH_TIMEOUT_MS = 15000;

  // ------------------------------------------------------------------ small helpers

  function byId(id) { return document.getElementById(id); }

  /* "还剩 {n} 分钟" with values filled in. */
  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (whole, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function make(tag, className, text) {
    var element = document.createElement(tag);
    if (className) { element.className = className; }
    if (text !== undefined && text !== null) { element.appendChild(document.createTextNode(text)); }
    return element;
  }

  function setText(element, text) {
    if (!element) { return; }
    while (element.firstChild) { element.removeChild(element.firstChild); }
    if (text) { element.appendChild(document.createTextNode(text)); }
  }

  function hasClass(element, name) { return (" " + element.className + " ").indexOf(" " + name + " ") >= 0; }

  function toggleClass(element, name, on) {
    if (!element) { return; }
    var present = hasClass(element, name);
    if (on && !present) {
      element.className = (element.className ? element.className + " " : "") + name;
    } else if (!on && present) {
      element.className = (" " + element.className + " ").replace(" " + name + " ", " ").replace(/^\s+|\s+$/g, "");
    }
  }

  function stop(event) {
    if (!event) { return; }
    if (event.preventDefault) { event.preventDefault(); } else { event.returnValue = false; }
  }

  function keys(object) {
    var list = [];
    for (var key in object) { if (Object.prototype.hasOwnProperty.call(object, key)) { list.push(key); } }
    return list;
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function randomId() {
    var hex = "", bytes, k;
    if (window.crypto && window.crypto.getRandomValues) {
      bytes = new Uint8Array(16);
      window.crypto.getRandomValues(bytes);
      for (k = 0; k < bytes.length; k++) { hex += (bytes[k] < 16 ? "0" : "") + bytes[k].toString(16); }
    } else {
      for (k = 0; k < 32; k++) { hex += Math.floor(Math.random() * 16).toString(16); }
    }
    return "pc-" + hex;
  }

  // ------------------------------------------------------------------ local storage (memory when it fails)

  var store = (function () {
    var memory = {}, local = null;
    try {
      local = window.localStorage;
      local.setItem("exam.probe", "1");
      local.removeItem("exam.probe");
    } catch (ignored) { local = null; }

    function get(key) {
      var raw = Object.prototype.hasOwnProperty.call(memory, key) ? memory[key] : null;
      if (raw === null && local) {
        try { raw = local.getItem(key); } catch (ignored) { raw = null; }
      }
      if (raw === null || raw === undefined) { return null; }
      try { return JSON.parse(raw); } catch (ignored) { return null; }
    }

    function set(key, value) {
      var raw = JSON.stringify(value);
      memory[key] = raw;
      if (local) {
        try { local.setItem(key, raw); } catch (ignored) { /* full: the copy in memory still counts */ }
      }
    }

    function remove(key) {
      delete memory[key];
      if (local) { try { local.removeItem(key); } catch (ignored) { /* nothing to do */ } }
    }

    return {ok: local !== null, get: get, set: set, remove: remove};
  }());

  var device = store.get("exam.device");
  if (typeof device !== "string" || !/^[A-Za-z0-9-]{8,64}$/.test(device)) {
    device = randomId();
    store.set("exam.device", device);
  }

  var csrfMeta = document.querySelector ? document.querySelector("meta[name=csrf-token]") : null;
  var csrfToken = csrfMeta ? csrfMeta.getAttribute("content") : "";

  // ------------------------------------------------------------------ HTTP

  /* Statuses worth trying again: no answer at all, a timeout, the server overloaded or restarting. */
  function retryable(status) { return status === 0 || status === 408 || status === 429 || status >= 500; }

  function errorOf(data) {
    return data && data.error ? data.error : {code: "", message: S.network_error};
  }

  /* done(status, data, sentAt, receivedAt); status 0 means no (usable) answer. */
  function call(method, url, body, done) {
    var xhr = new XMLHttpRequest();
    var sentAt = new Date().getTime();
    var finished = false;

    function finish(status, data) {
      if (finished) { return; }
      finished = true;
      done(status, data, sentAt, new Date().getTime());
    }

    xhr.open(method, url, true);
    try { xhr.timeout = REQUEST_TIMEOUT_MS; } catch (ignored) { /* old browsers: no timeout */ }
    xhr.setRequestHeader("Content-Type", "application/json");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrfToken);
    xhr.setRequestHeader("X-Device-Id", device);
    xhr.ontimeout = function () { finish(0, null); };
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) { return; }
      var data = null, status = xhr.status;
      try { data = JSON.parse(xhr.responseText); } catch (ignored) { data = null; }
      if (data === null || typeof data !== "object") {
        // not our JSON (a proxy's error page, a cut-off reply): as good as no answer
        status = status >= 500 ? status : 0;
      }
      finish(status, data);
    };
    try {
      xhr.send(body === undefined || body === null ? null : JSON.stringify(body));
    } catch (ignored) {
      setTimeout(function () { finish(0, null); }, 0);
    }
  }

  // ------------------------------------------------------------------ the server's clock

  var clockOffset = 0;      // server time minus this PC's clock, in ms
  var deadline = null;      // the attempt's deadline, server ms
  var notified = {five: false, one: false};

  function serverNow() { return new Date().getTime() + clockOffset; }

  /* Every reply that carries the server's time or the deadline moves the countdown. */
  function sync(data, sentAt, receivedAt) {
    if (!data) { return; }
    var server = data.server_time ? Date.parse(data.server_time) : NaN;
    if (!isNaN(server)) { clockOffset = server - (sentAt + receivedAt) / 2; }
    var end = data.deadline ? Date.parse(data.deadline) : NaN;
    if (!isNaN(end)) { setDeadline(end); }
  }

  function setDeadline(end) {
    var before = deadline;
    deadline = end;
    if (before !== null && end > before + 1000) {
      if (finishing && end > serverNow()) { resumeAfterTimeUp(); }
      showNotice(S.time_added);
    }
    tick();
  }

  function clock(ms) {
    var total = Math.max(0, Math.ceil(ms / 1000));
    var hours = Math.floor(total / 3600), minutes = Math.floor((total % 3600) / 60), seconds = total % 60;
    return (hours ? hours + ":" + pad(minutes) : pad(minutes)) + ":" + pad(seconds);
  }

  function wallClock(ms) {
    var moment = new Date(ms);
    return pad(moment.getHours()) + ":" + pad(moment.getMinutes()) + ":" + pad(moment.getSeconds());
  }

  // ------------------------------------------------------------------ page elements

  var ui = {
    banner: byId("exam-banner"), notice: byId("exam-notice"), loading: byId("exam-loading"),
    start: byId("exam-start"), startForm: byId("exam-start-form"), startError: byId("exam-start-error"),
    startButton: byId("exam-start-button"), codeField: byId("exam-code-field"), code: byId("exam-code"),
    paper: byId("exam-paper"), items: byId("exam-items"), side: byId("exam-side"), timer: byId("exam-timer"),
    saveState: byId("exam-save-state"), grid: byId("exam-grid"), submit: byId("exam-submit"),
    dialog: byId("exam-dialog"), dialogTitle: byId("exam-dialog-title"), dialogBody: byId("exam-dialog-body"),
    dialogButtons: byId("exam-dialog-buttons")
  };

  /* A message at the top of the page, with an optional link (to the result, the login page…). */
  function showBanner(message, linkText, linkUrl) {
    setText(ui.banner, message);
    if (linkText && linkUrl) {
      var link = make("a", "btn small", linkText);
      link.href = linkUrl;
      ui.banner.appendChild(document.createTextNode(" "));
      ui.banner.appendChild(link);
    }
    Dom.show(ui.banner, true);
    if (window.scrollTo) { window.scrollTo(0, 0); }
  }

  function showNotice(message) {
    setText(Dom.all(".exam-notice-text", ui.notice)[0], message);
    Dom.show(ui.notice, true);
  }

  Dom.on(Dom.all(".exam-notice-close", ui.notice)[0], "click", function () { Dom.show(ui.notice, false); });

  /* The modal: a title, lines of text and buttons [{text, primary, action}] (no buttons: busy). */
  function dialog(title, lines, buttons) {
    setText(ui.dialogTitle, title);
    setText(ui.dialogBody, "");
    for (var k = 0; k < lines.length; k++) {
      if (lines[k]) { ui.dialogBody.appendChild(make("p", lines[k].className || "", lines[k].text || lines[k])); }
    }
    var holder = ui.dialogButtons;
    setText(holder, "");
    for (k = 0; k < (buttons || []).length; k++) {
      (function (spec) {
        var button = make("button", "btn" + (spec.primary ? " primary" : ""), spec.text);
        button.setAttribute("type", "button");
        if (spec.id) { button.id = spec.id; }
        Dom.on(button, "click", function () { spec.action(); });
        holder.appendChild(button);
      }(buttons[k]));
    }
    Dom.show(ui.dialog, true);
    var first = Dom.all("button", holder)[0];
    if (first && first.focus) { first.focus(); }
  }

  function closeDialog() { Dom.show(ui.dialog, false); }

  // ------------------------------------------------------------------ state

  var attempt = null;       // the attempt's state from the server
  var attemptUrl = "";
  var entries = {};         // slot -> {item, element, inputs, state, gridButton, flagButton, ...}
  var slots = [];           // slot numbers in order
  var queue = {};           // slot -> {response, seq}: saves the server has not acknowledged
  var holds = {};           // slot -> timer: text being typed, sent when the typing pauses
  var seq = 0;              // the last seq handed out
  var flags = {};           // slot -> true
  var inflight = null;      // {slot, seq} being sent
  var retryTimer = null;
  var backoff = FIRST_RETRY_MS;
  var connected = true;
  var lastContact = new Date().getTime();
  var lastPing = 0;
  var pingThreshold = PING_AFTER_MS;
  var pinging = false;
  var lastSaved = null;     // server ms of the last acknowledged save
  var halted = false;       // nothing more is sent (closed, another PC, logged out…)
  var finishing = false;    // time is up: inputs locked, waiting for the server to finalise
  var finishTimer = null;
  var flushWaiters = [];
  var ticker = null;

  function queueKey() { return "exam.queue." + attempt.id; }
  function seqKey() { return "exam.seq." + attempt.id; }
  function flagsKey() { return "exam.flags." + attempt.id; }

  function saveQueue() { store.set(queueKey(), queue); }

  function pendingCount() { return keys(queue).length; }

  /* The next seq: above every one this PC handed out for the attempt (also in another tab). */
  function nextSeq() {
    var stored = store.get(seqKey());
    if (typeof stored === "number" && stored > seq) { seq = stored; }
    seq += 1;
    store.set(seqKey(), seq);
    return seq;
  }

  function forget() {
    store.remove(queueKey());
    store.remove(seqKey());
    store.remove(flagsKey());
  }

  function resultUrl() { return config.result_url.replace("{id}", attempt.id); }

  // ------------------------------------------------------------------ responses

  function collect(entry) {
    var inputs = entry.inputs, k, values = [];
    var type = entry.item.type;
    if (type === "single" || type === "truefalse") {
      for (k = 0; k < inputs.length; k++) { if (inputs[k].checked) { return {choice: inputs[k].value}; } }
      return {choice: null};
    }
    if (type === "multiple") {
      for (k = 0; k < inputs.length; k++) { if (inputs[k].checked) { values.push(inputs[k].value); } }
      values.sort();
      return {choices: values};
    }
    if (type === "blank") {
      for (k = 0; k < inputs.length; k++) { values.push(inputs[k].value); }
      return {blanks: values};
    }
    return {text: inputs.length ? inputs[0].value : ""};
  }

  function apply(entry, response) {
    var inputs = entry.inputs, k;
    var type = entry.item.type;
    response = response || {};
    if (type === "single" || type === "truefalse") {
      for (k = 0; k < inputs.length; k++) { inputs[k].checked = inputs[k].value === response.choice; }
    } else if (type === "multiple") {
      var chosen = response.choices || [];
      for (k = 0; k < inputs.length; k++) {
        var on = false;
        for (var j = 0; j < chosen.length; j++) { if (chosen[j] === inputs[k].value) { on = true; } }
        inputs[k].checked = on;
      }
    } else if (type === "blank") {
      var blanks = response.blanks || [];
      for (k = 0; k < inputs.length; k++) { inputs[k].value = typeof blanks[k] === "string" ? blanks[k] : ""; }
    } else if (inputs.length) {
      inputs[0].value = typeof response.text === "string" ? response.text : "";
    }
  }

  /* As the server judges it: a cleared choice or empty blanks are not an answer. */
  function answered(response) {
    if (!response) { return false; }
    if (response.choice !== undefined && response.choice !== null) { return true; }
    if (response.choices && response.choices.length) { return true; }
    var k, blanks = response.blanks || [];
    for (k = 0; k < blanks.length; k++) { if (String(blanks[k]).replace(/\s+/g, "")) { return true; } }
    return !!String(response.text || "").replace(/\s+/g, "");
  }

  // ------------------------------------------------------------------ rendering

  var LONE_PARAGRAPH = /^<p>((?:(?!<\/?p[ >])[\s\S])*)<\/p>$/;

  function setHtml(element, html, inline) {
    var match = inline ? LONE_PARAGRAPH.exec(html || "") : null;
    element.innerHTML = match ? match[1] : (html || "");
  }

  function textNodes(node, into) {
    for (var child = node.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === 3) { into.push(child); } else if (child.nodeType === 1) { textNodes(child, into); }
    }
    return into;
  }

  /* Puts an input where each "____" of the stem is, as on a printed paper, when the runs match the
   * blanks one for one (the same rule as the teacher's preview); false otherwise. */
  function inlineBlanks(stem, count, makeInput) {
    var nodes = textNodes(stem, []), total = 0, k, index = 0;
    for (k = 0; k < nodes.length; k++) {
      var runs = nodes[k].nodeValue.match(/_{3,}/g);
      total += runs ? runs.length : 0;
    }
    if (total !== count || count === 0) { return false; }
    for (k = 0; k < nodes.length; k++) {
      var parts = nodes[k].nodeValue.split(/_{3,}/);
      if (parts.length < 2) { continue; }
      var fragment = document.createDocumentFragment();
      for (var p = 0; p < parts.length; p++) {
        if (parts[p]) { fragment.appendChild(document.createTextNode(parts[p])); }
        if (p < parts.length - 1) { fragment.appendChild(makeInput(index)); index += 1; }
      }
      nodes[k].parentNode.replaceChild(fragment, nodes[k]);
    }
    return true;
  }

  function sectionHeading(section, order) {
    var box = make("div", "exam-section");
    var type = S.types[section.type] || section.type;
    box.appendChild(make("h2", "exam-section-heading", fill(S.section_heading, {
      n: S.numerals[order - 1] || order, type: type, count: section.count, points: section.points_each
    })));
    var notes = [];
    if (section.instruction) { notes.push(section.instruction); }
    if (section.type === "multiple" && section.rule && S.rules[section.rule]) { notes.push(S.rules[section.rule]); }
    if (notes.length) { box.appendChild(make("p", "exam-section-note muted", notes.join(" "))); }
    return box;
  }

  function choiceList(entry, item) {
    var list = make("ul", "options");
    var kind = item.type === "multiple" ? "checkbox" : "radio";
    for (var k = 0; k < item.options.length; k++) {
      var option = item.options[k];
      var li = make("li", "option");
      var label = make("label");
      var input = document.createElement("input");
      input.setAttribute("type", kind);
      input.name = "slot-" + item.slot;
      input.value = option.id;
      label.appendChild(input);
      if (item.type !== "truefalse") { label.appendChild(make("span", "option-id", " " + option.id + ". ")); }
      var text = make("span", "option-text");
      setHtml(text, option.text, true);
      label.appendChild(text);
      li.appendChild(label);
      if (option.image) {
        var holder = make("div", "option-image");
        var image = document.createElement("img");
        image.src = option.image;
        image.alt = fill(S.option_image, {id: option.id});
        holder.appendChild(image);
        li.appendChild(holder);
      }
      list.appendChild(li);
      entry.inputs.push(input);
      Dom.on(input, "click", function () { changed(entry, false); });
      Dom.on(input, "change", function () { changed(entry, false); });
    }
    return list;
  }

  function textInput(entry, multiline, label) {
    var input = document.createElement(multiline ? "textarea" : "input");
    if (multiline) {
      input.className = "short-answer";
      input.rows = 8;
    } else {
      input.setAttribute("type", "text");
      input.className = "blank-input";
      input.setAttribute("autocomplete", "off");
    }
    input.name = "slot-" + entry.item.slot;
    input.setAttribute("aria-label", label);
    entry.inputs.push(input);
    Dom.on(input, "input", function () { changed(entry, true); });
    Dom.on(input, "keyup", function () { changed(entry, true); });
    Dom.on(input, "change", function () { changed(entry, false); });
    Dom.on(input, "blur", function () { changed(entry, false); });
    return input;
  }

  function itemElement(item) {
    var entry = {item: item, inputs: [], answered: false, error: "", saved: false, lastKey: null};
    var box = make("div", "item item-" + item.type + " item-exam");
    box.id = "item-" + item.slot;
    box.setAttribute("data-slot", item.slot);
    var head = make("div", "item-head");
    head.appendChild(make("span", "number", item.slot + "."));
    head.appendChild(make("span", "item-points", fill(S.points, {points: item.points})));
    entry.state = make("span", "item-state");
    head.appendChild(entry.state);
    entry.flagButton = make("button", "btn small item-flag", S.flag);
    entry.flagButton.setAttribute("type", "button");
    Dom.on(entry.flagButton, "click", function () { toggleFlag(item.slot); });
    head.appendChild(entry.flagButton);
    box.appendChild(head);

    var stem = make("div", "stem");
    setHtml(stem, item.stem, false);
    box.appendChild(stem);

    if (item.type === "single" || item.type === "multiple" || item.type === "truefalse") {
      box.appendChild(choiceList(entry, item));
    } else if (item.type === "blank") {
      var count = item.blanks || 0;
      var inline = inlineBlanks(stem, count, function (index) {
        return textInput(entry, false, fill(S.blank_label, {n: index + 1}));
      });
      if (!inline) {
        var blanks = make("div", "blanks");
        for (var k = 0; k < count; k++) {
          var label = make("label", "blank", "（" + (k + 1) + "）");
          label.appendChild(textInput(entry, false, fill(S.blank_label, {n: k + 1})));
          blanks.appendChild(label);
        }
        box.appendChild(blanks);
      }
    } else {
      var holder = make("div", "short");
      holder.appendChild(textInput(entry, true, S.answer_label));
      box.appendChild(holder);
    }
    entry.element = box;
    return entry;
  }

  function renderPaper(sections, items) {
    var bySection = {}, k, current = null, order = 0;
    for (k = 0; k < sections.length; k++) { bySection[sections[k].index] = sections[k]; }
    setText(ui.items, "");
    setText(ui.grid, "");
    for (k = 0; k < items.length; k++) {
      var item = items[k];
      if (current === null || current.index !== item.section) {
        order += 1;
        var section = bySection[item.section] || {type: item.type, points_each: item.points, count: 0};
        current = {index: item.section, element: sectionHeading(section, order)};
        ui.items.appendChild(current.element);
      }
      var entry = itemElement(item);
      current.element.appendChild(entry.element);
      entries[item.slot] = entry;
      slots.push(item.slot);
      ui.grid.appendChild(gridButton(entry));
    }
  }

  function gridButton(entry) {
    var slot = entry.item.slot;
    var button = make("button", "grid-slot", String(slot));
    button.setAttribute("type", "button");
    button.setAttribute("data-slot", slot);
    button.title = fill(S.slot, {n: slot});
    Dom.on(button, "click", function () {
      if (entry.element.scrollIntoView) { entry.element.scrollIntoView(true); }
      var first = entry.inputs[0];
      if (first && first.focus && !first.disabled) { try { first.focus(); } catch (ignored) { /* hidden */ } }
    });
    entry.gridButton = button;
    return button;
  }

  function toggleFlag(slot) {
    if (flags[slot]) { delete flags[slot]; } else { flags[slot] = true; }
    store.set(flagsKey(), flags);
    showItem(slot);
  }

  /* One item's marks: answered / flagged in the grid, its save state by the item. */
  function showItem(slot) {
    var entry = entries[slot];
    if (!entry) { return; }
    var flagged = !!flags[slot];
    toggleClass(entry.gridButton, "answered", entry.answered);
    toggleClass(entry.gridButton, "flagged", flagged);
    toggleClass(entry.element, "flagged", flagged);
    setText(entry.flagButton, flagged ? S.unflag : S.flag);
    var state = "", kind = "";
    if (entry.error) {
      state = entry.error; kind = "error";
    } else if (queue[slot]) {
      state = connected ? S.saving : S.offline_item; kind = connected ? "saving" : "offline";
    } else if (entry.saved) {
      state = S.saved; kind = "saved";
    }
    setText(entry.state, state);
    entry.state.className = "item-state" + (kind ? " state-" + kind : "");
  }

  /* The global save state by the countdown. */
  function showStatus() {
    var count = pendingCount(), text = "", kind = "";
    if (count && !connected) {
      text = S.offline + fill(S.pending_count, {n: count}); kind = "offline";
    } else if (count) {
      text = S.saving; kind = "saving";
    } else if (lastSaved !== null) {
      text = fill(S.saved_at, {time: wallClock(lastSaved)}); kind = "saved";
    }
    setText(ui.saveState, text);
    ui.saveState.className = "exam-save-state" + (kind ? " state-" + kind : "");
    if (finishing) { showTimeUp(); }
  }

  function lockInputs(locked) {
    for (var k = 0; k < slots.length; k++) {
      var inputs = entries[slots[k]].inputs;
      for (var j = 0; j < inputs.length; j++) { inputs[j].disabled = locked; }
    }
    ui.submit.disabled = locked;
  }

  // ------------------------------------------------------------------ saving

  /* A control changed: store the new response locally at once; typing is sent when it pauses. */
  function changed(entry, typing) {
    if (halted || finishing || !attempt) { return; }
    var slot = entry.item.slot;
    var response = collect(entry);
    var key = JSON.stringify(response);
    if (key !== entry.lastKey) {
      entry.lastKey = key;
      entry.answered = answered(response);
      entry.error = "";
      queue[slot] = {response: response, seq: nextSeq()};
      saveQueue();
    }
    if (holds[slot]) { clearTimeout(holds[slot]); delete holds[slot]; }
    if (typing && queue[slot]) {
      holds[slot] = setTimeout(function () { delete holds[slot]; pump(); }, TEXT_DEBOUNCE_MS);
    }
    showItem(slot);
    showStatus();
    pump();
  }

  /* The queued slot to send next: the oldest change not being typed. */
  function nextToSend() {
    var best = null, list = keys(queue);
    for (var k = 0; k < list.length; k++) {
      if (holds[list[k]]) { continue; }
      if (best === null || queue[list[k]].seq < queue[best].seq) { best = list[k]; }
    }
    return best;
  }

  function reachable() {
    connected = true;
    backoff = FIRST_RETRY_MS;
    lastContact = new Date().getTime();
  }

  function pump() {
    if (inflight || retryTimer || halted || !attempt) { return; }
    var slot = nextToSend();
    if (slot === null) {
      showStatus();
      if (!pendingCount()) { settleFlush(true); }
      return;
    }
    var sent = queue[slot];
    inflight = {slot: slot, seq: sent.seq};
    call("PUT", attemptUrl + "/responses/" + slot, {response: sent.response, seq: sent.seq},
      function (status, data, sentAt, receivedAt) {
        inflight = null;
        if (status === 200 && data) {
          sync(data, sentAt, receivedAt);
          reachable();
          var current = queue[slot];
          if (current && typeof data.seq === "number" && data.seq >= current.seq) {
            delete queue[slot];
            saveQueue();
          }
          entries[slot].saved = true;
          lastSaved = serverNow();
          showItem(slot);
          showStatus();
          pump();
        } else if (retryable(status)) {
          connected = false;
          retryLater();
          settleFlush(false);  // whoever waits for the upload hears now that it cannot be done yet
          showAll();
        } else {
          refusedSave(status, data, slot);
        }
      });
  }

  function retryLater() {
    if (retryTimer) { return; }
    var delay = Math.min(backoff, MAX_RETRY_MS);
    delay += Math.random() * Math.min(3000, delay * 0.25);
    backoff = Math.min(backoff * 2, MAX_RETRY_MS);
    retryTimer = setTimeout(function () { retryTimer = null; pump(); }, delay);
  }

  /* Try at once (the network is back, the student wants to submit): the backoff starts over. */
  function retryNow() {
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    backoff = FIRST_RETRY_MS;
    pump();
  }

  function showAll() {
    for (var k = 0; k < slots.length; k++) { showItem(slots[k]); }
    showStatus();
  }

  /* A save the server answered with an error: final for that save, or for the page. */
  function refusedSave(status, data, slot) {
    var error = errorOf(data);
    if (error.code === "deadline_passed" || error.code === "attempt_closed") {
      closed(error.message);
      return;
    }
    if (status === 422 || (status === 409 && error.code !== "device_locked")) {
      reachable();
      if (queue[slot]) { delete queue[slot]; saveQueue(); }
      entries[slot].error = error.message;
      showItem(slot);
      showStatus();
      pump();
      return;
    }
    refusedPage(status, error);
  }

  /* Nothing more can be sent from this page; what is queued stays in this PC's storage. */
  function refusedPage(status, error) {
    if (status === 401) {
      halt(S.login_again, S.login, config.login_url);
    } else if (error.code === "csrf") {
      halt(S.reload, null, null);
    } else {
      halt(error.message, S.to_list, config.list_url);
    }
  }

  function halt(message, linkText, linkUrl) {
    halted = true;
    lockInputs(true);
    closeDialog();
    settleFlush(false);
    showBanner(message, linkText, linkUrl);
    showAll();
  }

  /* The attempt was submitted (by the server at the deadline, a proctor, or this page): go to the result. */
  function closed(message) {
    halted = true;
    lockInputs(true);
    settleFlush(false);
    // what is still queued stays on this PC: were the attempt reopened, this page would send it then
    if (message) {
      showBanner(message, S.to_result, resultUrl());
      dialog(S.submit_title, [message], [{text: S.to_result, primary: true, action: goToResult}]);
      setTimeout(goToResult, 3000);
    } else {
      goToResult();
    }
  }

  function goToResult() { window.location.href = resultUrl(); }

  /* Calls done(true) once every queued save is acknowledged, done(false) after timeoutMs. */
  function flush(timeoutMs, done) {
    for (var slot in holds) {
      if (Object.prototype.hasOwnProperty.call(holds, slot)) { clearTimeout(holds[slot]); }
    }
    holds = {};
    var waiter = {done: done};
    waiter.timer = setTimeout(function () { finishWaiter(waiter, false); }, timeoutMs);
    flushWaiters.push(waiter);
    retryNow();
  }

  function finishWaiter(waiter, ok) {
    var index = -1;
    for (var k = 0; k < flushWaiters.length; k++) { if (flushWaiters[k] === waiter) { index = k; } }
    if (index < 0) { return; }
    flushWaiters.splice(index, 1);
    clearTimeout(waiter.timer);
    waiter.done(ok);
  }

  function settleFlush(ok) {
    var waiting = flushWaiters.slice();
    for (var k = 0; k < waiting.length; k++) { finishWaiter(waiting[k], ok); }
  }

  // ------------------------------------------------------------------ ping and countdown

  function ping(done) {
    if (halted) { return; }
    if (pinging) {  // one at a time: the caller hears back a little later
      if (done) { setTimeout(function () { done(0); }, 1000); }
      return;
    }
    pinging = true;
    lastPing = new Date().getTime();
    pingThreshold = PING_AFTER_MS - Math.random() * 3000;
    call("POST", attemptUrl + "/ping", {}, function (status, data, sentAt, receivedAt) {
      pinging = false;
      if (status === 200 && data) {
        reachable();
        sync(data, sentAt, receivedAt);
        if (data.status !== "open") {
          closed(finishing ? null : S.closed);
          return;
        }
        if (pendingCount()) { retryNow(); }
        showAll();
      } else if (retryable(status)) {
        connected = false;
        showAll();
      } else {
        refusedPage(status, errorOf(data));
      }
      if (done) { done(status); }
    });
  }

  function tick() {
    if (!attempt || deadline === null) { return; }
    var left = deadline - serverNow();
    setText(ui.timer, clock(left));
    toggleClass(ui.timer, "warning", left <= 5 * 60000);
    if (left > 5 * 60000) { notified.five = false; }
    if (left > 60000) { notified.one = false; }
    if (!halted && !finishing) {
      if (left <= 5 * 60000 && !notified.five) {
        notified.five = true;
        if (left > 4 * 60000) { showNotice(S.five_minutes); }
      }
      if (left <= 60000 && !notified.one) {
        notified.one = true;
        if (left > 20000) { showNotice(S.one_minute); }
      }
      if (left <= 0) { timeUp(); }
      var now = new Date().getTime();
      if (now - Math.max(lastContact, lastPing) >= pingThreshold) { ping(); }
    }
  }

  // ------------------------------------------------------------------ time up

  function showTimeUp() {
    var count = pendingCount();
    dialog(S.submit_title, [count && !connected ? fill(S.time_up_unsent, {n: count}) : S.time_up], []);
  }

  /* At 0: lock the answers, upload what is queued (the server takes saves during its grace time),
   * then wait for the server to finalise the attempt and show the result. */
  function timeUp() {
    finishing = true;
    lockInputs(true);
    Dom.show(ui.notice, false);
    showTimeUp();
    flush(1000 * ((config.grace_seconds || 0) + 5), function () { showStatus(); });
    waitForFinal();
  }

  function waitForFinal() {
    if (!finishing || halted) { return; }
    var past = serverNow() - deadline, grace = (config.grace_seconds || 0) * 1000;
    var delay = past < grace ? Math.min(10000, grace - past + 1000) : 2000;
    finishTimer = setTimeout(function () {
      finishTimer = null;
      if (!finishing || halted) { return; }
      ping(function () { waitForFinal(); });
    }, delay + Math.random() * 2000);
  }

  function resumeAfterTimeUp() {
    finishing = false;
    if (finishTimer) { clearTimeout(finishTimer); finishTimer = null; }
    closeDialog();
    lockInputs(false);
  }

  // ------------------------------------------------------------------ submitting

  function slotList(list) { return list.join(S.list_separator); }

  function askSubmit() {
    if (halted || finishing || !attempt) { return; }
    var missing = [], flagged = [];
    for (var k = 0; k < slots.length; k++) {
      if (!entries[slots[k]].answered) { missing.push(slots[k]); }
      if (flags[slots[k]]) { flagged.push(slots[k]); }
    }
    var lines = [missing.length ? {text: fill(S.submit_unanswered, {slots: slotList(missing)}),
                                   className: "submit-unanswered"} : S.submit_all_answered];
    if (flagged.length) { lines.push({text: fill(S.submit_flagged, {slots: slotList(flagged)}), className: "submit-flagged"}); }
    lines.push(S.submit_warning);
    dialog(S.submit_title, lines, [
      {text: S.submit_confirm, primary: true, id: "exam-confirm-submit", action: uploadThenSubmit},
      {text: S.submit_cancel, action: closeDialog}
    ]);
  }

  function uploadThenSubmit() {
    dialog(S.submit_title, [S.submit_flushing], []);
    flush(FLUSH_TIMEOUT_MS, function (ok) {
      if (halted) { return; }
      if (ok) {
        sendSubmit();
        return;
      }
      dialog(S.submit_title, [{text: fill(S.submit_unsent, {n: pendingCount()}), className: "error"}], [
        {text: S.submit_retry, primary: true, action: uploadThenSubmit},
        {text: S.submit_anyway, action: sendSubmit},
        {text: S.submit_cancel, action: closeDialog}
      ]);
    });
  }

  function sendSubmit() {
    dialog(S.submit_title, [S.submitting], []);
    call("POST", attemptUrl + "/submit", {}, function (status, data) {
      if (status === 200 && data && data.status === "submitted") {
        halted = true;
        if (!pendingCount()) { forget(); }
        goToResult();
        return;
      }
      var error = errorOf(data);
      if (retryable(status) || status === 409 || status === 422) {
        dialog(S.submit_title, [{text: fill(S.submit_failed, {message: error.message}), className: "error"}], [
          {text: S.submit_confirm, primary: true, action: uploadThenSubmit},
          {text: S.submit_cancel, action: closeDialog}
        ]);
        return;
      }
      refusedPage(status, error);
    });
  }

  // ------------------------------------------------------------------ starting

  var startBackoff = FIRST_RETRY_MS;

  function startFailed(message, showCode) {
    Dom.show(ui.loading, false);
    Dom.show(ui.start, true);
    if (showCode) { Dom.show(ui.codeField, true); }
    setText(ui.startError, message);
    ui.startButton.disabled = false;
    if (showCode && ui.code.focus) { ui.code.focus(); }
  }

  function start(code) {
    ui.startButton.disabled = true;
    setText(ui.startError, "");
    call("POST", config.start_url, {device: device, access_code: code || ""},
      function (status, data, sentAt, receivedAt) {
        if ((status === 200 || status === 201) && data && data.attempt) {
          begin(data, sentAt, receivedAt);
          return;
        }
        if (retryable(status)) {
          setText(ui.loading, S.start_failed);
          if (!config.resume) { startFailed(S.start_failed, false); ui.startButton.disabled = true; }
          setTimeout(function () { start(code); }, startBackoff + Math.random() * 1000);
          startBackoff = Math.min(startBackoff * 2, MAX_RETRY_MS);
          return;
        }
        var error = errorOf(data);
        if (status === 401) {
          startFailed(error.message, false);
          showBanner(S.login_again, S.login, config.login_url);
          return;
        }
        startFailed(error.message, error.code === "access_code");
      });
  }

  function begin(data, sentAt, receivedAt) {
    attempt = data.attempt;
    attemptUrl = config.attempt_url.replace("{id}", attempt.id);
    if (attempt.status !== "open") { goToResult(); return; }
    renderPaper(data.sections || [], data.items || []);

    var serverSeq = {}, highest = 0, k, slot;
    var responses = attempt.responses || [];
    for (k = 0; k < responses.length; k++) {
      slot = responses[k].slot;
      if (!entries[slot]) { continue; }
      serverSeq[slot] = responses[k].seq;
      highest = Math.max(highest, responses[k].seq);
      apply(entries[slot], responses[k].response);
      entries[slot].saved = true;
    }
    // what this PC had not got acknowledged (a crash, a reload while offline) comes back and is re-sent
    var local = store.get(queueKey());
    var counter = store.get(seqKey());
    seq = Math.max(highest, typeof counter === "number" ? counter : 0);
    if (local && typeof local === "object") {
      var pending = keys(local);
      for (k = 0; k < pending.length; k++) {
        slot = pending[k];
        var saved = local[slot];
        if (!entries[slot] || !saved || typeof saved.seq !== "number" || !saved.response) { continue; }
        if (saved.seq > (serverSeq[slot] || 0)) {
          queue[slot] = {response: saved.response, seq: saved.seq};
          apply(entries[slot], saved.response);
          seq = Math.max(seq, saved.seq);
        }
      }
    }
    store.set(seqKey(), seq);
    saveQueue();
    flags = store.get(flagsKey()) || {};

    for (k = 0; k < slots.length; k++) {
      var entry = entries[slots[k]];
      var response = collect(entry);
      entry.lastKey = JSON.stringify(response);
      entry.answered = answered(response);
    }

    Dom.show(ui.loading, false);
    Dom.show(ui.start, false);
    Dom.show(ui.paper, true);
    Dom.show(ui.side, true);
    toggleClass(byId("exam-app"), "exam-running", true);
    placeSide();
    if (!store.ok) { showBanner(S.storage_unavailable); }
    sync(attempt, sentAt, receivedAt);
    reachable();
    showAll();
    ticker = setInterval(tick, 500);
    tick();
    pump();
  }

  /* The side panel starts under the top bar and keeps to the top of the window once that scrolls away. */
  function placeSide() {
    if (!ui.side) { return; }
    var scrolled = window.pageYOffset || document.documentElement.scrollTop || 0;
    ui.side.style.top = Math.max(0, SIDE_TOP - scrolled) + "px";
  }

  var topbar = Dom.all(".topbar")[0];
  var SIDE_TOP = topbar ? topbar.offsetHeight : 0;
  Dom.on(window, "scroll", placeSide);
  Dom.on(ui.startForm, "submit", function (event) {
    stop(event);
    start(ui.code ? ui.code.value : "");
  });
  Dom.on(ui.submit, "click", askSubmit);
  Dom.on(window, "online", function () { if (attempt && !halted) { retryNow(); } });

  if (config.resume) { start(""); }
}());
