/* The exam pages, in plain ES5 for old lab browsers.
 *
 * Proctor console (#console[data-refresh-seconds]): reload the page every few
 * seconds, but never while the proctor is in a form field or changed one in the
 * last two minutes (the next tick tries again). Without JavaScript a <noscript>
 * meta refresh does it.
 *
 * New exam (#exam-form): show only the part of the paper choice that the chosen
 * source (one paper, parallel forms, a blueprint) uses.
 */
(function () {
  "use strict";

  /* a field changed this recently (ms) still counts as being filled in */
  var IDLE_MS = 120000;
  var lastEdit = 0;

  function busy(root) {
    var active = document.activeElement;
    if (active && active !== document.body && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) {
      return true;
    }
    return new Date().getTime() - lastEdit < IDLE_MS;
  }

  function autoRefresh(root) {
    var seconds = parseInt(root.getAttribute("data-refresh-seconds"), 10);
    if (!seconds || seconds < 5) { return; }
    var markDirty = function () { lastEdit = new Date().getTime(); };
    var fields = Dom.all("input[type=text], select, textarea", root);
    for (var i = 0; i < fields.length; i += 1) {
      Dom.on(fields[i], "input", markDirty);
      Dom.on(fields[i], "change", markDirty);
      Dom.on(fields[i], "keydown", markDirty);
    }
    window.setInterval(function () {
      if (!busy(root)) { window.location.reload(); }
    }, seconds * 1000);
  }

  function sourceSwitch(form) {
    var radios = Dom.all("input[name=source]", form);
    var parts = Dom.all(".source-part", form);
    function update() {
      var chosen = "";
      for (var i = 0; i < radios.length; i += 1) {
        if (radios[i].checked) { chosen = radios[i].value; }
      }
      for (var k = 0; k < parts.length; k += 1) {
        Dom.show(parts[k], !chosen || parts[k].getAttribute("data-source") === chosen);
      }
    }
    for (var i = 0; i < radios.length; i += 1) {
      Dom.on(radios[i], "click", update);
      Dom.on(radios[i], "change", update);
    }
    update();
  }

  var console_ = document.getElementById("console");
  if (console_) { autoRefresh(console_); }
  var examForm = document.getElementById("exam-form");
  if (examForm) { sourceSwitch(examForm); }
}());
