// sizemat's dashboard: a page of the daemon's own, reading its /v1 API.
// Views: #/ (projects and runs), #/project/NAME (trend over commits),
// #/run/ID (ladder waterfall or axes heatmap, the smallest variants).
// Charts are SVG drawn here; nothing is loaded from anywhere else.
"use strict";

const view = document.getElementById("view");
const tip = document.getElementById("tip");
const errors = [];
let timer = null;
let token = sessionStorage.getItem("sizemat-token");
const palette = ["#3f51b5", "#e8710a", "#1a7f37", "#cf222e", "#8250df",
  "#0b7285", "#b08800", "#d6336c"];
const profileKeys = ["opt-level", "debug", "lto", "codegen-units", "panic",
  "strip", "overflow-checks", "debug-assertions", "incremental"];

function logError(message) {
  errors.push(message);
  const pre = document.getElementById("errors");
  pre.textContent = errors.join("\n");
  pre.hidden = false;
}
window.addEventListener("error", (e) => logError(String(e.message)));
window.addEventListener("unhandledrejection",
  (e) => logError(String(e.reason && e.reason.message || e.reason)));

// One GET of the API; a daemon that wants a token gets it asked once.
async function api(path) {
  if (window.SIZEMAT_DATA) {
    // A static report: the answers were written into the page.
    const doc = window.SIZEMAT_DATA[decodeURIComponent(path)];
    if (doc === undefined) throw new Error("not in this report: " + path);
    return doc;
  }
  const headers = token ? { Authorization: "Bearer " + token } : {};
  const reply = await fetch(path, { headers });
  if (reply.status === 401 && !api.asked) {
    api.asked = true;
    token = window.prompt("This sizematd needs its token:") || "";
    sessionStorage.setItem("sizemat-token", token);
    return api(path);
  }
  const doc = await reply.json();
  if (!reply.ok)
    throw new Error(doc.error ? doc.error.message : reply.statusText);
  return doc;
}

function esc(s) {
  return String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function size(n) {
  if (n == null) return "-";
  if (n < 1024) return n + " B";
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KiB";
  return (n / 1048576).toFixed(2) + " MiB";
}

function change(delta, base, fmt = size) {
  if (delta == null || !base) return "";
  const pct = delta * 100 / base;
  const cls = delta > 0 ? "up" : delta < 0 ? "down" : "muted";
  const sign = delta > 0 ? "+" : delta < 0 ? "-" : "";
  return `<span class="${cls}">${sign}${fmt(Math.abs(delta))}
    (${delta > 0 ? "+" : ""}${pct.toFixed(2)}%)</span>`;
}

// A variant key shortened to n characters, for labels (full on hover).
function shortKey(key, n) {
  return key.length > n ? key.slice(0, n - 1) + "…" : key;
}

// Draws the trend again at the new width when the window resizes.
window.addEventListener("resize", () => {
  clearTimeout(window.resizeTimer);
  window.resizeTimer = setTimeout(() => {
    const t = trendChart.last;
    if (t && document.body.contains(t.box) && t.box.clientWidth !== t.W)
      trendChart(t.box, t.series, t.regressions);
  }, 150);
});

// A time from the daemon (UTC, ISO 8601) in the reader's local time.
function localTime(iso) {
  const d = iso ? new Date(iso) : null;
  return d && !isNaN(d) ? d.toLocaleString() : iso || "";
}
function short(id) { return id ? String(id).slice(0, 12) : "-"; }

function showTip(event, html) {
  tip.innerHTML = html;
  tip.hidden = false;
  tip.style.left = Math.min(event.clientX + 14, window.innerWidth - 390) + "px";
  tip.style.top = (event.clientY + 14) + "px";
}
function hideTip() { tip.hidden = true; }

function svgEl(name, attrs, text) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text != null) e.textContent = text;
  return e;
}

// Four or five round binary sizes between lo and hi, for a size axis:
// multiples of a power of two (64 KiB, 128 KiB, ...), as size() prints.
function binaryTicks(lo, hi) {
  const span = hi - lo || hi || 1;
  let step = Math.pow(2, Math.floor(Math.log2(span / 4)));
  while (span / step > 5) step *= 2;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step)
    out.push(v);
  return out;
}

// The builds of a run, with their first artifact's size.
function sized(builds) {
  return builds.map((b) => ({ build: b, art: (b.artifacts || [])[0] }))
    .filter((x) => x.build.state === "done" && x.art);
}

/* ---- the overview ---- */

// A sparkline of values (oldest first), as SVG text.
function sparkline(values, cls) {
  const W = 220, H = 40, vs = values.filter((v) => v != null);
  if (vs.length === 0) return "";
  const lo = Math.min(...vs), hi = Math.max(...vs), span = hi - lo || 1;
  const pts = values.map((v, i) => v == null ? null :
    `${(values.length === 1 ? W / 2 : i * (W - 8) / (values.length - 1) + 4)
      .toFixed(1)},${(H - 4 - (v - lo) * (H - 8) / span).toFixed(1)}`)
    .filter((p) => p);
  return `<svg class="${cls}" width="${W}" height="${H}"
    data-points="${pts.length}"><polyline fill="none" stroke="#3f51b5"
    stroke-width="2" points="${pts.join(" ")}"/>${pts.length ? `<circle
    r="3" fill="#3f51b5" cx="${pts[pts.length - 1].split(",")[0]}"
    cy="${pts[pts.length - 1].split(",")[1]}"/>` : ""}</svg>`;
}

// A tracked project's card: its smallest variant's trend as a sparkline.
async function projectCard(p) {
  let body = `<div class="muted">${esc(p.state)}${p.problem ?
    ": " + esc(p.problem) : ""}</div>`;
  if (p.state === "ready") {
    try {
      const t = await api(`/v1/projects/${encodeURIComponent(p.name)}/trend?last=30`);
      const last = t.rows[t.rows.length - 1];
      body = last ? `<div class="big">${size(last.value)}</div>
        ${sparkline(t.rows.map((r) => r.value), "sparkline")}
        <div>${esc(t.variant_key)} · ${esc(t.artifact)}</div>
        <div>${change(last.delta, last.value - (last.delta || 0)) ||
          '<span class="muted">first measured commit</span>'}</div>
        <div class="muted">${short(last.commit)} ${esc(last.subject)}</div>` :
        '<div class="muted">nothing measured yet</div>';
    } catch (e) {
      body = '<div class="muted">nothing measured yet</div>';
    }
  }
  return `<div class="card" data-project="${esc(p.name)}">
    <a href="#/project/${encodeURIComponent(p.name)}"><b>${esc(p.name)}</b></a>
    <span class="muted"> ${esc(p.branch || "")} @ ${short(p.head)}</span>
    ${body}</div>`;
}

