// Line plots on canvas: axes, ticks, series, optional interval bands and a horizontal line.
"use strict";

function niceTicks(lo, hi, count) {
  if (!(hi > lo)) { hi = lo + 1; }
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(+t.toFixed(10));
  return ticks;
}

function fitCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 400, height = canvas.clientHeight || 220;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { ctx, width, height };
}

// spec: {title, xLabel, yMin, yMax, hline: {y, label}, series: [{label, colour, points: [[x, y]],
//        band: [[x, lo, hi]], step: bool}]}
function linePlot(canvas, spec) {
  const { ctx, width, height } = fitCanvas(canvas);
  ctx.clearRect(0, 0, width, height);
  const pad = { l: 48, r: 12, t: 36, b: 30 };
  const all = [];
  for (const s of spec.series) {
    for (const p of s.points) all.push(p);
    for (const b of s.band || []) { all.push([b[0], b[1]]); all.push([b[0], b[2]]); }
  }
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
  const xMin = 0, xMax = Math.max(1, spec.xMax || 0, ...xs);
  let yMin = spec.yMin !== undefined ? spec.yMin : Math.min(0, ...ys);
  let yMax = spec.yMax !== undefined ? spec.yMax : Math.max(1e-9, ...ys, spec.hline ? spec.hline.y : 0) * 1.08;
  if (yMax <= yMin) yMax = yMin + 1;
  const X = (x) => pad.l + (x - xMin) / (xMax - xMin) * (width - pad.l - pad.r);
  const Y = (y) => height - pad.b - (y - yMin) / (yMax - yMin) * (height - pad.t - pad.b);
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = "#1d2330";
  ctx.fillText(spec.title || "", pad.l, 14);
  ctx.strokeStyle = "#d9dde5"; ctx.fillStyle = "#6b7280"; ctx.lineWidth = 1;
  for (const t of niceTicks(yMin, yMax, 4)) {
    ctx.beginPath(); ctx.moveTo(pad.l, Y(t)); ctx.lineTo(width - pad.r, Y(t)); ctx.stroke();
    ctx.fillText(String(+t.toFixed(3)), 4, Y(t) + 4);
  }
  for (const t of niceTicks(xMin, xMax, 6)) {
    ctx.fillText(String(t), X(t) - 8, height - pad.b + 14);
  }
  ctx.fillText(spec.xLabel || "evaluations", width - pad.r - 80, height - 4);
  if (spec.hline) {
    ctx.strokeStyle = "#9aa3b2"; ctx.setLineDash([4, 4]);
    ctx.beginPath(); ctx.moveTo(pad.l, Y(spec.hline.y)); ctx.lineTo(width - pad.r, Y(spec.hline.y)); ctx.stroke();
    ctx.setLineDash([]); ctx.fillText(spec.hline.label, width - pad.r - 90, Y(spec.hline.y) - 4);
  }
  let legendX = pad.l, count = 0;
  for (const s of spec.series) {
    if (s.band && s.band.length) {
      ctx.fillStyle = s.colour + "33";
      ctx.beginPath();
      s.band.forEach((b, i) => (i ? ctx.lineTo(X(b[0]), Y(b[2])) : ctx.moveTo(X(b[0]), Y(b[2]))));
      for (let i = s.band.length - 1; i >= 0; i--) ctx.lineTo(X(s.band[i][0]), Y(s.band[i][1]));
      ctx.closePath(); ctx.fill();
    }
    ctx.strokeStyle = s.colour; ctx.lineWidth = 1.8;
    ctx.beginPath();
    let last = null;
    s.points.forEach((p, i) => {
      if (i === 0) ctx.moveTo(X(p[0]), Y(p[1]));
      else if (s.step && last) { ctx.lineTo(X(p[0]), Y(last[1])); ctx.lineTo(X(p[0]), Y(p[1])); }
      else ctx.lineTo(X(p[0]), Y(p[1]));
      last = p;
    });
    ctx.stroke();
    count += s.points.length;
    ctx.fillStyle = s.colour; ctx.fillRect(legendX, 19, 10, 10);
    ctx.fillStyle = "#1d2330"; ctx.fillText(s.label, legendX + 14, 28);
    legendX += ctx.measureText(s.label).width + 30;
  }
  canvas.dataset.series = String(spec.series.length);
  canvas.dataset.points = String(count);
}

window.hgmPlots = { linePlot, fitCanvas };
