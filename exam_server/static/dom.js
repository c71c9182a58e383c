/* Small DOM helpers shared by the page scripts, in plain ES5 for old lab browsers
 * (addEventListener with an attachEvent fallback, no querySelector chaining tricks).
 */
var Dom = (function () {
  "use strict";

  function all(selector, root) { return (root || document).querySelectorAll(selector); }

  function on(element, event, handler) {
    if (!element) { return; }
    if (element.addEventListener) {
      element.addEventListener(event, handler, false);
    } else {
      element.attachEvent("on" + event, function () { handler.call(element, window.event); });
    }
  }

  function show(element, visible) { if (element) { element.style.display = visible ? "" : "none"; } }

  /* The JSON in <script type="application/json" id="...">, or fallback when absent or broken. */
  function readJson(id, fallback) {
    var holder = document.getElementById(id);
    try { return JSON.parse(holder.text || holder.innerHTML); } catch (ignored) { return fallback; }
  }

  return {all: all, on: on, show: show, readJson: readJson};
}());