// A run of a path project: its winner, and a bar of what it saved against
// the project's release build (or the run's largest).
async function runCard(r) {
  const doc = await api(`/v1/runs/${r.id}`);
  const done = sized(doc.builds);
  if (done.length === 0) return "";
  const first = done[0].art.name;
  const same = done.filter((x) => x.art.name === first);
  const win = same.reduce((a, b) => b.art.file_size < a.art.file_size ? b : a);
  const base = same.find((x) => x.build.variant_key ===
    win.build.baseline_key) ||
    same.reduce((a, b) => b.art.file_size > a.art.file_size ? b : a);
  const W = 220, frac = base.art.file_size > 0 ?
    win.art.file_size / base.art.file_size : 1;
  const saved = base.art.file_size - win.art.file_size;
  const key = win.build.variant_key;
  return `<div class="card" data-run="${r.id}">
    <a href="#/run/${r.id}"><b>${esc(r.project.split("/").pop())}</b></a>
    <span class="muted"> run ${r.id}, ${esc(r.matrix)}</span>
    <div class="big">${size(win.art.file_size)}</div>
    <svg class="saved" width="${W}" height="18" data-saved="${saved}">
      <rect x="0" y="2" width="${W}" height="14" fill="#eef0f6"/>
      <rect x="0" y="2" width="${Math.max(2, W * frac).toFixed(1)}"
        height="14" fill="#1a7f37"/></svg>
    <div>${saved > 0 ? `saves ${size(saved)} (${(100 * saved /
      base.art.file_size).toFixed(1)}%) against ${base.build.variant_key ===
      win.build.baseline_key ? "release" : "the largest"}` :
      '<span class="muted">no ' +
      'smaller variant</span>'}</div>
    <div class="muted" title="${esc(key)}">${esc(key.length > 40 ?
      key.slice(0, 39) + "…" : key)}</div></div>`;
}

async function overview(box) {
  const [projects, runs] = await Promise.all([api("/v1/projects"),
    api("/v1/runs?limit=20")]);
  let html = "<h1>Projects</h1>";
  if (projects.projects.length === 0)
    html += `<p class="muted">No tracked project yet: <code>sizemat project
      add NAME SOURCE</code>.</p>`;
  const cards = await Promise.all(projects.projects.map(projectCard));
  html += '<div class="cards" id="projects">' + cards.join("") + "</div>";
  // The newest run of each path project (not a tracked one's).
  const seen = new Set(), latest = [];
  for (const r of runs.runs)
    if (r.project.startsWith("/") && !seen.has(r.project) &&
      r.builds_done > 0) {
      seen.add(r.project);
      latest.push(r);
    }
  const runCards = (await Promise.all(latest.slice(0, 8).map(runCard)))
    .filter((c) => c);
  if (runCards.length)
    html += '<h2>Path projects</h2><div class="cards" id="path-runs">' +
      runCards.join("") + "</div>";
  html += `<h2>Recent runs</h2><table id="runs"><tr><th>run</th><th>state</th>
    <th>project</th><th>matrix</th><th>commit</th><th class="num">done</th>
    <th>created</th></tr>`;
  for (const r of runs.runs)
    html += `<tr><td><a href="#/run/${r.id}">${r.id}</a></td>
      <td>${esc(r.state)}</td><td>${esc(r.project)}</td>
      <td>${esc(r.matrix)}</td><td>${short(r.commit || r.rev)}</td>
      <td class="num">${r.builds_done} / ${r.builds_total}</td>
      <td>${esc(localTime(r.created_at))}</td></tr>`;
  html += "</table>";
  box.innerHTML = html;
}

/* ---- a project's trend ---- */

async function projectView(name, box, metric) {
  const base = `/v1/projects/${encodeURIComponent(name)}`;
  metric = metric || "file_size";
  const [doc, regs] = await Promise.all([api(base),
    api(base + "/regressions")]);
  // One row per variant, of the project's default artifact when it has
  // one (INTERFACE.md), else the first (smallest) the variant made.
  const def = (doc.variants.find((v) => v.default_artifact) || {})
    .default_artifact;
  const variants = [];
  for (const v of doc.variants)
    if ((!def || !v.artifact || v.artifact === def) &&
      !variants.find((x) => x.variant_key === v.variant_key))
      variants.push(v);
  const chosen = projectView.chosen && projectView.chosen.name === name ?
    projectView.chosen.keys : variants.slice(0, 3).map((v) => v.variant_key)
      .concat(variants.some((v) => v.variant_key === "release") ?
        ["release"] : []);
  projectView.chosen = { name, keys: [...new Set(chosen)] };
  let html = `<h1>${esc(name)} <span class="muted">${esc(doc.branch || "")}
    @ ${short(doc.head)}</span></h1>`;
  if (variants.length === 0) {
    box.innerHTML = html + `<p class="muted">Nothing measured yet:
      <code>sizemat run ${esc(name)} --rev REV</code>.</p>`;
    return;
  }
  html += '<div class="picker" id="picker">';
  variants.forEach((v, i) => {
    html += `<label><input type="checkbox" value="${esc(v.variant_key)}"
      ${projectView.chosen.keys.includes(v.variant_key) ? "checked" : ""}>
      ${esc(v.variant_key)} <span class="muted">${size(v.file_size)}</span></label>`;
  });
  html += `</div><p>measurement <select id="metric"></select></p>
    <div class="chart" id="trend"></div>
    <div id="commit"></div><h2>Crates</h2><div class="chart" id="crates"></div>
    <h2>Regressions</h2>`;
  // A range names its first commit; a withdrawn one was false blame.
  const standing = regs.regressions.filter((r) => r.state !== "withdrawn");
  html += standing.length === 0 ? '<p class="muted">none</p>' :
    "<table><tr><th>commit</th><th>state</th><th>variant</th>" +
    "<th class=num>before</th><th class=num>after</th>" +
    "<th class=num>change</th><th>subject</th><th>why</th></tr>" +
    standing.map((r) => `<tr><td>${short(r.commit)}</td>
      <td>${r.state === "range" ? `range from ${short(r.first)},
        ${r.unmeasured} unmeasured` : esc(r.state)}</td>
      <td>${esc(r.variant_key)}</td><td class="num">${size(r.base_size)}</td>
      <td class="num">${size(r.size)}</td><td class="num">${change(r.bytes,
      r.base_size)}</td><td>${esc(r.subject)}</td>
      <td class="causes">${causesLine(r, "")}</td></tr>`).join("") +
    "</table>";
  box.innerHTML = html;
  document.getElementById("picker").addEventListener("change", () => {
    projectView.chosen.keys = [...document.querySelectorAll(
      "#picker input:checked")].map((i) => i.value);
    route();
  });
  const series = await Promise.all(projectView.chosen.keys.map(async (key) => {
    const v = variants.find((x) => x.variant_key === key);
    const t = await api(`${base}/trend?variant=${encodeURIComponent(key)}` +
      `&artifact=${encodeURIComponent(v.artifact)}&crates=6` +
      (metric === "file_size" ? "" : `&metric=${encodeURIComponent(metric)}`));
    return { key, artifact: v.artifact, rows: t.rows, trend: t };
  }));
  // Markers sit at sizes: other measurements go without them.
  trendChart(document.getElementById("trend"), series,
    metric === "file_size" ? standing : []);
  document.getElementById("trend").dataset.metric = metric;
  // The crates of the first chosen series with a symbol table.
  const withCrates = series.find((s) => s.rows.some((r) =>
    Object.keys(r.crates || {}).length > 1)) || series[0];
  if (withCrates)
    cratesChart(document.getElementById("crates"), withCrates.trend);
  // The measurements a trend can follow: sizes, and each crate shown.
  const names = ["file_size", "loadable_size", ...(withCrates ?
    withCrates.trend.crates.filter((c) => c !== "other")
      .map((c) => `crate.${c}`) : []), "crate.[unattributed]"];
  // And how fast it runs, where the project's matrix has a benchmark: a
  // commit that made it slower shows as one that made it bigger.
  if (series.length && !window.SIZEMAT_REPORT) {
    const s = series[0];
    const b = await api(`${base}/trend?variant=${encodeURIComponent(s.key)}` +
      `&artifact=${encodeURIComponent(s.artifact)}&metric=bench.instructions`);
    if (b.rows.some((r) => r.value != null))
      names.push("bench.instructions", "bench.wall_ms", "bench.max_rss_kib");
  }
  if (!names.includes(metric)) names.push(metric);
  const sel = document.getElementById("metric");
  sel.innerHTML = names.map((m) => `<option${m === metric ? " selected" : ""}>` +
    `${esc(m)}</option>`).join("");
  // A static report holds the sizes only.
  sel.parentNode.hidden = !!window.SIZEMAT_REPORT;
  sel.addEventListener("change", () => {
    location.hash = `#/project/${encodeURIComponent(name)}/` +
      encodeURIComponent(sel.value);
  });
}

