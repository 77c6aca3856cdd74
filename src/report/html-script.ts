/**
 * The HTML report's one script, inlined in a <script> element whose SHA-256 the page's
 * Content-Security-Policy names. It is a constant: the scan's data reaches it only through the
 * JSON block (`#fw-data`), and every string from there enters the page through textContent or
 * createElement, never as markup. Plain ES2017 without template literals, so it can live in this
 * TypeScript string unchanged.
 */
export const HTML_SCRIPT = String.raw`
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("fw-data").textContent);
  var findings = data.findings;
  var rules = data.rules;
  var PAGE = 100;
  var LABEL = { critical: "Critical", high: "High", medium: "Medium", low: "Low" };
  var list = document.getElementById("findings-list");
  var status = document.getElementById("findings-status");
  var moreBox = document.getElementById("findings-more");
  var moreBtn = document.getElementById("show-more");
  var allBtn = document.getElementById("show-all");
  var fSev = document.getElementById("filter-severity");
  var fRule = document.getElementById("filter-rule");
  var fFile = document.getElementById("filter-file");
  var fText = document.getElementById("filter-text");
  var resetBtn = document.getElementById("filter-reset");
  var matches = [];
  var shown = 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  // Our sentences mark names and code with backticks: those parts become <code>, the rest stays text.
  function prose(parent, text) {
    var parts = String(text).split(/(\x60[^\x60\r\n]+\x60)/);
    for (var i = 0; i < parts.length; i++) {
      if (parts[i] === "") continue;
      if (i % 2 === 1) parent.appendChild(el("code", "", parts[i].slice(1, -1)));
      else parent.appendChild(document.createTextNode(parts[i]));
    }
    return parent;
  }
  function at(file, g) {
    return file + ":" + g[0] + ":" + g[1];
  }
  function ruleOf(f) {
    return rules[f.rule] || {};
  }

  function excerpt(f) {
    var pre = el("pre", "excerpt");
    pre.setAttribute("aria-label", "Source excerpt of " + f.file);
    var g = f.range;
    var point = g[0] === g[2] && g[1] === g[3];
    for (var i = 0; i < f.excerpt.lines.length; i++) {
      var n = f.excerpt.start + i;
      var text = f.excerpt.lines[i];
      var hit = n >= g[0] && n <= g[2];
      var line = el("span", hit ? "line hit" : "line");
      line.appendChild(el("span", "ln", String(n)));
      if (!hit || point) {
        line.appendChild(document.createTextNode(text));
      } else {
        var from = n === g[0] ? g[1] - 1 : 0;
        var to = n === g[2] ? g[3] - 1 : text.length;
        if (to <= from) to = text.length;
        // A masked secret changes the line's length; mark the (masked) evidence where it now is.
        if (g[0] === g[2] && text.slice(from, to) !== f.evidence) {
          var found = text.indexOf(f.evidence);
          if (found >= 0 && f.evidence !== "") { from = found; to = found + f.evidence.length; }
        }
        line.appendChild(document.createTextNode(text.slice(0, from)));
        line.appendChild(el("mark", "", text.slice(from, to)));
        line.appendChild(document.createTextNode(text.slice(to)));
      }
      pre.appendChild(line);
    }
    if (f.excerpt.lines.length === 0) {
      var only = el("span", "line hit");
      only.appendChild(el("span", "ln", String(g[0])));
      only.appendChild(el("mark", "", f.evidence));
      pre.appendChild(only);
    }
    return pre;
  }

  // Details that fill themselves when first opened: 5,000 cards stay light until someone reads one.
  var builders = new WeakMap();
  function lazyDetails(cls, label, build) {
    var d = el("details", cls);
    d.appendChild(el("summary", "", label));
    builders.set(d, build);
    d.addEventListener("toggle", function () { if (d.open) fill(d); });
    return d;
  }
  function fill(d) {
    var build = builders.get(d);
    if (!build) return;
    builders.delete(d);
    d.appendChild(build());
  }

  function trace(f) {
    var steps = f.trace;
    // A one-step trace points at a related place (where a value is read, where a control is missing).
    var label = steps.length === 1 ? "Related location" : "Data flow: " + steps.length + " steps from source to sink";
    return lazyDetails("trace", label, function () {
      var ol = el("ol", "flow");
      for (var i = 0; i < steps.length; i++) {
        var kind = steps.length === 1 ? "at" : i === steps.length - 1 ? "sink" : i === 0 ? "source" : "step";
        var li = el("li", kind);
        li.appendChild(el("span", "step-kind", kind));
        li.appendChild(el("span", "mono", at(steps[i].file, steps[i].range)));
        li.appendChild(document.createTextNode(" "));
        prose(li.appendChild(el("span", "step-msg")), steps[i].message);
        ol.appendChild(li);
      }
      return ol;
    });
  }

  function advice(f) {
    var r = ruleOf(f);
    return lazyDetails("advice", "Impact, mitigation and false positives", function () {
      var dl = el("dl", "advice");
      function item(label, text) {
        if (!text) return;
        dl.appendChild(el("dt", "", label));
        prose(dl.appendChild(el("dd")), text);
      }
      item("Impact", f.impact || r.impact);
      item("Mitigation", r.mitigation);
      item("When this may be a false positive", r.falsePositives);
      return dl;
    });
  }

  function card(f) {
    var r = ruleOf(f);
    var a = el("article", "finding " + f.severity);
    a.setAttribute("data-severity", f.severity);
    a.setAttribute("data-rule", f.rule);
    a.setAttribute("data-file", f.file);
    var head = a.appendChild(el("header"));
    head.appendChild(el("span", "badge " + f.severity, LABEL[f.severity] || f.severity));
    head.appendChild(el("span", "rule", f.rule));
    head.appendChild(el("h3", "", r.title || f.rule));
    var meta = a.appendChild(el("p", "meta"));
    meta.appendChild(el("span", "mono loc", at(f.file, f.range)));
    var bits = ["confidence " + f.confidence];
    if (r.cwe && r.cwe.length) bits.push(r.cwe.map(function (c) { return "CWE-" + c; }).join(", "));
    if (r.owasp) bits.push("OWASP " + r.owasp);
    meta.appendChild(document.createTextNode(" \u00b7 " + bits.join(" \u00b7 ")));
    prose(a.appendChild(el("p", "msg")), f.message);
    a.appendChild(excerpt(f));
    if (f.context && f.context.length) prose(a.appendChild(el("p", "context muted")), "Context: " + f.context.join("; "));
    if (f.suppressed) a.appendChild(el("p", "muted", "Suppressed at " + f.suppressed.file + ":" + f.suppressed.line + ": " + (f.suppressed.reason || "no reason given")));
    var fix = f.fix || r.fix;
    if (fix) {
      var p = a.appendChild(el("p", "fix"));
      p.appendChild(el("strong", "", "Fix: "));
      prose(p, fix);
    }
    if (f.trace && f.trace.length) a.appendChild(trace(f));
    a.appendChild(advice(f));
    return a;
  }

  function matchesFilters(f, sev, rule, file, text) {
    if (sev && f.severity !== sev) return false;
    if (rule && f.rule !== rule) return false;
    if (file && f.file.toLowerCase().indexOf(file) < 0) return false;
    if (text) {
      var hay = (f.message + " " + (ruleOf(f).title || "") + " " + f.evidence).toLowerCase();
      if (hay.indexOf(text) < 0) return false;
    }
    return true;
  }

  function renderMore(n) {
    var frag = document.createDocumentFragment();
    var end = Math.min(matches.length, shown + n);
    for (var i = shown; i < end; i++) frag.appendChild(card(matches[i]));
    list.appendChild(frag);
    shown = end;
    list.classList.toggle("many", shown > 300);
    updateStatus();
  }

  function updateStatus() {
    var total = findings.length;
    var msg;
    if (total === 0) msg = "No findings.";
    else if (matches.length === 0) msg = "No finding matches these filters (" + total + " in total).";
    else msg = "Showing " + shown + " of " + matches.length + " matching findings (" + total + " in total).";
    status.textContent = msg;
    moreBox.hidden = shown >= matches.length;
    moreBtn.textContent = "Show " + Math.min(PAGE, matches.length - shown) + " more";
  }

  function apply() {
    var sev = fSev.value, rule = fRule.value;
    var file = fFile.value.trim().toLowerCase(), text = fText.value.trim().toLowerCase();
    matches = [];
    for (var i = 0; i < findings.length; i++) if (matchesFilters(findings[i], sev, rule, file, text)) matches.push(findings[i]);
    list.textContent = "";
    shown = 0;
    renderMore(PAGE);
  }

  fSev.addEventListener("change", apply);
  fRule.addEventListener("change", apply);
  fFile.addEventListener("input", apply);
  fText.addEventListener("input", apply);
  resetBtn.addEventListener("click", function () {
    fSev.value = ""; fRule.value = ""; fFile.value = ""; fText.value = "";
    apply();
    fSev.focus();
  });
  moreBtn.addEventListener("click", function () { renderMore(PAGE); });
  allBtn.addEventListener("click", function () { renderMore(matches.length); });

  // Printing shows every matching finding with its details open; closed <details> would print empty.
  var openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    renderMore(matches.length);
    var ds = document.querySelectorAll("details:not([open])");
    for (var i = 0; i < ds.length; i++) { fill(ds[i]); ds[i].open = true; openedForPrint.push(ds[i]); }
  });
  window.addEventListener("afterprint", function () {
    for (var i = 0; i < openedForPrint.length; i++) openedForPrint[i].open = false;
    openedForPrint = [];
  });

  document.getElementById("findings-controls").hidden = false;
  apply();
})();
`;
