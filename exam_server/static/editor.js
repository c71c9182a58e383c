/* A small rich-text editor for stems, options, answers and explanations.
 *
 * Plain ES5 for old lab browsers (no modules, no fetch): a contenteditable box and
 * document.execCommand buttons above each <textarea data-rich="full|small"> ("small", for options,
 * has no table or image buttons: an option's picture is its own field). The textarea
 * stays the form field: the editor copies its HTML back on every change and on submit,
 * and without JavaScript the textarea itself is used. The server sanitises everything.
 *
 *   RichEditor.configure({uploadUrl: "...", csrfToken: "...", text: {...}});
 *   RichEditor.attachAll(form);
 *   RichEditor.upload(file, onDone, onError);   // also used for option images
 */
var RichEditor = (function () {
  "use strict";

  var config = {
    uploadUrl: "/media/upload",
    csrfToken: "",
    text: {
      bold: "粗体", italic: "斜体", underline: "下划线", superscript: "上标", subscript: "下标",
      table: "插入表格", image: "插入图片", rows: "表格行数", cols: "表格列数",
      uploading: "正在上传图片…", uploadFailed: "图片上传失败，请重试"
    }
  };

  var BUTTONS = [
    {command: "bold", html: "<b>B</b>"},
    {command: "italic", html: "<i>I</i>"},
    {command: "underline", html: "<u>U</u>"},
    {command: "superscript", html: "X<sup>2</sup>"},
    {command: "subscript", html: "X<sub>2</sub>"},
    {command: "table", full: true},
    {command: "image", full: true}
  ];

  function configure(options) {
    var key;
    for (key in options) {
      if (options.hasOwnProperty(key) && key !== "text") { config[key] = options[key]; }
    }
    if (options.text) {
      for (key in options.text) {
        if (options.text.hasOwnProperty(key)) { config.text[key] = options.text[key]; }
      }
    }
  }

  /* POST one file to the media endpoint; onDone({name, url}) or onError(message). */
  function upload(file, onDone, onError) {
    if (!window.FormData) { onError(config.text.uploadFailed); return; }
    var data = new FormData();
    data.append("file", file, file.name);
    data.append("csrf_token", config.csrfToken);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", config.uploadUrl, true);
    xhr.setRequestHeader("X-CSRFToken", config.csrfToken);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) { return; }
      var reply = null;
      try { reply = JSON.parse(xhr.responseText); } catch (ignored) { reply = null; }
      if (xhr.status === 200 && reply && reply.url) {
        onDone(reply);
      } else {
        onError(reply && reply.error ? reply.error : config.text.uploadFailed);
      }
    };
    xhr.send(data);
  }

  function isBlank(area) {
    var text = area.textContent !== undefined ? area.textContent : area.innerText;
    return !/\S/.test(text || "") && !area.getElementsByTagName("img").length &&
      !area.getElementsByTagName("table").length;
  }

  function sync(textarea) {
    var area = textarea.richArea;
    if (area) { textarea.value = isBlank(area) ? "" : area.innerHTML; }
  }

  function setValue(textarea, html) {
    textarea.value = html;
    if (textarea.richArea) { textarea.richArea.innerHTML = html; }
  }

  function insideArea(area, node) {
    while (node) {
      if (node === area) { return true; }
      node = node.parentNode;
    }
    return false;
  }

  function rememberSelection(area) {
    if (window.getSelection) {
      var selection = window.getSelection();
      if (selection.rangeCount && insideArea(area, selection.getRangeAt(0).commonAncestorContainer)) {
        area.savedRange = selection.getRangeAt(0).cloneRange();
      }
    } else if (document.selection) {
      var range = document.selection.createRange();
      if (range.parentElement && insideArea(area, range.parentElement())) { area.savedRange = range; }
    }
  }

  function restoreSelection(area) {
    area.focus();
    var range = area.savedRange;
    if (!range) { return; }
    if (window.getSelection) {
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    } else if (range.select) {
      range.select();
    }
  }

  function insertHtml(area, html) {
    restoreSelection(area);
    var done = false;
    try { done = document.execCommand("insertHTML", false, html); } catch (ignored) { done = false; }
    if (done) { return; }
    if (window.getSelection && window.getSelection().rangeCount &&
        insideArea(area, window.getSelection().getRangeAt(0).commonAncestorContainer)) {
      var range = window.getSelection().getRangeAt(0);
      var holder = document.createElement("div");
      holder.innerHTML = html;
      range.deleteContents();
      while (holder.lastChild) { range.insertNode(holder.lastChild); }
    } else if (document.selection && document.selection.createRange().pasteHTML) {
      document.selection.createRange().pasteHTML(html);
    } else {
      area.innerHTML += html;
    }
  }

  function tableHtml(rows, cols) {
    var html = "<table><tbody>", r, c;
    for (r = 0; r < rows; r += 1) {
      html += "<tr>";
      for (c = 0; c < cols; c += 1) { html += "<td>&nbsp;</td>"; }
      html += "</tr>";
    }
    return html + "</tbody></table><p><br></p>";
  }

  function askNumber(label, fallback) {
    var value = parseInt(window.prompt(label, String(fallback)), 10);
    return value > 0 && value <= 30 ? value : 0;
  }

  function run(textarea, command, fileInput) {
    var area = textarea.richArea;
    if (command === "table") {
      var rows = askNumber(config.text.rows, 2), cols = rows && askNumber(config.text.cols, 3);
      if (rows && cols) { insertHtml(area, tableHtml(rows, cols)); }
    } else if (command === "image") {
      fileInput.click();
      return;
    } else {
      restoreSelection(area);
      document.execCommand(command, false, null);
    }
    rememberSelection(area);
    sync(textarea);
  }

  function uploadInto(textarea, fileInput, status) {
    var file = fileInput.files && fileInput.files[0];
    if (!file) { return; }
    status.innerHTML = "";
    status.appendChild(document.createTextNode(config.text.uploading));
    upload(file, function (reply) {
      status.innerHTML = "";
      insertHtml(textarea.richArea, '<img src="' + reply.url + '" alt="">');
      sync(textarea);
    }, function (message) {
      status.innerHTML = "";
      window.alert(message);
    });
    fileInput.value = "";
  }

  function makeButton(textarea, spec, fileInput) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "rich-button";
    if (spec.html) {
      button.innerHTML = spec.html;
    } else {
      button.appendChild(document.createTextNode(config.text[spec.command]));
    }
    button.title = config.text[spec.command];
    button.setAttribute("unselectable", "on");
    button.onmousedown = function (event) {  // keep the selection in the editing box
      if (event && event.preventDefault) { event.preventDefault(); }
      return false;
    };
    button.onclick = function () { run(textarea, spec.command, fileInput); return false; };
    return button;
  }

  function attach(textarea) {
    if (textarea.richArea) { return; }
    var mode = textarea.getAttribute("data-rich") || "full";
    var wrap = document.createElement("div");
    var bar = document.createElement("div");
    var area = document.createElement("div");
    var fileInput = document.createElement("input");
    var status = document.createElement("span");
    var i;
    wrap.className = "rich-editor rich-" + mode;
    bar.className = "rich-toolbar";
    area.className = "rich-area";
    area.contentEditable = "true";
    area.innerHTML = textarea.value;
    if (textarea.title) { area.title = textarea.title; }
    fileInput.type = "file";
    fileInput.accept = "image/png,image/jpeg,image/gif,image/webp";
    fileInput.style.display = "none";
    status.className = "rich-status";
    textarea.richArea = area;
    for (i = 0; i < BUTTONS.length; i += 1) {
      if (!BUTTONS[i].full || mode === "full") { bar.appendChild(makeButton(textarea, BUTTONS[i], fileInput)); }
    }
    bar.appendChild(status);
    fileInput.onchange = function () { uploadInto(textarea, fileInput, status); };
    area.onkeyup = area.onmouseup = function () { rememberSelection(area); sync(textarea); };
    area.onblur = area.oninput = function () { sync(textarea); };
    wrap.appendChild(bar);
    wrap.appendChild(area);
    wrap.appendChild(fileInput);
    textarea.parentNode.insertBefore(wrap, textarea);
    textarea.style.display = "none";
  }

  function attachAll(form) {
    var areas = form.getElementsByTagName("textarea"), list = [], i;
    for (i = 0; i < areas.length; i += 1) {
      if (areas[i].getAttribute("data-rich")) { list.push(areas[i]); }
    }
    if (!document.queryCommandSupported && !document.execCommand) { return; }
    try { document.execCommand("defaultParagraphSeparator", false, "p"); } catch (ignored) { /* old browsers */ }
    for (i = 0; i < list.length; i += 1) { attach(list[i]); }
    var syncAll = function () {
      for (var j = 0; j < list.length; j += 1) { sync(list[j]); }
    };
    if (form.addEventListener) {
      form.addEventListener("submit", syncAll, false);
    } else if (form.attachEvent) {
      form.attachEvent("onsubmit", syncAll);
    }
  }

  return {configure: configure, attach: attach, attachAll: attachAll, upload: upload,
          setValue: setValue, sync: sync};
}());