// The largest crates of a variant over commits, stacked (the rest,
// unattributed bytes too, folded into "other"): where the bytes went.
function cratesChart(box, t) {
  const rows = t.rows.filter((r) => Object.keys(r.crates).length > 1);
  if (rows.length === 0) {
    box.innerHTML = '<p class="muted">no symbol table measured for ' +
      `${esc(t.variant_key)} (a stripped variant's come from its twin)</p>`;
    return;
  }
  const W = Math.max(480, box.clientWidth || 720), H = 260, L = 78, R = 150;
  const T = 10, B = 30;
  const total = (r) => t.crates.reduce((s, c) => s + (r.crates[c] || 0), 0);
  const hi = Math.max(...rows.map(total)) || 1;
  const bw = Math.max(2, (W - L - R) / rows.length * 0.8);
  const x = (i) => L + (i + 0.5) * (W - L - R) / rows.length;
  const y = (v) => T + (hi - v) * (H - T - B) / hi;
  const svg = svgEl("svg", { width: W, height: H, class: "crates" });
  svg.appendChild(svgEl("text", { x: L, y: H - 8, "font-size": 11 },
    `${t.variant_key} (${t.artifact}), ${rows.length} commits`));
  rows.forEach((r, i) => {
    let base = 0;
    t.crates.forEach((c, k) => {
      const v = r.crates[c] || 0;
      const bar = svgEl("rect", { x: x(i) - bw / 2, y: y(base + v),
        width: bw, height: Math.max(0, y(base) - y(base + v)),
        fill: c === "other" ? "#aaa" : palette[k % palette.length],
        "data-crate": c });
      bar.addEventListener("mousemove", (e) => showTip(e,
        `<b>${short(r.commit)}</b> ${esc(r.subject)}<br>` +
        `${esc(c)}: <b>${size(v)}</b>`));
      bar.addEventListener("mouseleave", hideTip);
      svg.appendChild(bar);
      base += v;
    });
  });
  const last = rows[rows.length - 1];
  let base = 0;
  t.crates.forEach((c, k) => {
    const v = last.crates[c] || 0;
    svg.appendChild(svgEl("text", { x: W - R + 8, y: y(base + v / 2) + 4,
      "font-size": 11, class: "crate-label",
      fill: c === "other" ? "#666" : palette[k % palette.length] }, c));
    base += v;
  });
  box.innerHTML = "";
  box.appendChild(svg);
}

// Why a regression grew, in one line: its top crates and symbols, the
// twin they came from, and the justification that accepted it.
function causesLine(r, lead) {
  const c = r.causes;
  let out = "";
  if (c) {
    const rows = [...c.crates.slice(0, 3).map((x) => `crate ${esc(x.name)}`),
      ...c.symbols.slice(0, 3).map((x) => esc(x.name))];
    const sizes = [...c.crates.slice(0, 3), ...c.symbols.slice(0, 3)];
    out = rows.map((n, i) => `${n} +${size(sizes[i].delta)}`).join(", ");
    if (c.from) out += ` (from the ${esc(c.from)})`;
  }
  if (r.accepted)
    out += `${out ? "; " : ""}accepted: ${esc(r.accepted.text)}`;
  return out ? lead + out : "";
}

// Commits of every series in order (each series is oldest first).
function commitOrder(series) {
  const seen = new Map();
  for (const s of series)
    for (const r of s.rows)
      if (!seen.has(r.commit)) seen.set(r.commit, r);
  return [...seen.values()].sort((a, b) =>
    a.time < b.time ? -1 : a.time > b.time ? 1 : 0);
}

