// The tree of agents on a canvas: tidy layered layout, zoom, pan, collapse, search, culling.
"use strict";

const TREE = { dx: 22, dy: 64, pad: 30 };

// Posterior mean p in [0, 1] -> red (0), amber (0.5), green (1); same scale as bundle.colour_of.
function colourOf(p) {
  const stops = [[0, [200, 40, 40]], [0.5, [235, 180, 40]], [1, [30, 150, 70]]];
  p = Math.max(0, Math.min(1, p));
  for (let i = 1; i < stops.length; i++) {
    const [x0, c0] = stops[i - 1], [x1, c1] = stops[i];
    if (p <= x1) {
      const t = (p - x0) / (x1 - x0);
      const c = c0.map((a, k) => Math.round(a + (c1[k] - a) * t));
      return "#" + c.map((v) => v.toString(16).padStart(2, "0")).join("");
    }
  }
  return "#1e9646";
}

class TreeView {
  constructor(canvas, run, onOpen) {
    this.canvas = canvas;
    this.run = run;
    this.onOpen = onOpen;
    this.collapsed = run.collapsed;
    this.highlight = new Map(); // id -> colour of a ring
    this.positions = new Map();
    this.visible = [];
    this.view = { scale: 1, tx: 0, ty: 0 };
    this.fitted = false;
    this.hover = null;
    this._bind();
    this.relayout();
  }

