/* The blueprint grid (双向细目表) editor, in plain ES5 for old lab browsers. The page works
 * without it (spare empty rows, every field shown); this adds:
 *
 *   - add and remove rows of the sections and constraints tables, renumbering the inputs
 *     (sections-0-count, sections-1-count, …) so WTForms reads them in order;
 *   - the running totals (items, points) and each section's subtotal;
 *   - the multiple-choice rule shown only on 多选 rows;
 *   - each constraint's knowledge points narrowed to its subject;
 *   - only the chosen difficulty target's inputs shown.
 *
 *   BlueprintGrid.init(text)   text: {"allPoints": "全部", "confirmRemove": "删除这一行？"}
 *
 * The category's taxonomy comes from <script type="application/json" id="taxonomy-data">.
 * Needs dom.js.
 */
var BlueprintGrid = (function () {
  "use strict";

  var ROW_NAME = /^(sections|constraints)-\d+-/;
  var text = {};
  var taxonomy = {subjects: []};

  var $all = Dom.all, on = Dom.on, show = Dom.show;

  function targetOf(event) { return event.target || event.srcElement; }

  function hasClass(element, name) {
    return element && (" " + element.className + " ").indexOf(" " + name + " ") >= 0;
  }

  function closest(element, tagName) {
    while (element && element.tagName !== tagName) { element = element.parentNode; }
    return element;
  }

  function readTaxonomy() { return Dom.readJson("taxonomy-data", {subjects: []}); }

  function fieldOf(row, suffix) {
    var inputs = $all("input, select, textarea", row), i;
    for (i = 0; i < inputs.length; i += 1) {
      if (inputs[i].name && inputs[i].name.slice(-suffix.length - 1) === "-" + suffix) { return inputs[i]; }
    }
    return null;
  }

  function number(value) {
    var n = parseFloat(value);
    return isNaN(n) ? 0 : n;
  }

  function format(n) { return String(Math.round(n * 100) / 100); }

  /* ------------------------------------------------------------ rows */

  function renumber(table) {
    var rows = table.tBodies[0].rows, i, j, inputs, prefix = table.getAttribute("data-prefix");
    for (i = 0; i < rows.length; i += 1) {
      rows[i].id = (prefix === "sections" ? "section-row-" : "constraint-row-") + i;
      inputs = $all("input, select, textarea", rows[i]);
      for (j = 0; j < inputs.length; j += 1) {
        if (ROW_NAME.test(inputs[j].name)) {
          inputs[j].name = inputs[j].name.replace(ROW_NAME, prefix + "-" + i + "-");
          inputs[j].id = inputs[j].name;
        }
      }
      $all(".row-number", rows[i])[0].innerHTML = String(i + 1);
    }
  }

  function clearRow(row) {
    var inputs = $all("input, select, textarea", row), errors = $all(".error", row), i;
    for (i = 0; i < inputs.length; i += 1) {
      if (inputs[i].tagName === "SELECT") {
        inputs[i].selectedIndex = 0;
      } else {
        inputs[i].value = "";
      }
    }
    for (i = errors.length - 1; i >= 0; i -= 1) { errors[i].parentNode.removeChild(errors[i]); }
    row.className = row.className.replace(/\s*has-error/g, "");
    var cells = row.cells;
    for (i = 0; i < cells.length; i += 1) { cells[i].className = cells[i].className.replace(/\s*has-error/g, ""); }
  }

  function addRow(table) {
    var body = table.tBodies[0], last = body.rows[body.rows.length - 1];
    var copy = last.cloneNode(true);
    clearRow(copy);
    body.appendChild(copy);
    renumber(table);
    refreshRow(copy);
    refreshTotals();
  }

  function removeRow(row) {
    var table = closest(row, "TABLE");
    if (!window.confirm(text.confirmRemove || "?")) { return; }
    if (table.tBodies[0].rows.length > 1) {
      row.parentNode.removeChild(row);
      renumber(table);
    } else {
      clearRow(row);
      refreshRow(row);
    }
    refreshTotals();
  }

  /* ------------------------------------------------------------ sections: rule and totals */

  function refreshRow(row) {
    var type = fieldOf(row, "type"), boxes = $all(".rule-box", row), i;
    for (i = 0; i < boxes.length; i += 1) { show(boxes[i], type && type.value === "multiple"); }
    var subject = fieldOf(row, "subject");
    if (subject) { narrowPoints(row); }
  }

  function refreshTotals() {
    var table = document.getElementById("section-rows");
    if (!table) { return; }
    var rows = table.tBodies[0].rows, items = 0, points = 0, i, count, each, cell;
    for (i = 0; i < rows.length; i += 1) {
      count = Math.round(number(fieldOf(rows[i], "count").value));
      each = number(fieldOf(rows[i], "points_each").value);
      items += count;
      points += count * each;
      cell = $all(".subtotal", rows[i])[0];
      if (cell) { cell.innerHTML = count && each ? format(count * each) : ""; }
    }
    document.getElementById("total-items").innerHTML = String(items);
    document.getElementById("total-points").innerHTML = format(points);
  }

  /* ------------------------------------------------------------ constraints: subject → knowledge points */

  function pointsOf(subjectName) {
    var subjects = taxonomy.subjects || [], i, names = [];
    for (i = 0; i < subjects.length; i += 1) {
      if (subjects[i].name === subjectName) {
        for (var j = 0; j < subjects[i].points.length; j += 1) { names.push(subjects[i].points[j].name); }
      }
    }
    return names;
  }

  function narrowPoints(row) {
    var subject = fieldOf(row, "subject"), point = fieldOf(row, "knowledge_point");
    if (!subject || !point) { return; }
    var chosen = point.value, names = pointsOf(subject.value), option, i;
    while (point.firstChild) { point.removeChild(point.firstChild); }
    option = document.createElement("option");
    option.value = "";
    option.text = text.allPoints || "";
    point.appendChild(option);
    for (i = 0; i < names.length; i += 1) {
      option = document.createElement("option");
      option.value = names[i];
      option.text = names[i];
      option.selected = names[i] === chosen;
      point.appendChild(option);
    }
  }

  /* ------------------------------------------------------------ difficulty target */

  function refreshDifficulty() {
    var radios = $all(".difficulty-mode"), parts = $all(".difficulty-part"), mode = "none", i;
    for (i = 0; i < radios.length; i += 1) { if (radios[i].checked) { mode = radios[i].value; } }
    for (i = 0; i < parts.length; i += 1) { show(parts[i], parts[i].getAttribute("data-mode") === mode); }
  }

  /* ------------------------------------------------------------ wiring */

  function init(labels) {
    var form = document.getElementById("blueprint-form"), rows, radios, hints, buttons, i;
    if (!form) { return; }
    text = labels || {};
    taxonomy = readTaxonomy();

    on(form, "click", function (event) {
      var element = targetOf(event);
      if (hasClass(element, "add-row")) {
        addRow(document.getElementById(element.getAttribute("data-table")));
      } else if (hasClass(element, "remove-row")) {
        removeRow(closest(element, "TR"));
      }
    });
    on(form, "change", function (event) {
      var element = targetOf(event), row = closest(element, "TR");
      if (row && /-(type|subject)$/.test(element.name)) { refreshRow(row); }
      refreshTotals();
    });
    on(form, "keyup", function (event) {
      if (/-(count|points_each)$/.test(targetOf(event).name || "")) { refreshTotals(); }
    });
    radios = $all(".difficulty-mode");
    for (i = 0; i < radios.length; i += 1) { on(radios[i], "click", refreshDifficulty); }

    rows = $all(".grid-row", form);
    for (i = 0; i < rows.length; i += 1) {
      refreshRow(rows[i]);
      if ($all(".error", rows[i]).length) { rows[i].className += " has-row-error"; }
    }
    buttons = $all(".add-row, .remove-row", form);
    for (i = 0; i < buttons.length; i += 1) { buttons[i].style.display = "inline-block"; }
    hints = $all(".no-js-hint", form);
    for (i = 0; i < hints.length; i += 1) { show(hints[i], false); }
    refreshDifficulty();
    refreshTotals();
  }

  return {init: init};
}());