function trendChart(box, series, regressions) {
  const commits = commitOrder(series);
  // As wide as the page gives it; drawn again when the window resizes.
  const W = Math.max(480, box.clientWidth || 720);
  const H = 340, L = 78, R = 150, T = 14, B = 46;
  trendChart.last = { box, series, regressions, W };
  const values = series.flatMap((s) => s.rows.map((r) => r.value));
  if (values.length === 0) {
    box.innerHTML = '<p class="muted">no measured commit yet</p>';
    return;
  }
  // Sizes on binary ticks; a benchmark's figures in their own units.
  const trend = series[0].trend || {};
  const bytes = !trend.unit || trend.unit === "bytes";
  const fmt = bytes ? size : (v) => figure(trend.metric, v);
  let lo = Math.min(...values), hi = Math.max(...values);
  const pad = (hi - lo) * 0.08 || hi * 0.02 || 1;
  lo = Math.max(0, lo - pad);
  hi += pad;
  const x = (i) => L + (commits.length === 1 ? (W - L - R) / 2 :
    i * (W - L - R) / (commits.length - 1));
  const y = (v) => T + (hi - v) * (H - T - B) / (hi - lo);
  const index = new Map(commits.map((c, i) => [c.commit, i]));
  const svg = svgEl("svg", { width: W, height: H, id: "trend-svg",
    "data-commits": commits.length, "data-width": W });
  for (const v of (bytes ? binaryTicks : decimalTicks)(lo, hi)) {
    svg.appendChild(svgEl("line", { x1: L, x2: W - R, y1: y(v), y2: y(v),
      stroke: "#e6e9ef" }));
    svg.appendChild(svgEl("text", { x: L - 6, y: y(v) + 4, class: "tick",
      "data-tick": v, "text-anchor": "end", "font-size": 11,
      fill: "#5b6474" }, fmt(v)));
  }
  const every = Math.max(1, Math.ceil(commits.length / 12));
  // Points as large as the spacing allows, still there to point at.
  const dotR = Math.max(1.5, Math.min(4, (W - L - R) / commits.length / 2));
  commits.forEach((c, i) => {
    if (i % every === 0)
      svg.appendChild(svgEl("text", { x: x(i), y: H - B + 16,
        "text-anchor": "middle", "font-size": 10, fill: "#5b6474" },
        short(c.commit).slice(0, 7)));
  });
  series.forEach((s, k) => {
    const color = palette[k % palette.length];
    const pts = s.rows.map((r) => [x(index.get(r.commit)), y(r.value), r]);
    svg.appendChild(svgEl("polyline", { fill: "none", stroke: color,
      "stroke-width": 2, points: pts.map((p) => p[0] + "," + p[1]).join(" ") }));
    const g = svgEl("g", { class: "series", "data-variant": s.key,
      "data-points": pts.length, "data-series": k });
    // The points are plain markup: one set of listeners on the chart
    // serves them all (a thousand commits are thousands of points).
    g.innerHTML = pts.map(([px, py, r], i) => `<circle cx="${px}" cy="${py}"
      r="${dotR}" fill="${color}" class="point" data-row="${i}"
      data-commit="${esc(r.commit)}"/>`).join("");
    svg.appendChild(g);
    // Every series labelled at its last point, a long key shortened.
    const last = pts[pts.length - 1];
    if (last) {
      const label = svgEl("text", { x: last[0] + 8, y: last[1] + 4,
        class: "series-label", "font-size": 11, fill: color },
        shortKey(s.key, 22));
      label.appendChild(svgEl("title", {}, s.key));
      svg.appendChild(label);
    }
  });
  // Regression markers: a red triangle above the commit that grew.
  for (const reg of regressions) {
    const s = series.find((x) => x.key === reg.variant_key);
    if (!s || !index.has(reg.commit)) continue;
    const px = x(index.get(reg.commit)), py = y(reg.size) - 10;
    const m = svgEl("path", { d: `M${px - 6},${py - 8}L${px + 6},${py - 8}` +
      `L${px},${py}Z`, fill: "#cf222e", class: "regression" });
    m.addEventListener("mousemove", (e) => showTip(e, `${reg.state === "range"
      ? `range ${short(reg.first)}..` : "regression at "}${
      short(reg.commit)}: ${size(reg.base_size)} → ${size(reg.size)}
      (${reg.percent.toFixed(2)}%)${causesLine(reg, "<br>")}`));
    m.addEventListener("mouseleave", hideTip);
    svg.appendChild(m);
  }
  // What a point says, found from the point under the pointer.
  const pointAt = (e) => {
    const dot = e.target.closest && e.target.closest(".point");
    if (!dot) return null;
    const s = series[dot.parentNode.dataset.series];
    return { s, r: s.rows[dot.dataset.row] };
  };
  svg.addEventListener("mousemove", (e) => {
    const p = pointAt(e);
    if (!p) return hideTip();
    const { s, r } = p;
    showTip(e, `<b>${short(r.commit)}</b>
      ${esc(r.subject)}<br>${esc(localTime(r.time))}<br>${esc(s.key)}<br>
      <b>${fmt(r.value)}</b> ${r.delta == null ? "" : change(r.delta,
      r.value - r.delta, fmt)}${r.toolchain_changed ?
      "<br>toolchain changed: " + esc(r.rustc_version) : ""}`);
  });
  svg.addEventListener("mouseleave", hideTip);
  svg.addEventListener("click", (e) => {
    const p = pointAt(e);
    if (p) selectCommit(p.r.commit, series);
  });
  box.innerHTML = "";
  box.appendChild(svg);
  const legend = document.createElement("div");
  legend.className = "picker";
  legend.innerHTML = series.map((s, k) => `<span title="${esc(s.key)}"><span
    class="swatch" style="background:${palette[k % palette.length]}"></span>${
    esc(shortKey(s.key, 48))} (${esc(s.artifact)})</span>`).join("");
  box.appendChild(legend);
}

function selectCommit(commit, series) {
  document.querySelectorAll(".point.selected").forEach((p) =>
    p.classList.remove("selected"));
  document.querySelectorAll(`.point[data-commit="${commit}"]`).forEach((p) =>
    p.classList.add("selected"));
  let html = `<h2>Commit ${esc(commit)}</h2><table><tr><th>variant</th>
    <th class="num">size</th><th class="num">change</th><th>build</th></tr>`;
  let subject = "";
  for (const s of series) {
    const r = s.rows.find((x) => x.commit === commit);
    if (!r) continue;
    subject = r.subject + " · " + r.author + " · " + r.time;
    html += `<tr><td>${esc(s.key)}</td><td class="num">${size(r.value)}</td>
      <td class="num">${change(r.delta, r.value - (r.delta || 0))}</td>
      <td>${r.run ? `<a href="#/run/${r.run}">run ${r.run}</a>` : r.build}</td></tr>`;
  }
  document.getElementById("commit").innerHTML =
    `<p class="muted">${esc(subject)}</p>` + html + "</table>";
}

/* ---- a run ---- */

async function runView(id, box) {
  const doc = await api(`/v1/runs/${id}`);
  const run = doc.run;
  const total = run.builds_total, ended = doc.builds.filter((b) =>
    b.state !== "queued" && b.state !== "running").length;
  let html = `<h1>Run ${run.id} <span class="muted">${esc(run.project)},
    matrix ${esc(run.matrix)}</span></h1>`;
  if (doc.commit)
    html += `<p>at <code>${esc(doc.commit.id)}</code> ${esc(doc.commit.subject)}</p>`;
  const own = (doc.builds[0] || {}).project_profile;
  if (own)
    html += `<p id="own-profile">the project's own profile: ${
      esc(Object.entries(own).map(([k, v]) => `${k}=${v}`).join(", ") ||
        "Cargo's defaults")}</p>`;
  html += `<p id="progress" data-state="${esc(run.state)}">${esc(run.state)}:
    ${ended} of ${total} builds ended, ${run.builds_done} done</p>
    <div class="progress"><div style="width:${total ? ended * 100 / total : 0}%">
    </div></div>`;
  const done = sized(doc.builds);
  // A search's run is one step of it: the search comes first.
  if (run.search)
    html += `<h2>Search ${run.search}</h2><div id="search"></div>`;
  if (run.shape === "ladder")
    html += '<h2>Ladder</h2><div class="chart" id="ladder"></div>';
  else
    html += '<h2>Heatmap</h2><div class="controls" id="axes"></div>' +
      '<div class="chart" id="heat"></div>';
  html += '<h2>Which combination is smallest</h2><div id="smallest"></div>';
  if (done.length > 1)
    html += '<h2>Size against speed</h2><div id="tradeoffs"></div>';
  box.innerHTML = html;
  let search = null;
  if (run.search) {
    search = (await api(`/v1/searches/${run.search}`)).search;
    searchPanel(document.getElementById("search"), search);
  }
  if (run.shape === "ladder")
    waterfall(document.getElementById("ladder"), doc.builds);
  else
    heatmap(doc.builds);
  smallest(document.getElementById("smallest"), done);
  if (done.length > 1)
    await tradeoffs(document.getElementById("tradeoffs"), run, done, search);
  const beaten = await beatenBy(run, done);
  if (beaten)
    document.getElementById("smallest").insertAdjacentHTML("afterbegin",
      beaten);
  if ((run.state === "queued" || run.state === "running") &&
    !window.SIZEMAT_REPORT)
    follow(run.id);
}