  relayout() {
    const nodes = this.run.nodes;
    const root = this.run.root;
    this.positions.clear();
    this.visible = [];
    if (root === null || !nodes.has(root)) { this.draw(); return; }
    let leaf = 0;
    // iterative post-order: leaves get the next slot, parents sit over their children
    const stack = [[root, 0, false]];
    while (stack.length) {
      const [id, depth, seen] = stack.pop();
      const node = nodes.get(id);
      const kids = this.collapsed.has(id) ? [] : node.children;
      if (!seen && kids.length) {
        stack.push([id, depth, true]);
        for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i], depth + 1, false]);
        continue;
      }
      let x;
      if (kids.length) {
        x = (this.positions.get(kids[0])[0] + this.positions.get(kids[kids.length - 1])[0]) / 2;
      } else {
        x = leaf++ * TREE.dx;
      }
      this.positions.set(id, [x, depth * TREE.dy]);
      this.visible.push(id);
    }
    if (!this.fitted) this.fit();
    this.draw();
  }

  fit() {
    const { width, height } = this._size();
    let maxX = 0, maxY = 0;
    for (const [x, y] of this.positions.values()) { maxX = Math.max(maxX, x); maxY = Math.max(maxY, y); }
    const scale = Math.min(2.2, (width - 2 * TREE.pad) / Math.max(1, maxX), (height - 2 * TREE.pad) / Math.max(1, maxY));
    this.view.scale = Math.max(0.02, scale);
    this.view.tx = (width - maxX * this.view.scale) / 2;
    this.view.ty = TREE.pad;
    this.fitted = this.positions.size > 0;
    this.draw();
  }

  _size() {
    return { width: this.canvas.clientWidth || 800, height: this.canvas.clientHeight || 500 };
  }

  radius(node) {
    return 4 + 2.2 * Math.sqrt(node.own_s + node.own_f);
  }

  toScreen([x, y]) {
    return [x * this.view.scale + this.view.tx, y * this.view.scale + this.view.ty];
  }

  draw() {
    const { ctx, width, height } = window.hgmPlots.fitCanvas(this.canvas);
    ctx.clearRect(0, 0, width, height);
    const nodes = this.run.nodes, s = this.view.scale;
    const inView = (x, y, r) => x + r >= 0 && x - r <= width && y + r >= 0 && y - r <= height;
    // edges, one path
    ctx.strokeStyle = "#b8c0cc"; ctx.lineWidth = 1;
    ctx.beginPath();
    for (const id of this.visible) {
      const node = nodes.get(id);
      if (node.parent === null || !this.positions.has(node.parent)) continue;
      const [x1, y1] = this.toScreen(this.positions.get(node.parent));
      const [x2, y2] = this.toScreen(this.positions.get(id));
      if (!inView(Math.min(x1, x2), Math.min(y1, y2), Math.abs(x2 - x1) + Math.abs(y2 - y1) + 2)) continue;
      ctx.moveTo(x1, y1); ctx.lineTo(x2, y2);
    }
    ctx.stroke();
    const running = this.run.runningByAgent();
    let drawn = 0;
    for (const id of this.visible) {
      const node = nodes.get(id);
      const [x, y] = this.toScreen(this.positions.get(id));
      const r = Math.max(1.5, this.radius(node) * s);
      if (!inView(x, y, r + 12)) continue;
      drawn++;
      ctx.fillStyle = colourOf(node.p);
      ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI); ctx.fill();
      if (this.collapsed.has(id) && node.children.length) {
        ctx.strokeStyle = "#1d2330"; ctx.lineWidth = 1.5; ctx.setLineDash([2, 2]);
        ctx.beginPath(); ctx.arc(x, y, r + 3, 0, 2 * Math.PI); ctx.stroke(); ctx.setLineDash([]);
        ctx.fillStyle = "#1d2330"; ctx.font = "10px system-ui";
        ctx.fillText("+" + this.run.cladeSize(id), x + r + 4, y + 12);
      }
      if (node.failed > 0) {
        ctx.strokeStyle = "#c83232"; ctx.lineWidth = 1.3;
        const shown = Math.min(node.failed, 6), size = Math.max(2, Math.min(4, r / 2));
        for (let k = 0; k < shown; k++) {
          const cx = x - (shown - 1) * size + k * size * 2, cy = y + r + size + 3;
          ctx.beginPath(); ctx.moveTo(cx - size / 1.5, cy - size / 1.5); ctx.lineTo(cx + size / 1.5, cy + size / 1.5);
          ctx.moveTo(cx + size / 1.5, cy - size / 1.5); ctx.lineTo(cx - size / 1.5, cy + size / 1.5); ctx.stroke();
        }
      }
      const jobs = running.get(id);
      if (jobs) {
        ctx.strokeStyle = "#2458d6"; ctx.lineWidth = 2; ctx.setLineDash([3, 3]);
        ctx.beginPath(); ctx.arc(x, y, r + 5, 0, 2 * Math.PI); ctx.stroke(); ctx.setLineDash([]);
      }
      const ring = this.highlight.get(id);
      if (ring) {
        ctx.strokeStyle = ring; ctx.lineWidth = 3;
        ctx.beginPath(); ctx.arc(x, y, r + 8, 0, 2 * Math.PI); ctx.stroke();
      }
      if (id === this.run.shipped) {
        ctx.strokeStyle = "#111"; ctx.lineWidth = 2.5;
        ctx.beginPath(); ctx.arc(x, y, r + 2, 0, 2 * Math.PI); ctx.stroke();
        ctx.fillStyle = "#d4a017"; ctx.font = "bold 14px system-ui"; ctx.fillText("★", x - 5, y - r - 5);
      }
      if (r >= 7) {
        ctx.fillStyle = "#1d2330"; ctx.font = "10px system-ui";
        ctx.fillText(String(id), x + r + 2, y - 2);
      }
    }
    this.canvas.dataset.agents = String(nodes.size);
    this.canvas.dataset.visible = String(this.visible.length);
    this.canvas.dataset.drawn = String(drawn);
  }

  hit(clientX, clientY) {
    const rect = this.canvas.getBoundingClientRect();
    const px = clientX - rect.left, py = clientY - rect.top;
    let best = null, bestD = Infinity;
    for (const id of this.visible) {
      const node = this.run.nodes.get(id);
      const [x, y] = this.toScreen(this.positions.get(id));
      const r = Math.max(1.5, this.radius(node) * this.view.scale) + 4;
      const d = (x - px) ** 2 + (y - py) ** 2;
      if (d <= r * r && d < bestD) { best = id; bestD = d; }
    }
    return best;
  }

  // Client coordinates of an agent's node (for tests and for centring).
  clientPosition(id) {
    const at = this.positions.get(id);
    if (!at) return null;
    const rect = this.canvas.getBoundingClientRect();
    const [x, y] = this.toScreen(at);
    return [rect.left + x, rect.top + y];
  }

  centre(id) {
    const at = this.positions.get(id);
    if (!at) return false;
    const { width, height } = this._size();
    this.view.scale = Math.max(this.view.scale, 1);
    this.view.tx = width / 2 - at[0] * this.view.scale;
    this.view.ty = height / 2 - at[1] * this.view.scale;
    this.draw();
    return true;
  }

  toggle(id) {
    if (this.collapsed.has(id)) this.collapsed.delete(id); else this.collapsed.add(id);
    this.relayout();
  }

  _bind() {
    const c = this.canvas;
    let drag = null, moved = false;
    c.addEventListener("wheel", (e) => {
      e.preventDefault();
      const rect = c.getBoundingClientRect();
      const mx = e.clientX - rect.left, my = e.clientY - rect.top;
      const k = Math.exp(-e.deltaY * 0.0015);
      const scale = Math.max(0.01, Math.min(20, this.view.scale * k));
      this.view.tx = mx - (mx - this.view.tx) * (scale / this.view.scale);
      this.view.ty = my - (my - this.view.ty) * (scale / this.view.scale);
      this.view.scale = scale;
      this.draw();
    }, { passive: false });
    c.addEventListener("mousedown", (e) => { drag = [e.clientX, e.clientY, this.view.tx, this.view.ty]; moved = false; });
    window.addEventListener("mouseup", () => { drag = null; });
    c.addEventListener("mousemove", (e) => {
      if (drag) {
        const dx = e.clientX - drag[0], dy = e.clientY - drag[1];
        if (Math.abs(dx) + Math.abs(dy) > 3) moved = true;
        this.view.tx = drag[2] + dx; this.view.ty = drag[3] + dy;
        this.draw();
        return;
      }
      this._tooltip(e);
    });
    c.addEventListener("mouseleave", () => { document.getElementById("tooltip").hidden = true; });
    c.addEventListener("click", (e) => {
      if (moved) return;
      const id = this.hit(e.clientX, e.clientY);
      if (id === null) return;
      if (e.shiftKey || e.altKey) this.toggle(id); else this.onOpen(id);
    });
    c.addEventListener("dblclick", (e) => {
      const id = this.hit(e.clientX, e.clientY);
      if (id !== null) this.toggle(id);
    });
  }

  _tooltip(e) {
    const tip = document.getElementById("tooltip");
    const id = this.hit(e.clientX, e.clientY);
    if (id === null) { tip.hidden = true; return; }
    const n = this.run.nodes.get(id);
    const lines = [
      `agent ${id}${id === this.run.shipped ? "  ★ shipped" : ""}`,
      `own ${n.own_s}/${n.own_f} (s/f)   clade ${n.clade_s}/${n.clade_f}`,
      `colour value ${n.p.toFixed(3)}`,
    ];
    for (const f of this.run.failedOf(id).slice(0, 4)) lines.push(`✗ child ${f.child}: ${f.reason.slice(0, 120)}`);
    if (n.failed > 4) lines.push(`… ${n.failed - 4} more failed expansions`);
    for (const job of this.run.runningByAgent().get(id) || []) {
      lines.push(job.kind === "expand" ? `running: expanding into ${job.child}` : `running: evaluating ${job.task}`);
    }
    lines.push("click: open · shift-click or double-click: collapse");
    tip.textContent = lines.join("\n");
    tip.style.left = e.clientX + 14 + "px";
    tip.style.top = e.clientY + 10 + "px";
    tip.hidden = false;
  }
}

window.hgmTree = { TreeView, colourOf };
