// The dashboard: data (live from the server's API, or a report's embedded bundle), routing,
// the run overview (tree, cards, progress plots) and the compare view. Polls every second.
"use strict";

(function () {
  const { el, fmt, card, table } = window.hgmPages;
  const BOOT = window.HGM_BOOT;
  const STATIC = BOOT !== null && BOOT !== undefined;
  const POLL_MS = 1000;
  const PALETTE = ["#2458d6", "#d0501a", "#1e9646", "#8e3bb8", "#c8a000", "#0f8a8a", "#b8325a"];
  const FIELDS = ["id", "parent", "own_s", "own_f", "clade_s", "clade_f", "clade_fx", "failed", "p"];

  class RunData {
    constructor(index, name) {
      this.index = index; this.name = name;
      this.nodes = new Map(); this.root = null; this.version = -1;
      this.failed = []; this.points = []; this.summary = null; this.running = [];
      this.collapsed = new Set(); this.shipped = null; this._byAgent = null;
    }
    apply(state) {
      let added = false;
      const touched = new Set();
      for (const row of state.nodes) {
        const values = Object.fromEntries(FIELDS.map((f, i) => [f, row[i]]));
        let node = this.nodes.get(values.id);
        if (!node) {
          node = { children: [] };
          this.nodes.set(values.id, node);
          added = true;
          if (values.parent === null) this.root = values.id;
          else if (this.nodes.has(values.parent)) this.nodes.get(values.parent).children.push(values.id);
        }
        Object.assign(node, values);
        touched.add(values.id);
      }
      this.failed.push(...state.failed);
      this.points.push(...state.points);
      this.summary = state.summary;
      this.version = state.summary.version;
      this.running = state.running;
      this._byAgent = null;
      this.shipped = state.summary.now ? state.summary.now.shipped : null;
      return { added, touched, points: state.points.length > 0 };
    }
    runningByAgent() {
      if (!this._byAgent) {
        this._byAgent = new Map();
        for (const job of this.running) {
          if (!this._byAgent.has(job.agent)) this._byAgent.set(job.agent, []);
          this._byAgent.get(job.agent).push(job);
        }
      }
      return this._byAgent;
    }
    failedOf(id) { return this.failed.filter((f) => f.parent === id); }
    cladeSize(id) {
      let count = 0; const stack = [...this.nodes.get(id).children];
      while (stack.length) { count++; stack.push(...this.nodes.get(stack.pop()).children); }
      return count;
    }
    curve() {
      const now = this.summary && this.summary.now;
      const last = this.points[this.points.length - 1];
      return now && (!last || last.evaluations !== now.evaluations) ? [...this.points, now] : this.points;
    }
  }

  // ---- data sources ----------------------------------------------------------------------
  async function api(path) {
    const response = await fetch(path, { cache: "no-store" });
    if (!response.ok) throw new Error(`${response.status}: ${await response.text()}`);
    return response.json();
  }

  const live = {
    runs: () => api("api/runs"),
    state: (rd) => api(`api/runs/${rd.index}/state?v=${rd.version}&fx=${rd.failed.length}&pts=${rd.points.length}`),
    agent: (i, a) => api(`api/runs/${i}/agents/${a}`),
    clade: (i, a) => api(`api/runs/${i}/clades/${a}`),
    job: (i, key) => api(`api/runs/${i}/job?key=${encodeURIComponent(key)}`),
    task: (i, task) => api(`api/runs/${i}/task?task=${encodeURIComponent(task)}`),
    compare: () => api("api/compare"),
  };

  const NOT_IN_REPORT = "not in this report (a report holds the shipped agent's lineage; open the run with `hgm ui` for everything)";
  const report = {
    sent: false,
    runs: async () => [{ index: 0, name: BOOT.summary.name }],
    state: async () => {
      const first = !report.sent; report.sent = true;
      return { summary: BOOT.summary, nodes: first ? BOOT.nodes : [], failed: first ? BOOT.failed : [], points: first ? BOOT.points.slice(0, -1) : [], running: [] };
    },
    agent: async (i, a) => {
      const page = BOOT.lineage.find((p) => p.agent === a);
      if (!page) throw new Error(`agent ${a}: ${NOT_IN_REPORT}`);
      return page;
    },
    clade: async () => { throw new Error(`clade diagnostics: ${NOT_IN_REPORT}`); },
    job: async () => { throw new Error(`trajectories: ${NOT_IN_REPORT}`); },
    task: async () => { throw new Error(`task search: ${NOT_IN_REPORT}`); },
    compare: async () => [],
  };
  const source = STATIC ? report : live;

  // ---- state and routing -------------------------------------------------------------------
  const app = { runs: [], view: null, tree: null, timer: null, renderedAgent: null };
  const main = document.getElementById("main");
  const href = (run) => (kind, x) => (kind === "job" ? `#/run/${run}/job/${encodeURIComponent(x)}` : `#/run/${run}/${kind}/${x}`);

  function route() {
    const parts = (location.hash || "#/").slice(2).split("/");
    if (parts[0] === "compare") return { kind: "compare" };
    const run = parts[0] === "run" ? Number(parts[1]) || 0 : 0;
    const kind = parts[2] || "overview";
    const arg = parts.slice(3).join("/");
    return { kind, run, arg: kind === "job" ? decodeURIComponent(arg) : Number(arg) };
  }

  function setLive(text, bad) {
    const live = document.getElementById("live");
    live.textContent = text;
    live.className = bad ? "error" : "";
  }

  function showError(error) {
    main.replaceChildren(el("p", { class: "error", id: "page-error" }, String(error.message || error)));
  }

  async function render() {
    const r = route();
    app.view = r;
    app.tree = null;
    app.renderedAgent = null;
    document.getElementById("tooltip").hidden = true;
    for (const a of document.querySelectorAll("#runs a")) a.classList.toggle("current", r.kind !== "compare" && Number(a.dataset.run) === r.run);
    try {
      if (r.kind === "compare") return await renderCompare();
      const rd = app.runs[r.run];
      if (!rd) throw new Error(`no run ${r.run}`);
      if (rd.version < 0) rd.apply(await source.state(rd));
      if (r.kind === "overview" || r.kind === "tree") return renderOverview(rd, r.kind === "tree" ? r.arg : null);
      const ctx = { href: href(r.run), hasJobs: !STATIC };
      if (r.kind === "agent") {
        const page = await source.agent(r.run, r.arg);
        main.replaceChildren(window.hgmPages.agentPage(ctx, page));
        app.renderedAgent = { id: r.arg, own: ownN(rd, r.arg), running: runningKey(rd, r.arg) };
      } else if (r.kind === "clade") {
        main.replaceChildren(window.hgmPages.cladePage(ctx, await source.clade(r.run, r.arg)));
      } else if (r.kind === "job") {
        main.replaceChildren(window.hgmPages.jobPage(ctx, await source.job(r.run, r.arg)));
      } else {
        throw new Error(`unknown page ${r.kind}`);
      }
      window.scrollTo(0, 0);
    } catch (error) {
      showError(error);
    }
  }

  const ownN = (rd, id) => { const n = rd.nodes.get(id); return n ? n.own_s + n.own_f : -1; };
  const runningKey = (rd, id) => JSON.stringify(rd.runningByAgent().get(id) || []);

  // ---- the run overview ------------------------------------------------------------------------
  function cards(rd) {
    const s = rd.summary, c = s.counts, now = s.now;
    const busy = s.state === "running" ? `${rd.running.length} / ${c.workers}` : "–";
    const money = fmt.usd(c.money_usd) + (c.money_budget_usd ? ` / $${c.money_budget_usd}` : "");
    return el("div", { class: "cards", id: "cards" },
      card("state", s.state + (s.finish_reason && s.state !== "running" ? ` (${s.finish_reason})` : ""), "card-state"),
      card("evaluations", `${c.evaluations_done} / ${c.budget}`, "card-evaluations"),
      card("agents", c.agents, "card-agents"),
      card("failed expansions", `${c.failed_expansions} of ${c.expansions}`, "card-failed"),
      card("money", money, "card-money"),
      card("workers busy", busy, "card-busy"),
      now ? el("div", { class: "card", id: "card-shipped" }, el("div", { class: "k" }, `shipped (${s.select.rule})`),
        el("div", { class: "v" }, el("a", { href: `#/run/${rd.index}/agent/${now.shipped}` }, `agent ${now.shipped}`)),
        el("div", { class: "muted" }, `${fmt.num(now.shipped_mean)} ${fmt.ci([now.shipped_low, now.shipped_high])}`)) : null);
  }

  function drawPlots(rd) {
    const pts = rd.curve();
    const c = rd.summary.counts;
    const plot = (id, spec) => { const canvas = document.getElementById(id); if (canvas) window.hgmPlots.linePlot(canvas, { xMax: c.budget, ...spec }); };
    plot("plot-shipped", { title: "shipped agent: own posterior mean and interval; best own mean", yMin: 0, yMax: 1, series: [
      { label: "shipped", colour: PALETTE[0], points: pts.map((p) => [p.evaluations, p.shipped_mean]), band: pts.map((p) => [p.evaluations, p.shipped_low, p.shipped_high]) },
      { label: "best own mean", colour: PALETTE[1], points: pts.map((p) => [p.evaluations, p.best_own_mean]) }] });
    plot("plot-agents", { title: "agents created and expansions failed", series: [
      { label: "agents", colour: PALETTE[2], step: true, points: pts.map((p) => [p.evaluations, p.agents]) },
      { label: "failed expansions", colour: "#c83232", step: true, points: pts.map((p) => [p.evaluations, p.failed_expansions]) }] });
    plot("plot-money", { title: "money spent (USD)", hline: c.money_budget_usd ? { y: c.money_budget_usd, label: "money budget" } : null,
      series: [{ label: "spent", colour: PALETTE[3], points: pts.map((p) => [p.evaluations, p.money_usd]) }] });
    plot("plot-busy", { title: "workers busy", yMin: 0, hline: { y: c.workers, label: "workers" },
      series: [{ label: "busy", colour: PALETTE[5], step: true, points: pts.map((p) => [p.evaluations, p.busy]) }] });
  }

  async function search(rd, text, status) {
    const tree = app.tree;
    tree.highlight.clear();
    text = text.trim();
    if (!text) { status.textContent = ""; tree.draw(); return; }
    if (/^\d+$/.test(text)) {
      const id = Number(text);
      if (!rd.nodes.has(id)) { status.textContent = `no agent ${id}`; tree.draw(); return; }
      let up = rd.nodes.get(id).parent;
      while (up !== null) { tree.collapsed.delete(up); up = rd.nodes.get(up).parent; }
      tree.relayout();
      tree.highlight.set(id, "#7a2bb5");
      tree.centre(id);
      status.textContent = `agent ${id}`;
      return;
    }
    try {
      const found = await source.task(rd.index, text);
      for (const a of found.solved) tree.highlight.set(a, "#1e9646");
      for (const a of found.failed) tree.highlight.set(a, "#c83232");
      status.textContent = `task ${text}: solved by ${found.solved.length}, failed by ${found.failed.length} (green / red rings)`;
    } catch (error) {
      status.textContent = String(error.message || error);
    }
    tree.draw();
  }

  function reportSections(rd) {
    const link = (id) => el("a", { href: `#/run/0/agent/${id}` }, String(id));
    const lineage = BOOT.lineage.slice(1);
    return el("div", { id: "report" },
      el("h2", {}, `the shipped agent's lineage (${BOOT.lineage.map((p) => p.agent).join(" → ")})`),
      lineage.length ? lineage.map((page) => el("div", { class: "panel lineage-step" },
        el("h3", {}, "agent ", link(page.agent), ` (from ${page.parent}): own ${page.own.successes}/${page.own.failures}`),
        page.origin.problem_statement ? el("pre", { class: "wrap" }, page.origin.problem_statement) : null,
        el("details", {}, el("summary", {}, "diff against its parent"), window.hgmPages.diffView(page.diffs ? page.diffs.parent : "(no code: simulated world)")))) : el("p", { class: "muted" }, "the run ships its root agent"),
      el("h2", {}, "certification: the shipped agent against the root on held-out tasks"),
      window.hgmPages.certificationBlock(BOOT.certification),
      el("h2", {}, "ablation"),
      window.hgmPages.ablationTable(BOOT.ablation, link),
      el("h2", {}, "costs (the gateway's record)"),
      BOOT.costs.length ? table(["run", "role", { label: "calls", num: 1 }, { label: "tokens in", num: 1 }, { label: "tokens out", num: 1 }, { label: "cost", num: 1 }],
        BOOT.costs.map((c) => el("tr", {}, el("td", {}, c.run), el("td", {}, c.role), el("td", { class: "num" }, c.calls), el("td", { class: "num" }, c.input), el("td", { class: "num" }, c.output), el("td", { class: "num" }, fmt.usd(c.cost))))) : el("p", { class: "muted" }, `no LLM calls recorded; money reported by the world: ${fmt.usd(rd.summary.counts.money_usd)}`),
      el("h2", {}, "config (run.toml)"),
      el("pre", { id: "config" }, BOOT.config));
  }

  function renderOverview(rd, focus) {
    const s = rd.summary;
    const status = el("span", { class: "muted", id: "search-status" });
    const input = el("input", { id: "tree-search", placeholder: "agent id or task id, then Enter", onkeydown: (e) => { if (e.key === "Enter") search(rd, e.target.value, status); } });
    const canvas = el("canvas", { id: "tree-canvas" });
    main.replaceChildren(
      el("h1", {}, `run ${s.name}`, el("span", { class: "muted" }, `  ${s.world} world · ${s.policy} policy`)),
      cards(rd),
      el("div", { class: "panel" },
        el("div", { class: "toolbar" }, input,
          el("button", { id: "tree-fit", onclick: () => app.tree.fit() }, "fit"),
          el("button", { id: "tree-expand", onclick: () => { app.tree.collapsed.clear(); app.tree.relayout(); } }, "expand all"),
          status),
        el("div", { class: "toolbar legend" }, el("span", { class: "gradient" }), "0 → 1: ", el("span", { id: "colour-rule" }, s.colour),
          " · size: evaluations · ★ ringed: shipped · ✗: failed expansion · blue dashes: running · dotted: collapsed"),
        canvas),
      el("div", { class: "plots" }, ["plot-shipped", "plot-agents", "plot-money", "plot-busy"].map((id) => el("canvas", { id, class: "plot" }))),
      STATIC ? reportSections(rd) : null);
    app.tree = new window.hgmTree.TreeView(canvas, rd, (id) => { location.hash = `#/run/${rd.index}/agent/${id}`; });
    window.hgmTreeView = app.tree;
    if (focus !== null && focus !== undefined && !Number.isNaN(focus)) { input.value = String(focus); search(rd, String(focus), status); }
    drawPlots(rd);
  }

  // ---- compare ------------------------------------------------------------------------------
  async function renderCompare() {
    const entries = await source.compare();
    if (!entries.length) { main.replaceChildren(el("p", { class: "muted" }, "comparing needs the live dashboard: hgm ui RUN_A RUN_B ...")); return; }
    const budget = Math.max(...entries.map((e) => e.budget));
    main.replaceChildren(
      el("h1", {}, `compare ${entries.length} runs`),
      el("div", { class: "plots" }, el("canvas", { id: "compare-shipped", class: "plot" }), el("canvas", { id: "compare-agents", class: "plot" })),
      el("h2", {}, "final numbers"),
      table(["run", "policy", { label: "evaluations", num: 1 }, { label: "agents", num: 1 }, "shipped", { label: "own mean", num: 1 }, "interval", "certified (agent vs root, held-out)"],
        entries.map((e, i) => el("tr", { class: "compare-run" },
          el("td", {}, el("span", { style: `color:${PALETTE[i % PALETTE.length]}` }, "■ "), el("a", { href: `#/run/${i}` }, e.name)),
          el("td", {}, e.policy), el("td", { class: "num" }, e.final.evaluations), el("td", { class: "num" }, e.final.agents),
          el("td", {}, el("a", { href: `#/run/${i}/agent/${e.final.shipped}` }, String(e.final.shipped))),
          el("td", { class: "num" }, fmt.num(e.final.shipped_mean)), el("td", {}, fmt.ci([e.final.shipped_low, e.final.shipped_high])),
          el("td", {}, e.certified ? `${fmt.pct(e.certified.agent_rate.rate)} vs ${fmt.pct(e.certified.root_rate.rate)} on ${e.certified.tasks}: ${fmt.signed(e.certified.difference.estimate)} ${fmt.ci(e.certified.difference.ci95)}` : "not certified"))),
        { id: "compare-table" }));
    const series = (key) => entries.map((e, i) => ({ label: e.name, colour: PALETTE[i % PALETTE.length], points: e.points.map((p) => [p.evaluations, p[key]]) }));
    window.hgmPlots.linePlot(document.getElementById("compare-shipped"), { title: "shipped agent's own posterior mean", yMin: 0, yMax: 1, xMax: budget, series: series("shipped_mean") });
    window.hgmPlots.linePlot(document.getElementById("compare-agents"), { title: "agents created", xMax: budget, series: series("agents") });
  }

  // ---- live updates ---------------------------------------------------------------------------
  async function poll() {
    const r = app.view;
    try {
      if (r && r.kind === "compare") {
        if (!STATIC) await renderCompare();
      } else if (r) {
        const rd = app.runs[r.run];
        if (rd) {
          const change = rd.apply(await source.state(rd));
          if ((r.kind === "overview" || r.kind === "tree") && app.tree) {
            if (change.added) app.tree.relayout(); else if (change.touched.size || rd.running.length || change.points) app.tree.draw();
            const old = document.getElementById("cards");
            if (old) old.replaceWith(cards(rd));
            if (change.points || change.touched.size) drawPlots(rd);
          } else if (r.kind === "agent" && app.renderedAgent && app.renderedAgent.id === r.arg) {
            if (ownN(rd, r.arg) !== app.renderedAgent.own || runningKey(rd, r.arg) !== app.renderedAgent.running) {
              const y = window.scrollY;
              const page = await source.agent(r.run, r.arg);
              if (app.view === r) {
                main.replaceChildren(window.hgmPages.agentPage({ href: href(r.run), hasJobs: !STATIC }, page));
                app.renderedAgent = { id: r.arg, own: ownN(rd, r.arg), running: runningKey(rd, r.arg) };
                window.scrollTo(0, y);
              }
            }
          }
        }
      }
      setLive(STATIC ? "report" : `live · updated ${new Date().toLocaleTimeString()}`);
    } catch (error) {
      setLive(`update failed: ${error.message || error}`, true);
    }
    if (!STATIC) app.timer = setTimeout(poll, r && r.kind === "compare" ? 2 * POLL_MS : POLL_MS);
  }

  async function start() {
    try {
      const runs = await source.runs();
      app.runs = runs.map((r) => new RunData(r.index, r.name));
      document.getElementById("runs").replaceChildren(...runs.map((r) => el("a", { href: `#/run/${r.index}`, "data-run": r.index }, r.name)));
      if (STATIC || runs.length < 2) document.getElementById("nav-compare").hidden = true;
      window.addEventListener("hashchange", render);
      window.addEventListener("resize", () => { if (app.tree) app.tree.draw(); if (app.view && app.view.kind === "overview") drawPlots(app.runs[app.view.run]); });
      await render();
      document.body.dataset.ready = "1";
      document.body.dataset.readyMs = String(Math.round(performance.now()));
      if (!STATIC) app.timer = setTimeout(poll, POLL_MS);
      else setLive("report · " + BOOT.summary.state);
    } catch (error) {
      showError(error);
    }
  }

  start();
})();