// A running run's page is drawn again at its next event (a build started
// or ended), which the daemon answers a waiting request with, instead of
// every 2 s; a daemon that cannot say is asked again in 2 s.
function follow(id) {
  const gen = route.gen;
  const after = follow.seq != null ? `after=${follow.seq}&` : "";
  api(`/v1/runs/${id}/events?${after}timeout_ms=25000`).then((doc) => {
    const first = follow.seq == null;
    follow.seq = doc.seq;
    if (route.gen !== gen) return;
    if (first && !doc.over) follow(id);
    else route();
  }, () => {
    if (route.gen === gen) timer = setTimeout(route, 2000);
  });
}

// A search this run is part of: its path (each probe in order, the best
// so far) and its certificate (each neighbour against the winner).
function searchPanel(box, s) {
  const w = s.winner;
  let html = `<p id="search-state" data-state="${esc(s.state)}"
    data-certified="${s.certified}">${esc(s.state)}${s.state === "done" ?
    (s.certified ? ", certified" : ", not certified") : ""}:
    ${s.builds} builds of the grid's ${s.grid_size} (${s.reused} reused${
      s.baseline ? ", one the baseline " + esc(s.baseline.variant_key) : ""}),
    ${esc(s.metric)}${s.message ? " &mdash; " + esc(s.message) : ""}</p>`;
  if (w)
    html += `<p>${s.state === "done" ? "Winner" : "Best so far"}:
      <b>${esc(w.variant_key)}</b>, ${size(w.value)}.</p>`;
  html += `<h3>Path</h3><table id="search-path"><tr><th>#</th>
    <th>variant</th><th class="num">value</th><th class="num">best so far</th>
    <th>build</th></tr>`;
  s.probes.forEach((p, i) => {
    html += `<tr><td>${i + 1}</td><td>${esc(p.variant_key)}</td>
      <td class="num">${p.value == null ? esc(p.state) : size(p.value)}</td>
      <td class="num">${size(p.best_so_far)}</td>
      <td><a href="#/run/${p.run}">${p.build}</a>${p.reused_from ?
        " (reused)" : ""}</td></tr>`;
  });
  html += "</table>";
  if (w && s.neighbours.length) {
    html += `<h3>Certificate</h3><table id="search-cert"><tr>
      <th>neighbour</th><th class="num">value</th>
      <th class="num">against the winner</th>${s.limits ?
        "<th>within the limits</th>" : ""}</tr>`;
    s.neighbours.forEach((n) => {
      html += `<tr><td>${esc(n.variant_key)}</td>
        <td class="num">${n.value == null ? esc(n.state) : size(n.value)}</td>
        <td class="num">${n.value == null ? "" :
          change(n.value - w.value, w.value)}</td>${s.limits ?
          `<td class="within">${n.within_limits == null ? "-" :
            n.within_limits ? "yes" : "no: " + esc(figure(
              s.limits.speed_metric, n.speed))}</td>` : ""}</tr>`;
    });
    html += "</table>";
  }
  box.innerHTML = html;
  if (s.limits && s.baseline)
    searchTradeoff(box, s);
}

// A constrained search's probes as a scatter: its metric against the
// speed figure, the front among them, the limit and the winner within it.
function searchTradeoff(box, s) {
  const pts = s.probes.filter((p) => p.value != null && p.speed != null);
  if (pts.length < 2) return;
  const beats = (a, b) => a.value <= b.value && a.speed <= b.speed &&
    (a.value < b.value || a.speed < b.speed);
  const front = [], dominated = [];
  for (const p of pts) {
    const by = pts.filter((o) => beats(o, p)).sort((a, b) =>
      a.value - b.value)[0];
    const q = { variant_key: p.variant_key, x: p.value, y: p.speed,
      build: p.build };
    if (by) dominated.push({ ...q, by: by.variant_key });
    else front.push(q);
  }
  const l = s.limits, pct = l.max_slowdown ? parseFloat(l.max_slowdown) : null;
  const div = document.createElement("div");
  div.className = "chart";
  div.innerHTML = `<h3>Size against speed</h3><p class="muted">each build of
    the search: ${esc(s.metric)} against ${esc(l.speed_metric)}; the dashed
    line is the limit, ${esc(l.max_slowdown || "")} over ${esc(l.baseline)}</p>`;
  box.appendChild(div);
  scatter(div, { front, dominated }, { id: "scatter-search",
    y: l.speed_metric, limit: pct != null && s.baseline.speed != null ?
      s.baseline.speed * (1 + pct / 100) : null,
    limitLabel: `limit: ${l.max_slowdown} over ${l.baseline}` },
    s.winner ? s.winner.variant_key : null);
}

// When another recorded run of the project has a smaller build of the
// same artifact than this run's smallest, a line that links to it.
async function beatenBy(run, done) {
  if (done.length === 0) return "";
  const mine = done.reduce((a, b) => b.art.file_size < a.art.file_size ?
    b : a);
  let best;
  try {
    best = await api(`/v1/best?project=${encodeURIComponent(run.project)}` +
      "&top=1000");
  } catch (e) {
    return "";
  }
  const top = best.ranking.find((r) => r.artifact === mine.art.name &&
    r.kind === mine.art.kind);
  if (!top || top.run === run.id || top.file_size >= mine.art.file_size)
    return "";
  return `<p id="beaten">A smaller build of ${esc(top.artifact)} is
    recorded: <a href="#/run/${top.run}">run ${top.run}</a>,
    <span title="${esc(top.variant_key)}">${esc(shortKey(top.variant_key,
    48))}</span>, ${size(top.file_size)}.</p>`;
}

/* ---- size against speed ---- */

