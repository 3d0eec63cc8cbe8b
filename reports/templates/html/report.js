/* The report's only script: lazy, paginated, filterable and sortable findings tables.
 * Data comes from the JSON block; every value is written with textContent, never as HTML. */
(function () {
  "use strict";
  var source = document.getElementById("report-data");
  if (!source) { return; }
  var data = JSON.parse(source.textContent);
  var STATUS = data.status, SEV = data.severity, FILES = data.files, PAGE = data.pageSize;
  var COLUMNS = ["Status", "Severity", "Resource", "Detail", "Declared at"];
  // Columns sorted high-to-low on their first click (severity: critical first).
  var DESC_FIRST = { 1: true };

  document.documentElement.className += " js";
  var controls = document.getElementById("controls");
  var filterBox = document.getElementById("filter");
  var statusSel = document.getElementById("status-filter");
  var sevSel = document.getElementById("severity-filter");
  var hideEmpty = document.getElementById("hide-empty");
  var matchCount = document.getElementById("match-count");
  controls.hidden = false;

  var filter = { text: "", status: -1, severity: -1 };
  var views = [];
  var byId = {};

  Array.prototype.forEach.call(document.querySelectorAll("details.check"), function (el) {
    var id = el.getAttribute("data-check");
    var view = {
      id: id, el: el, rows: data.rows[id] || [], hay: null, matched: null, order: null,
      sortCol: -1, sortDir: 1, page: 0,
      live: el.querySelector(".live-rows"), shown: el.querySelector(".pill.shown")
    };
    var statics = el.querySelector(".static-rows");
    if (statics) { statics.parentNode.removeChild(statics); }
    el.addEventListener("toggle", function () { if (el.open) { render(view); } else { clear(view); } });
    views.push(view);
    byId[id] = view;
  });

  function active() { return filter.text !== "" || filter.status >= 0 || filter.severity >= 0; }

  function haystack(view) {
    if (view.hay === null) {
      view.hay = view.rows.map(function (r) {
        return (r[2] + " " + r[3] + " " + r[4] + " " + r[7]).toLowerCase();
      });
    }
    return view.hay;
  }

  function computeMatches(view) {
    view.order = null;
    if (!active()) { view.matched = null; return view.rows.length; }
    var rows = view.rows, hay = filter.text ? haystack(view) : null, out = [];
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if (filter.status >= 0 && r[0] !== filter.status) { continue; }
      if (filter.severity >= 0 && r[1] !== filter.severity) { continue; }
      if (hay !== null && hay[i].indexOf(filter.text) < 0) { continue; }
      out.push(i);
    }
    view.matched = out;
    return out.length;
  }

  function sortKey(row, col) {
    switch (col) {
      case 0: return row[0];
      case 1: return row[1];
      case 2: return row[2] + "\u0000" + row[3];
      case 3: return row[4];
      default: return row[5] < 0 ? "" : FILES[row[5]] + "\u0000" + String(row[6]).padStart(9, "0");
    }
  }

  function order(view) {
    if (view.order !== null) { return view.order; }
    var idx = view.matched;
    if (view.sortCol < 0) { return idx; }
    if (idx === null) {
      idx = new Array(view.rows.length);
      for (var i = 0; i < idx.length; i++) { idx[i] = i; }
    } else {
      idx = idx.slice();
    }
    var col = view.sortCol, dir = view.sortDir, rows = view.rows;
    var keys = new Array(rows.length);
    idx.forEach(function (i) { keys[i] = sortKey(rows[i], col); });
    idx.sort(function (a, b) {
      var ka = keys[a], kb = keys[b];
      if (ka < kb) { return -dir; }
      if (ka > kb) { return dir; }
      return a - b;
    });
    view.order = idx;
    return idx;
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function clear(view) { view.live.textContent = ""; }

  function render(view) {
    clear(view);
    var idx = order(view);
    var total = idx === null ? view.rows.length : idx.length;
    if (total === 0) {
      view.live.appendChild(el("p", "hint", view.rows.length ? "No finding matches the filter." : "No findings."));
      return;
    }
    var pages = Math.ceil(total / PAGE);
    if (view.page >= pages) { view.page = pages - 1; }
    var start = view.page * PAGE, end = Math.min(start + PAGE, total);

    var table = el("table", "grid findings live");
    var head = el("tr");
    COLUMNS.forEach(function (name, col) {
      var th = el("th", "sortable", name);
      th.setAttribute("data-col", String(col));
      th.title = "Sort by " + name.toLowerCase();
      if (view.sortCol === col) { th.className += view.sortDir > 0 ? " sorted-asc" : " sorted-desc"; }
      th.tabIndex = 0;
      th.setAttribute("aria-sort", view.sortCol !== col ? "none" : view.sortDir > 0 ? "ascending" : "descending");
      function sortBy() {
        if (view.sortCol === col) { view.sortDir = -view.sortDir; } else { view.sortCol = col; view.sortDir = DESC_FIRST[col] ? -1 : 1; }
        view.order = null;
        view.page = 0;
        render(view);
        var again = view.live.querySelector('th[data-col="' + col + '"]');
        if (again) { again.focus(); }
      }
      th.addEventListener("click", sortBy);
      th.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); sortBy(); }
      });
      head.appendChild(th);
    });
    table.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    for (var k = start; k < end; k++) {
      var row = view.rows[idx === null ? k : idx[k]];
      var status = STATUS[row[0]], sev = SEV[row[1]];
      var tr = el("tr", "st-" + status);
      var td = el("td");
      td.appendChild(el("span", "pill st-" + status, status));
      if (row[7]) {
        td.appendChild(document.createTextNode(" "));
        var w = el("span", "pill st-waived", "waived");
        w.title = row[7];
        td.appendChild(w);
      }
      tr.appendChild(td);
      td = el("td");
      td.appendChild(el("span", "badge sev-" + sev, sev));
      tr.appendChild(td);
      td = el("td");
      td.appendChild(el("span", "kind", row[2]));
      td.appendChild(document.createTextNode(" "));
      td.appendChild(el("code", "", row[3]));
      tr.appendChild(td);
      tr.appendChild(el("td", "", row[4]));
      tr.appendChild(el("td", "loc", row[5] < 0 ? "" : FILES[row[5]] + (row[6] ? ":" + row[6] : "")));
      body.appendChild(tr);
    }
    table.appendChild(body);
    view.live.appendChild(table);

    var pager = el("div", "pager");
    var prev = el("button", "prev", "\u2039 Previous");
    var next = el("button", "next", "Next \u203A");
    prev.type = next.type = "button";
    prev.disabled = view.page === 0;
    next.disabled = view.page >= pages - 1;
    prev.addEventListener("click", function () { view.page -= 1; render(view); });
    next.addEventListener("click", function () { view.page += 1; render(view); });
    pager.appendChild(prev);
    pager.appendChild(el("span", "page-info",
      "Rows " + (start + 1) + "\u2013" + end + " of " + total + " \u00B7 page " + (view.page + 1) + " of " + pages));
    pager.appendChild(next);
    view.live.appendChild(pager);
  }

  function apply() {
    var isActive = active(), shown = 0, all = 0;
    views.forEach(function (view) {
      var n = computeMatches(view);
      shown += n;
      all += view.rows.length;
      view.page = 0;
      view.shown.hidden = !isActive;
      view.shown.textContent = n + " shown";
      view.el.hidden = isActive && hideEmpty.checked && n === 0;
      if (view.el.open) { render(view); }
    });
    controls.setAttribute("data-applied", filter.text);
    matchCount.textContent = isActive ? shown + " of " + all + " findings match" : all + " findings";
  }

  var timer = null;
  function schedule() {
    if (timer !== null) { clearTimeout(timer); }
    timer = setTimeout(function () { timer = null; readControls(); }, 120);
  }
  function readControls() {
    filter.text = filterBox.value.trim().toLowerCase();
    filter.status = statusSel.value ? STATUS.indexOf(statusSel.value) : -1;
    filter.severity = sevSel.value ? SEV.indexOf(sevSel.value) : -1;
    apply();
  }
  filterBox.addEventListener("input", schedule);
  statusSel.addEventListener("change", readControls);
  sevSel.addEventListener("change", readControls);
  hideEmpty.addEventListener("change", readControls);

  document.getElementById("expand-failing").addEventListener("click", function () {
    views.forEach(function (view) {
      if (!view.el.hidden && view.rows.some(function (r) { return r[0] === 0; })) { view.el.open = true; }
    });
  });
  document.getElementById("collapse-all").addEventListener("click", function () {
    views.forEach(function (view) { view.el.open = false; });
  });

  function openFromHash() {
    var hash = decodeURIComponent(location.hash.slice(1));
    if (hash.indexOf("check-") !== 0) { return; }
    var view = byId[hash.slice(6)];
    if (view) { view.el.hidden = false; view.el.open = true; view.el.scrollIntoView(); }
  }
  window.addEventListener("hashchange", openFromHash);
  openFromHash();
  readControls();
}());
