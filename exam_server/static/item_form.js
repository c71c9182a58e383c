/* The item pages' behaviour, in plain ES5 for old lab browsers. Everything works without it;
 * it only hides what does not apply and narrows the pickers.
 *
 *   ItemForm.initList(text)     the list: category → subject → knowledge point filters,
 *                               "select all", the bulk action's own inputs
 *   ItemForm.initEditor(text)   the editor: fields per item type, taxonomy pickers,
 *                               option rows shown as needed, option images uploaded at once
 *
 * The taxonomy comes from <script type="application/json" id="taxonomy-data">.
 * Needs dom.js.
 */
var ItemForm = (function () {
  "use strict";

  function $(selector, root) { return (root || document).querySelector(selector); }
  var $all = Dom.all, on = Dom.on, show = Dom.show;

  function readTaxonomy() { return Dom.readJson("taxonomy-data", []); }

  function find(nodes, id) {
    for (var i = 0; nodes && i < nodes.length; i += 1) {
      if (String(nodes[i].id) === String(id)) { return nodes[i]; }
    }
    return null;
  }

  /* Replace a select's options by nodes [{id, name}], keeping what was chosen where still offered. */
  function fillSelect(select, nodes, blankLabel) {
    var chosen = {}, i, option;
    for (i = 0; i < select.options.length; i += 1) {
      if (select.options[i].selected) { chosen[select.options[i].value] = true; }
    }
    while (select.options.length) { select.remove(0); }
    if (blankLabel) {
      option = document.createElement("option");
      option.value = "";
      option.text = blankLabel;
      select.options.add(option);
    }
    for (i = 0; i < nodes.length; i += 1) {
      option = document.createElement("option");
      option.value = String(nodes[i].id);
      option.text = nodes[i].name;
      option.selected = chosen[option.value] === true;
      select.options.add(option);
    }
  }

  /* Category → subject → knowledge point selects inside root, marked data-taxonomy="…". */
  function bindTaxonomy(root, tree, subjectBlank, pointBlank) {
    var category = $('[data-taxonomy="category"]', root);
    var subject = $('[data-taxonomy="subject"]', root);
    var point = $('[data-taxonomy="point"]', root);
    function subjects() {
      var node = find(tree, category.value);
      return node ? node.subjects : [];
    }
    function refreshPoints() {
      var node = find(subjects(), subject.value);
      fillSelect(point, node ? node.points : [], pointBlank);
    }
    on(category, "change", function () {
      fillSelect(subject, subjects(), subjectBlank);
      refreshPoints();
    });
    on(subject, "change", refreshPoints);
  }

  // ------------------------------------------------------------------ the list page

  function initList(text) {
    var tree = readTaxonomy();
    var form = document.getElementById("bulk-form");
    bindTaxonomy(document.getElementById("item-filters"), tree, text.all, text.all);
    var boxes = $all('input[name="item_ids"]', form);
    on(document.getElementById("check-all"), "click", function () {
      for (var i = 0; i < boxes.length; i += 1) { boxes[i].checked = this.checked; }
    });

    var action = document.getElementById("bulk-action");
    var parts = $all("[data-bulk]", form);
    function showPart() {
      for (var i = 0; i < parts.length; i += 1) { show(parts[i], parts[i].getAttribute("data-bulk") === action.value); }
    }
    on(action, "change", showPart);
    showPart();

    var subject = document.getElementById("bulk-subject"), points = document.getElementById("bulk-points");
    on(subject, "change", function () {
      for (var i = 0; i < tree.length; i += 1) {
        var node = find(tree[i].subjects, subject.value);
        if (node) { fillSelect(points, node.points, ""); return; }
      }
      fillSelect(points, [], "");
    });

    on(form, "submit", function (event) {
      var count = 0;
      for (var i = 0; i < boxes.length; i += 1) { if (boxes[i].checked) { count += 1; } }
      if (action.value === "retire" && count &&
          !window.confirm(text.confirmRetire.replace("{n}", String(count)))) {
        if (event.preventDefault) { event.preventDefault(); }
        event.returnValue = false;
      }
    });
  }

  // ------------------------------------------------------------------ the editor

  function showForType(type) {
    var parts = $all("[data-types]"), i;
    for (i = 0; i < parts.length; i += 1) {
      show(parts[i], (" " + parts[i].getAttribute("data-types") + " ").indexOf(" " + type + " ") >= 0);
    }
  }

  function rowIsUsed(row) {
    var text = $("textarea", row), image = $(".option-image-name", row);
    var marks = $all('input[type="radio"], input[type="checkbox"]', row), i;
    if (/\S/.test(text.value) || image.value) { return true; }
    for (i = 0; i < marks.length; i += 1) {
      if (marks[i].checked && marks[i].name.indexOf("pinned") < 0) { return true; }
    }
    return false;
  }

  function clearRow(row) {
    var text = $("textarea", row), marks = $all('input[type="radio"], input[type="checkbox"]', row), i;
    if (window.RichEditor) { RichEditor.setValue(text, ""); } else { text.value = ""; }
    for (i = 0; i < marks.length; i += 1) { marks[i].checked = false; }
    setImage(row, "", "");
  }

  function setImage(row, name, url) {
    $(".option-image-name", row).value = name;
    var box = $(".option-image-box", row);
    $(".option-thumb", box).src = url || "";
    show(box, !!name);
  }

  function bindOptionRows() {
    var rows = $all(".option-row"), visible = 4, i;
    for (i = 0; i < rows.length; i += 1) {
      if (rowIsUsed(rows[i])) { visible = Math.max(visible, i + 1); }
    }
    function layout() {
      for (var j = 0; j < rows.length; j += 1) { show(rows[j], j < visible); }
    }
    on(document.getElementById("add-option"), "click", function () {
      if (visible < rows.length) { visible += 1; layout(); }
    });
    on(document.getElementById("remove-option"), "click", function () {
      if (visible > 2) { visible -= 1; clearRow(rows[visible]); layout(); }
    });
    layout();
    for (i = 0; i < rows.length; i += 1) { bindOptionImage(rows[i]); }
  }

  function bindOptionImage(row) {
    var file = $(".option-file", row);
    on($(".remove-image", row), "click", function () { setImage(row, "", ""); });
    if (!window.FormData || !window.RichEditor) { return; }  // the file goes with the form instead
    on(file, "change", function () {
      var chosen = file.files && file.files[0];
      if (!chosen) { return; }
      RichEditor.upload(chosen, function (reply) { setImage(row, reply.name, reply.url); },
                        function (message) { window.alert(message); });
      file.value = "";
    });
  }

  function initEditor(text) {
    var form = document.getElementById("item-form");
    var type = document.getElementById("item-type");
    bindTaxonomy(form, readTaxonomy(), text.chooseSubject, "");
    on(type, "change", function () { showForType(type.value); });
    showForType(type.value);
    bindOptionRows();
  }

  return {initList: initList, initEditor: initEditor};
}());