// A figure of the y axis for people: an instruction count, a time, else
// the number.
function figure(metric, v) {
  if (v == null) return "-";
  if (metric === "bench.instructions")
    return v >= 1e9 ? (v / 1e9).toFixed(2) + "G" : v >= 1e6 ?
      (v / 1e6).toFixed(1) + "M" : v >= 1e3 ? (v / 1e3).toFixed(1) + "k" :
      String(v);
  if (/(^|\.)wall_ms|cpu_ms/.test(metric))
    return v >= 1000 ? (v / 1000).toFixed(1) + " s" : v + " ms";
  if (metric === "bench.max_rss_kib") return size(v * 1024);
  return String(v);
}

// Five round ticks between lo and hi (1, 2 or 5 times a power of ten).
function decimalTicks(lo, hi) {
  const span = hi - lo || hi || 1;
  const raw = span / 4, p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step)
    out.push(v);
  return out;
}

// The run's trade-offs: file size against run time (where a benchmark
// ran: its instruction count, else its median wall time) and against
// build time, each with the Pareto front (GET /v1/runs/{id}/pareto)
// drawn and labelled, and a constrained search's winner marked.
async function tradeoffs(box, run, done, search) {
  const has = (m) => done.some((x) => (x.art.measurements || {})[m] != null);
  const charts = [];
  if (has("bench.instructions"))
    charts.push({ id: "scatter-run", y: "bench.instructions",
      title: "run time: instructions of one run (valgrind)" });
  else if (has("bench.wall_ms"))
    charts.push({ id: "scatter-run", y: "bench.wall_ms",
      title: "run time: median wall time" });
  charts.push({ id: "scatter-build", y: "wall_ms",
    title: "build time: the build's wall time" });
  const winner = search && search.limits && search.winner ?
    search.winner.variant_key : null;
  box.innerHTML = "";
  for (const c of charts) {
    let p;
    try {
      p = await api(`/v1/runs/${run.id}/pareto?y=${c.y}`);
    } catch (e) {
      continue;	// a static report without it, or no values
    }
    const div = document.createElement("div");
    div.className = "chart";
    div.innerHTML = `<p class="muted">${esc(c.title)}, against file size;
      the line is the front: no variant is both smaller and faster than
      one on it</p>`;
    box.appendChild(div);
    scatter(div, p, c, winner);
  }
}

// One scatter chart of a pareto answer: every variant a point, the front
// as a staircase through its points, each front point labelled.
function scatter(box, p, c, winner) {
  const W = 900, H = 380, L = 80, R = 30, T = 20, B = 44;
  const pts = p.front.map((f) => ({ ...f, front: true }))
    .concat(p.dominated.map((d) => ({ ...d, front: false })));
  const xs = pts.map((q) => q.x), ys = pts.map((q) => q.y);
  const pad = (lo, hi) => [lo - (hi - lo) * 0.08 - (hi === lo ? 1 : 0),
    hi + (hi - lo) * 0.08 + (hi === lo ? 1 : 0)];
  const [x0, x1] = pad(Math.min(...xs), Math.max(...xs));
  const [y0, y1] = pad(Math.min(...ys), Math.max(...ys));
  const X = (v) => L + (W - L - R) * (v - x0) / (x1 - x0);
  const Y = (v) => H - B - (H - T - B) * (v - y0) / (y1 - y0);
  const svg = svgEl("svg", { width: W, height: H, id: c.id, class: "scatter",
    "data-y": c.y, "data-points": pts.length, "data-front": p.front.length });
  for (const t of binaryTicks(Math.max(0, x0), x1)) {
    if (t < x0) continue;
    svg.appendChild(svgEl("line", { x1: X(t), x2: X(t), y1: T, y2: H - B,
      stroke: "#eef0f4" }));
    svg.appendChild(svgEl("text", { x: X(t), y: H - B + 16, "font-size": 11,
      "text-anchor": "middle", fill: "#5b6474" }, size(t)));
  }
  for (const t of decimalTicks(Math.max(0, y0), y1)) {
    if (t < y0) continue;
    svg.appendChild(svgEl("line", { x1: L, x2: W - R, y1: Y(t), y2: Y(t),
      stroke: "#eef0f4" }));
    svg.appendChild(svgEl("text", { x: L - 6, y: Y(t) + 4, "font-size": 11,
      "text-anchor": "end", fill: "#5b6474" }, figure(c.y, t)));
  }
  svg.appendChild(svgEl("text", { x: (L + W - R) / 2, y: H - 8,
    "font-size": 12, "text-anchor": "middle" }, "file size"));
  svg.appendChild(svgEl("text", { x: 14, y: (T + H - B) / 2, "font-size": 12,
    "text-anchor": "middle", transform: `rotate(-90 14 ${(T + H - B) / 2})` },
    c.y));
  // The front: sorted by size, a step to each next (smaller y) point.
  const front = p.front.slice().sort((a, b) => a.x - b.x || a.y - b.y);
  let d = "";
  front.forEach((f, i) => {
    d += i === 0 ? `M${X(f.x)},${Y(f.y)}` : `H${X(f.x)}V${Y(f.y)}`;
  });
  svg.appendChild(svgEl("path", { d, class: "front-line", fill: "none",
    stroke: "#1a7f37", "stroke-width": 2 }));
  for (const q of pts) {
    const dot = svgEl("circle", { cx: X(q.x), cy: Y(q.y), r: q.front ? 5 : 4,
      class: q.front ? "point front" : "point dominated",
      "data-key": q.variant_key, fill: q.front ? "#1a7f37" : "#fff",
      stroke: q.front ? "#1a7f37" : "#8c95a6", "stroke-width": 1.5 });
    dot.addEventListener("mousemove", (e) => showTip(e,
      `<b>${esc(q.variant_key)}</b><br>${size(q.x)}, ${esc(figure(c.y, q.y))}` +
      (q.front ? "<br>on the front" : `<br>beaten by ${esc(q.by)}`)));
    dot.addEventListener("mouseleave", hideTip);
    svg.appendChild(dot);
  }
  // Each front point labelled, at the first of a few places that does
  // not cover a label already placed; a point with none left gets its
  // label as a tooltip only.
  const placed = [];
  front.forEach((f) => {
    const text = shortKey(f.variant_key, 34), w = text.length * 6;
    for (const dy of [-8, 16, -22, 30, -36]) {
      const x = Math.min(X(f.x) + 8, W - R - w), y = Y(f.y) + dy;
      if (placed.some((b) => x < b.x + b.w && b.x < x + w &&
        Math.abs(b.y - y) < 13))
        continue;
      placed.push({ x, y, w });
      svg.appendChild(svgEl("text", { x, y, "font-size": 11,
        class: "front-label", fill: "#1a7f37" }, text));
      return;
    }
    svg.appendChild(svgEl("title", {}, f.variant_key));
  });
  if (c.limit != null && c.limit >= y0 && c.limit <= y1) {
    svg.appendChild(svgEl("line", { x1: L, x2: W - R, y1: Y(c.limit),
      y2: Y(c.limit), class: "limit-line", stroke: "#cf222e",
      "stroke-dasharray": "6 4" }));
    svg.appendChild(svgEl("text", { x: W - R - 4, y: Y(c.limit) - 6,
      "font-size": 11, "text-anchor": "end", fill: "#cf222e" }, c.limitLabel));
  }
  const w = winner && pts.find((q) => q.variant_key === winner);
  if (w) {
    svg.appendChild(svgEl("circle", { cx: X(w.x), cy: Y(w.y), r: 10,
      class: "winner", fill: "none", stroke: "#cf222e", "stroke-width": 2 }));
    svg.appendChild(svgEl("text", { x: X(w.x) + 12, y: Y(w.y) + 18,
      "font-size": 11, class: "winner-label", fill: "#cf222e" },
      "the search's answer within its limits"));
  }
  box.appendChild(svg);
}

