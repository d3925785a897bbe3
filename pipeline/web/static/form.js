// The drafting form (/new): a preview of the pages as the clerk types (debounced, one request
// at a time), the validator's messages beside their fields, rows added and removed, and
// 放入收件箱 without leaving the page. A file of its own: the pages allow no inline script (CSP).
(function () {
  "use strict";
  var form = document.getElementById("draft");
  if (!form) return;
  var DELAY = 500, RETRY = 1000;
  var timer = null, busy = false, again = false, valid = false, rows = 1000;
  var status = document.getElementById("preview-status");
  var pages = document.getElementById("pages");
  var general = document.getElementById("problems");
  var result = document.getElementById("result");

  function post(url) {
    return fetch(url, {method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin",
                       headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json().then(function (data) { return {status: r.status, data: data}; }); });
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(preview, delay === undefined ? DELAY : delay);
  }

  function preview() {
    if (busy) { again = true; return; }
    busy = true; again = false;
    form.dataset.state = "busy";
    status.textContent = "正在生成预览……";
    post(form.dataset.preview).then(shown, function () {
      status.textContent = "预览暂时无法生成（服务器没有回应）；再改动一处时会重试。";
    }).then(function () {
      busy = false;
      form.dataset.state = "idle";
      if (again) schedule(RETRY);
    });
  }

  function shown(reply) {
    var data = reply.data;
    if (reply.status !== 200) {  // 429, 503: busy or slow; 403: the page is too old
      status.textContent = (data["错误"] || "预览失败") + "。" + (data["说明"] || "");
      if (reply.status === 429 || reply.status === 503) again = true;
      return;
    }
    mark(data["问题"]);
    valid = data["问题"].length === 0;
    if (valid) show(data["页面"]);
    pages.classList.toggle("stale", !valid);
    status.textContent = valid ? "共 " + data["页数"] + " 页" + (data["页数"] > data["页面"].length ? "，预览前 " + data["页面"].length + " 页" : "") + "。"
                               : "有 " + data["问题"].length + " 处需要修改（见表单中的红字）；预览仍是上一次无误时的样子。";
  }

  function show(urls) {
    urls.forEach(function (url, i) {
      var img = pages.querySelector("img[data-page='" + (i + 1) + "']");
      if (!img) {
        var figure = document.createElement("figure");
        figure.className = "sheet";
        img = document.createElement("img");
        img.className = "preview-page";
        img.dataset.page = String(i + 1);
        img.alt = "第" + (i + 1) + "页";
        var caption = document.createElement("figcaption");
        caption.textContent = "第 " + (i + 1) + " 页";
        figure.appendChild(img);
        figure.appendChild(caption);
        pages.appendChild(figure);
      }
      if (img.getAttribute("src") !== url) img.setAttribute("src", url);
    });
    pages.querySelectorAll("img.preview-page").forEach(function (img) {
      if (Number(img.dataset.page) > urls.length) img.parentNode.remove();
    });
  }

  function parent(key) {  // 议定事项[2].完成时限 -> 议定事项[2] -> 议定事项 -> ""
    if (/\]$/.test(key)) return key.replace(/\[\d+\]$/, "");
    var up = key.replace(/\.[^.\[\]]*$/, "");
    return up === key ? "" : up;
  }

  function target(key) {  // the message's place: its field, else the row or list holding it
    for (; key; key = parent(key)) {
      var found = form.querySelector(".field-error[data-for='" + CSS.escape(key) + "']");
      if (found) return found;
    }
    return null;
  }

  function mark(problems) {
    form.querySelectorAll(".field-error").forEach(function (e) { e.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (e) { e.removeAttribute("aria-invalid"); });
    general.textContent = "";
    problems.forEach(function (p) {
      var text = p["问题"] + (p["应为"] ? "。应为：" + p["应为"] : "");
      var place = target(p["键"]);
      if (place) {
        place.textContent = place.textContent ? place.textContent + "；" + text : text;
        var input = form.querySelector("[name='" + CSS.escape(place.dataset.for) + "']");
        if (input) input.setAttribute("aria-invalid", "true");
      } else {
        var li = document.createElement("li");
        li.textContent = (p["键"] ? "「" + p["键"] + "」" : "") + text;
        general.appendChild(li);
      }
    });
  }

  function addRow(list) {
    var template = form.querySelector("template[data-row-template='" + CSS.escape(list) + "']");
    var n = String(rows++);
    var row = template.content.firstElementChild.cloneNode(true);
    row.dataset.row = n;
    row.querySelectorAll("[name], [id], [data-for]").forEach(function (e) {
      ["name", "id", "data-for"].forEach(function (a) {
        if (e.hasAttribute(a)) e.setAttribute(a, e.getAttribute(a).split("__n__").join(n));
      });
    });
    form.querySelector("table[data-list='" + CSS.escape(list) + "'] tbody").appendChild(row);
    var first = row.querySelector("input, textarea, select");
    if (first) first.focus();
  }

  function inboxed(reply) {
    result.textContent = "";
    var data = reply.data;
    var p = document.createElement("p");
    if (reply.status === 201) {
      p.className = "ok";
      p.appendChild(document.createTextNode("已放入收件箱：" + data["文件"] + "。" + data["说明"] + " "));
      [["收件箱", "查看收件箱"], ["检索", "在档案中检索"], ["目录", "归档文件目录"]].forEach(function (pair) {
        var a = document.createElement("a");
        a.href = data[pair[0]];
        a.textContent = pair[1];
        p.appendChild(a);
        p.appendChild(document.createTextNode(" "));
      });
    } else {
      p.className = "warn";
      p.textContent = (data["错误"] || "未能放入收件箱") + "。" + (data["说明"] || "");
      if (data["问题"]) mark(data["问题"]);
    }
    result.appendChild(p);
  }

  form.addEventListener("input", function () { schedule(); });
  form.addEventListener("change", function () { schedule(); });
  form.addEventListener("keydown", function (event) {  // Enter in a line of text is no submission
    if (event.key === "Enter" && event.target.tagName === "INPUT") event.preventDefault();
  });
  form.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add]");
    if (add) { addRow(add.dataset.add); return; }
    var remove = event.target.closest("[data-remove]");
    if (remove) { remove.closest("tr").remove(); schedule(); }
  });
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.id === "to-inbox") {
      event.preventDefault();
      button.disabled = true;
      result.textContent = "正在检查并放入收件箱……";
      post(button.getAttribute("formaction")).then(inboxed, function () {
        result.textContent = "未能放入收件箱：服务器没有回应，请稍后再试。";
      }).then(function () { button.disabled = false; });
    } else if (!valid) {
      event.preventDefault();
      result.textContent = "请先按红字改正表单，预览无误后再下载。";
    }
  });
})();
