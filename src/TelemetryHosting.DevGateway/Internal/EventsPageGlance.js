"use strict";
// The events page's chart and counts per feature and action, loaded before EventsPage.js, which calls renderChart on
// each poll.

// The chart's bars and the counts table's rows (by feature and action), updated in place: an element replaced under the
// pointer loses its tooltip, and a click that straddles the replacement is lost.
const glance = { bars: [], rows: new Map() };
const KINDS = ["accepted", "duplicates", "refused"];

function setText(node, text) { text = String(text); if (node.textContent !== text) node.textContent = text; }
function setAttr(node, name, value) { value = String(value); if (node.getAttribute(name) !== value) node.setAttribute(name, value); }

function renderChart(stats) {
  const svg = $("chart");
  const ns = "http://www.w3.org/2000/svg";
  const seconds = stats.perSecond;
  const max = Math.max(1, ...seconds.map(s => s.accepted + s.duplicates + s.refused));
  const width = 600 / seconds.length;
  while (glance.bars.length > seconds.length) glance.bars.pop().g.remove();
  while (glance.bars.length < seconds.length) {
    const bar = { g: document.createElementNS(ns, "g"), title: document.createElementNS(ns, "title"), rects: {} };
    bar.g.append(bar.title);
    svg.append(bar.g);
    glance.bars.push(bar);
  }
  seconds.forEach((s, i) => {
    const bar = glance.bars[i];
    setAttr(bar.g, "data-second", s.second);
    let y = 120;
    for (const kind of KINDS) {
      setAttr(bar.g, "data-" + kind, s[kind]);
      if (s[kind] === 0) {
        if (bar.rects[kind]) { bar.rects[kind].remove(); delete bar.rects[kind]; }
        continue;
      }
      const h = s[kind] / max * 116;
      y -= h;
      let rect = bar.rects[kind];
      if (!rect) {
        rect = bar.rects[kind] = document.createElementNS(ns, "rect");
        rect.setAttribute("class", kind);
        bar.g.insertBefore(rect, bar.title);
      }
      setAttr(rect, "x", (i * width + 0.5).toFixed(2));
      setAttr(rect, "y", y.toFixed(2));
      setAttr(rect, "width", Math.max(width - 1, 1).toFixed(2));
      setAttr(rect, "height", h.toFixed(2));
    }
    setText(bar.title, time(s.second) + ": " + s.accepted + " accepted, " + s.duplicates + " duplicates, " + s.refused + " refused");
  });
  setText($("chart-max"), "max " + max + "/s");
  for (const kind of KINDS) setText($("chart-" + kind), seconds.reduce((sum, s) => sum + s[kind], 0));
  renderFeatureCounts(stats.byFeature);
}

function renderFeatureCounts(byFeature) {
  const body = $("feature-counts");
  const wanted = byFeature.map(n => {
    const key = JSON.stringify([n.feature, n.action]);
    let row = glance.rows.get(key);
    if (!row) {
      row = el("tr");
      row.dataset.feature = n.feature;
      row.dataset.action = n.action;
      row.append(el("td", n.feature), el("td", n.action), el("td"), el("td"), el("td"));
      glance.rows.set(key, row);
    }
    [n.accepted, n.duplicates, n.refused].forEach((count, i) => setText(row.children[i + 2], count));
    return [key, row];
  });
  const keys = new Set(wanted.map(([key]) => key));
  for (const [key, row] of glance.rows) if (!keys.has(key)) { row.remove(); glance.rows.delete(key); }
  // Rows move only where the order changed.
  wanted.forEach(([, row], i) => { if (body.children[i] !== row) body.insertBefore(row, body.children[i] || null); });
}