// The ladder as a waterfall: the size after each step, and what it saved.
function waterfall(box, builds) {
  const steps = builds.map((b) => ({ b, a: (b.artifacts || [])[0] }));
  const sizes = steps.map((s) => s.a ? s.a.file_size : null);
  const max = Math.max(1, ...sizes.filter((v) => v != null));
  const W = 900, rowH = 30, L = 210, H = steps.length * rowH + 20;
  const svg = svgEl("svg", { width: W, height: H, id: "ladder-svg",
    "data-steps": steps.length });
  const w = (v) => (W - L - 170) * v / max;
  let prev = null;
  steps.forEach((s, i) => {
    const yy = 10 + i * rowH;
    svg.appendChild(svgEl("text", { x: L - 8, y: yy + 18, "text-anchor": "end",
      "font-size": 12 }, s.b.step || s.b.variant_key));
    if (s.a) {
      const v = s.a.file_size;
      svg.appendChild(svgEl("rect", { x: L, y: yy + 4, width: w(v),
        height: rowH - 10, fill: "#3f51b5", class: "step" }));
      if (prev != null && prev > v)
        svg.appendChild(svgEl("rect", { x: L + w(v), y: yy + 4,
          width: w(prev) - w(v), height: rowH - 10, fill: "#1a7f37",
          opacity: 0.35 }));
      const saved = prev == null ? "" : prev >= v ? `  saves ${size(prev - v)}` :
        `  adds ${size(v - prev)}`;
      svg.appendChild(svgEl("text", { x: L + w(Math.max(v, prev || 0)) + 6,
        y: yy + 18, "font-size": 12 }, size(v) + saved));
      prev = v;
    } else {
      svg.appendChild(svgEl("text", { x: L, y: yy + 18, "font-size": 12,
        fill: "#cf222e" }, s.b.state + (s.b.error ? ": " +
        s.b.error.split("\n")[0].slice(0, 80) : "")));
    }
  });
  box.innerHTML = "";
  box.appendChild(svg);
}

// The axes of a run: every setting that takes more than one value.
function runAxes(builds) {
  const axes = {};
  for (const b of builds)
    for (const [k, v] of Object.entries(b.variant || {}))
      (axes[k] = axes[k] || new Set()).add(String(v));
  for (const b of builds)
    for (const k of Object.keys(axes))
      if (!(k in (b.variant || {}))) axes[k].add("(unset)");
  return Object.fromEntries(Object.entries(axes)
    .filter(([, v]) => v.size > 1)
    .map(([k, v]) => [k, [...v].sort()]));
}

function heatmap(builds) {
  const axes = runAxes(builds);
  const names = Object.keys(axes);
  const controls = document.getElementById("axes");
  const box = document.getElementById("heat");
  if (names.length < 2) {
    controls.innerHTML = "";
    box.innerHTML = names.length === 1 ?
      '<p class="muted">one axis: see the table below</p>' :
      '<p class="muted">a single variant</p>';
    if (names.length === 1) heatGrid(box, builds, axes, names[0], null, {});
    return;
  }
  const pref = ["opt-level", "lto", "codegen-units", "strip", "panic"];
  const order = [...names].sort((a, b) => (pref.indexOf(a) + 1 || 99) -
    (pref.indexOf(b) + 1 || 99));
  heatmap.rows = names.includes(heatmap.rows) ? heatmap.rows : order[0];
  heatmap.cols = names.includes(heatmap.cols) && heatmap.cols !== heatmap.rows ?
    heatmap.cols : order.find((n) => n !== heatmap.rows);
  heatmap.fixed = heatmap.fixed || {};
  const opt = (sel, list) => list.map((n) =>
    `<option${n === sel ? " selected" : ""}>${esc(n)}</option>`).join("");
  let html = `rows <select id="hrows">${opt(heatmap.rows, names)}</select>
    columns <select id="hcols">${opt(heatmap.cols, names)}</select>`;
  for (const n of names) {
    if (n === heatmap.rows || n === heatmap.cols) continue;
    html += `${esc(n)} <select data-axis="${esc(n)}" class="hfix">` +
      opt(heatmap.fixed[n] || "smallest", ["smallest", ...axes[n]]) +
      "</select>";
  }
  controls.innerHTML = html;
  const redraw = () => {
    heatmap.rows = document.getElementById("hrows").value;
    heatmap.cols = document.getElementById("hcols").value;
    document.querySelectorAll(".hfix").forEach((s) =>
      heatmap.fixed[s.dataset.axis] = s.value);
    heatmap(builds);
  };
  controls.querySelectorAll("select").forEach((s) =>
    s.addEventListener("change", redraw));
  heatGrid(box, builds, axes, heatmap.rows, heatmap.cols, heatmap.fixed);
}

// A cell per (row value, column value): the size of the variant there,
// other axes fixed to a value or to whichever is smallest.
function heatGrid(box, builds, axes, rows, cols, fixed) {
  const value = (b, k) => k in (b.variant || {}) ? String(b.variant[k]) :
    "(unset)";
  const rv = axes[rows], cv = cols ? axes[cols] : [""];
  const cells = [];
  for (const r of rv) for (const c of cv) {
    let best = null;
    for (const s of sized(builds)) {
      if (value(s.build, rows) !== r || (cols && value(s.build, cols) !== c))
        continue;
      if (Object.entries(fixed).some(([k, v]) => k !== rows && k !== cols &&
        v !== "smallest" && value(s.build, k) !== v)) continue;
      if (!best || s.art.file_size < best.art.file_size) best = s;
    }
    cells.push({ r, c, best });
  }
  const got = cells.filter((x) => x.best).map((x) => x.best.art.file_size);
  const lo = Math.min(...got), hi = Math.max(...got);
  const cw = 130, ch = 40, L = 120, T = 30;
  const svg = svgEl("svg", { width: L + cv.length * cw + 10,
    height: T + rv.length * ch + 10, id: "heat-svg", "data-cells": cells.length });
  cv.forEach((c, j) => svg.appendChild(svgEl("text", { x: L + j * cw + cw / 2,
    y: T - 10, "text-anchor": "middle", "font-size": 12 },
    cols ? `${cols}=${c}` : "")));
  rv.forEach((r, i) => svg.appendChild(svgEl("text", { x: L - 8,
    y: T + i * ch + ch / 2 + 4, "text-anchor": "end", "font-size": 12 },
    `${rows}=${r}`)));
  for (const cell of cells) {
    const i = rv.indexOf(cell.r), j = cv.indexOf(cell.c);
    const v = cell.best ? cell.best.art.file_size : null;
    const t = v == null || hi === lo ? 0.5 : (v - lo) / (hi - lo);
    const fill = v == null ? "#eee" :
      `hsl(${Math.round(130 - 130 * t)}, 55%, ${Math.round(82 - 20 * t)}%)`;
    const rect = svgEl("rect", { x: L + j * cw, y: T + i * ch, width: cw - 2,
      height: ch - 2, fill, class: "cell" });
    if (v != null && v === lo) {
      rect.setAttribute("stroke", "#1a7f37");
      rect.setAttribute("stroke-width", 3);
      rect.classList.add("smallest");
    }
    if (cell.best)
      rect.addEventListener("mousemove", (e) => showTip(e,
        `${esc(cell.best.build.variant_key)}<br><b>${size(v)}</b>`));
    rect.addEventListener("mouseleave", hideTip);
    svg.appendChild(rect);
    svg.appendChild(svgEl("text", { x: L + j * cw + cw / 2 - 1,
      y: T + i * ch + ch / 2 + 4, "text-anchor": "middle", "font-size": 12,
      "pointer-events": "none" }, v == null ? "-" : size(v)));
  }
  box.innerHTML = "";
  box.appendChild(svg);
}

// The smallest variants as bars, the winner in green: the answer at a
// glance, before the table.
function rankingBars(top, release) {
  const max = Math.max(release.art.file_size, ...top.map((x) =>
    x.art.file_size));
  const W = 900, rowH = 24, L = 330;
  let svg = `<svg id="ranking-svg" width="${W}" height="${top.length * rowH + 8}"
    data-bars="${top.length}">`;
  top.forEach((x, i) => {
    const w = Math.max(2, (W - L - 190) * x.art.file_size / max);
    const y = 4 + i * rowH;
    const key = x.build.variant_key;
    svg += `<text x="${L - 8}" y="${y + 15}" text-anchor="end" font-size="12"
      >${esc(key.length > 48 ? key.slice(0, 47) + "…" : key)}</text>
      <rect x="${L}" y="${y + 3}" width="${w}" height="${rowH - 8}"
      fill="${i === 0 ? "#1a7f37" : "#8c96b4"}" class="bar"></rect>
      <text x="${L + w + 6}" y="${y + 15}" font-size="12">${size(x.art.file_size)}${
      i === 0 ? " — smallest" : ""}</text>`;
  });
  return `<div class="chart">${svg}</svg></div>`;
}

// The smallest variants, against the plain release build, with what to
// paste: environment lines or a [profile.release] snippet.
function smallest(box, done) {
  if (done.length === 0) {
    box.innerHTML = '<p class="muted">no build done yet</p>';
    return;
  }
  const ranked = [...done].sort((a, b) => a.art.file_size - b.art.file_size);
  // The winner's release baseline: the same features, package, target and
  // toolchain with no profile key set.
  const release = done.find((x) => x.build.variant_key ===
    ranked[0].build.baseline_key) || ranked[ranked.length - 1];
  const baseName = release.build.variant_key === ranked[0].build.baseline_key
    ? "release" : "the largest";
  let html = rankingBars(ranked.slice(0, 10), release);
  html += `<table id="ranking"><tr><th>#</th><th>variant</th>
    <th class="num">size</th><th class="num">bytes</th>
    <th class="num">vs ${baseName}</th></tr>`;
  ranked.slice(0, 10).forEach((x, i) => {
    html += `<tr><td>${i + 1}</td><td>${esc(x.build.variant_key)}</td>
      <td class="num">${size(x.art.file_size)}</td>
      <td class="num">${x.art.file_size}</td>
      <td class="num">${change(x.art.file_size - release.art.file_size,
        release.art.file_size)}</td></tr>`;
  });
  html += "</table>";
  const win = ranked[0].build;
  // What to paste, as the daemon renders it for every client.
  const snippet = win.snippet || {};
  html += `<p>Smallest: <b>${esc(win.variant_key)}</b>,
    ${size(ranked[0].art.file_size)}.</p>`;
  if (snippet.toml)
    html += `<pre class="snippet" id="snippet">${esc(snippet.toml.trimEnd())}</pre>`;
  if (snippet.shell)
    html += `<pre class="snippet" id="envlines">${esc(snippet.shell.trimEnd())}</pre>`;
  box.innerHTML = html;
}

/* ---- live progress and routing ---- */

// The header's "N building, M queued" is read again at each of the
// queue's events (GET /v1/events holds the request until one happens)
// rather than every 2 s. A hold that ends with nothing new (a daemon
// with a short --max-hold) is asked again after 2 s, as is a daemon that
// does not answer; events meanwhile are answered at once then.
async function live(seq) {
  const el = document.getElementById("live");
  let ev;
  try {
    ev = await api(seq == null ? "/v1/events" :
      `/v1/events?after=${seq}&timeout_ms=25000`);
    if (seq == null || ev.events.length || ev.lost) {
      const s = await api("/v1/status");
      el.textContent = s.running.length || s.queued.length ?
        `${s.running.length} building, ${s.queued.length} queued` : "idle";
      el.dataset.running = s.running.length;
    }
  } catch (e) {
    el.textContent = "daemon unreachable";
    setTimeout(live, 2000);
    return;
  }
  if (seq != null && !ev.events.length && !ev.lost)
    setTimeout(() => live(ev.seq), 2000);
  else
    live(ev.seq);
}

async function route() {
  clearTimeout(timer);
  route.gen = (route.gen || 0) + 1;
  hideTip();
  const h = location.hash.replace(/^#\/?/, "");
  const [kind, arg, what] = h.split("/");
  const report = window.SIZEMAT_REPORT;
  view.dataset.state = "loading";
  try {
    if (report) {
      // A static report: the project's trend, then its run.
      view.innerHTML = '<div id="report-project"></div><div id="report-run"></div>';
      if (report.project)
        await projectView(report.project, document.getElementById("report-project"));
      if (report.run)
        await runView(report.run, document.getElementById("report-run"));
    } else if (kind === "project" && arg)
      await projectView(decodeURIComponent(arg), view,
        what && decodeURIComponent(what));
    else if (kind === "run" && arg) await runView(Number(arg), view);
    else await overview(view);
    view.dataset.state = "ready";
  } catch (e) {
    view.dataset.state = "error";
    view.innerHTML = `<p class="up">${esc(e.message)}</p>`;
  }
}

window.addEventListener("hashchange", () => {
  projectView.chosen = projectView.chosen || null;
  route();
});
route();
if (!window.SIZEMAT_REPORT)
  live();
