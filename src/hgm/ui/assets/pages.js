// Page renderers: small DOM helpers, diff highlighting, the agent, clade, job and compare pages.
"use strict";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const fmt = {
  pct: (x) => (x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%"),
  num: (x, d = 3) => (x === null || x === undefined ? "–" : Number(x).toFixed(d)),
  usd: (x) => "$" + Number(x || 0).toFixed(4),
  ci: (c) => (c ? `[${Number(c[0]).toFixed(3)}, ${Number(c[1]).toFixed(3)}]` : "–"),
  signed: (x) => (x >= 0 ? "+" : "") + Number(x).toFixed(3),
};

function card(key, value, id) {
  return el("div", { class: "card", id }, el("div", { class: "k" }, key), el("div", { class: "v" }, value));
}

function table(headers, rows, attrs) {
  return el("table", attrs || {},
    el("thead", {}, el("tr", {}, headers.map((h) => el("th", { class: h.num ? "num" : null }, h.label || h)))),
    el("tbody", {}, rows));
}

function recordText(r) {
  const n = r.successes + r.failures;
  return `${r.successes}/${r.failures} (s/f), mean ${r.mean === null ? "–" : r.mean.toFixed(3)} over ${n}, interval ${fmt.ci(r.interval)}`;
}

// ---- syntax highlighting of diffs (Python-ish tokens; other languages degrade gracefully) ----
const KEYWORDS = new Set(("def class return if elif else for while in not and or import from as with try except " +
  "finally raise pass break continue lambda yield None True False is async await function const let var new " +
  "fn pub struct impl use match mut package func interface public private static void int").split(" "));
const TOKEN = /(#.*$|\/\/.*$)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|\b(\d+(?:\.\d+)?)\b|\b([A-Za-z_]\w*)\b/g;

function highlightCode(text, into) {
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    if (m.index > last) into.append(text.slice(last, m.index));
    let cls = null;
    if (m[1]) cls = "tok-com"; else if (m[2]) cls = "tok-str"; else if (m[3]) cls = "tok-num";
    else if (m[4] && KEYWORDS.has(m[4])) cls = "tok-kw";
    into.append(cls ? el("span", { class: cls }, m[0]) : m[0]);
    last = m.index + m[0].length;
  }
  if (last < text.length) into.append(text.slice(last));
}

function diffView(text) {
  const pre = el("pre", { class: "diff" });
  if (!text) { pre.append("(no change)"); return pre; }
  for (const line of text.split("\n")) {
    let cls = null;
    if (line.startsWith("diff --git") || line.startsWith("+++ ") || line.startsWith("--- ") || line.startsWith("index ")) cls = "file";
    else if (line.startsWith("@@")) cls = "hunk";
    else if (line.startsWith("+")) cls = "add";
    else if (line.startsWith("-")) cls = "del";
    const span = el("span", { class: "line" + (cls ? " " + cls : "") });
    if (cls === "add" || cls === "del") { span.append(line[0]); highlightCode(line.slice(1), span); }
    else if (cls) span.append(line);
    else highlightCode(line, span);
    pre.append(span);
  }
  return pre;
}

function flags(row) {
  const out = [];
  if (row.tampered) out.push(el("span", { class: "flag", title: (row.tamper_evidence || []).join("\n") }, "tampered"));
  if (row.suspicious && row.suspicious.length) out.push(el("span", { class: "flag suspicious", title: row.suspicious.join("\n") }, "suspicious"));
  return out;
}

function verdictPill(v) {
  const cls = { "carries gain": "verdict-carries", harmful: "verdict-harmful", neutral: "verdict-neutral", skipped: "verdict-skipped" }[v];
  return el("span", { class: "pill " + (cls || "") }, v);
}

function ablationTable(ablation, link) {
  if (!ablation) return el("p", { class: "muted" }, "not ablated: `hgm ablate RUN " + "AGENT` reverts each step of the lineage and grades the variants");
  return el("div", {},
    el("p", { class: "muted" }, `${ablation.comparison}; verdicts at McNemar p < ${ablation.alpha}`),
    table(["step", { label: "variant", num: 1 }, { label: "agent", num: 1 }, { label: "difference", num: 1 }, "95% CI", { label: "McNemar p", num: 1 }, { label: "cost", num: 1 }, "verdict", "tasks lost without it"],
      ablation.steps.map((s) => s.verdict === "skipped"
        ? el("tr", { class: "ablation-step" }, el("td", {}, link(s.step)), el("td", { colspan: 6 }, s.reason), el("td", {}, verdictPill("skipped")), el("td", {}))
        : el("tr", { class: "ablation-step" },
          el("td", {}, link(s.step)),
          el("td", { class: "num" }, `${s.variant.resolved}/${s.variant.tasks}`),
          el("td", { class: "num" }, `${s.agent.resolved}/${s.agent.tasks}`),
          el("td", { class: "num" }, fmt.signed(s.difference.estimate)),
          el("td", {}, fmt.ci(s.difference.ci95)),
          el("td", { class: "num" }, Number(s.difference.mcnemar_p).toPrecision(3)),
          el("td", { class: "num" }, fmt.usd(s.cost_usd)),
          el("td", {}, verdictPill(s.verdict)),
          el("td", {}, s.lost_without_step.join(", ")))),
      { id: "ablation" }));
}

function certificationBlock(c) {
  if (!c) return el("p", { class: "muted" }, "not certified: `hgm certify RUN` grades the shipped agent and the root on held-out tasks");
  const d = c.difference;
  return table(["", "agent", { label: "resolved", num: 1 }, "95% CI"], [
    el("tr", {}, el("td", {}, "agent"), el("td", {}, c.agent), el("td", { class: "num" }, `${c.agent_rate.resolved}/${c.agent_rate.tasks}`), el("td", {}, fmt.ci(c.agent_rate.ci95))),
    el("tr", {}, el("td", {}, "root"), el("td", {}, c.root), el("td", { class: "num" }, `${c.root_rate.resolved}/${c.root_rate.tasks}`), el("td", {}, fmt.ci(c.root_rate.ci95))),
    el("tr", {}, el("td", {}, "difference"), el("td", {}, ""), el("td", { class: "num" }, fmt.signed(d.estimate)), el("td", {}, `${fmt.ci(d.ci95)}  McNemar p = ${Number(d.mcnemar_p).toPrecision(3)}`)),
  ], { id: "certification" });
}

function agentPage(ctx, page) {
  const a = page.agent;
  const link = (id) => el("a", { href: ctx.href("agent", id) }, String(id));
  const origin = page.origin || {};
  const evaluations = page.evaluations || [];
  const diffs = page.diffs;
  const diffHolder = el("div", { id: "diff" });
  const tabs = el("div", { class: "toolbar tabs" });
  if (diffs) {
    const show = (which, button) => {
      diffHolder.replaceChildren(diffView(diffs[which]));
      for (const b of tabs.querySelectorAll("button")) b.classList.toggle("active", b === button);
    };
    const parentButton = el("button", { id: "diff-parent", onclick: (e) => show("parent", e.target) }, "against parent");
    const rootButton = el("button", { id: "diff-root", onclick: (e) => show("root", e.target) }, "against root");
    tabs.append(parentButton, rootButton);
    show("parent", parentButton);
  } else {
    diffHolder.append(el("p", { class: "muted" }, "no code: a simulated world's agents have none"));
  }
  const roles = Object.entries((page.cost || {}).llm_by_role || {});
  return el("div", { id: "agent-page" },
    el("h1", {}, `agent ${a}`, page.shipped ? el("span", { class: "pill verdict-carries", id: "shipped-mark" }, "★ shipped") : null),
    el("div", { class: "toolbar" },
      el("a", { href: ctx.href("clade", a), id: "open-clade" }, "clade diagnostics"), " · ",
      el("a", { href: ctx.href("tree", a), id: "show-in-tree" }, "show in tree")),
    el("div", { class: "cards" },
      card("own", page.own.mean === null ? "–" : fmt.pct(page.own.mean)),
      card("clade", page.clade.mean === null ? "–" : fmt.pct(page.clade.mean)),
      card("colour value", fmt.num(page.p)),
      card("cost", fmt.usd(page.cost.total_usd))),
    el("div", { class: "panel" },
      table(["", ""], [
        el("tr", {}, el("th", {}, "lineage"), el("td", { id: "lineage" }, page.lineage.flatMap((x, i) => (i ? [" → ", link(x)] : [link(x)])))),
        el("tr", {}, el("th", {}, "children"), el("td", {}, page.children.length ? page.children.flatMap((x, i) => (i ? [", ", link(x)] : [link(x)])) : "none")),
        el("tr", {}, el("th", {}, "own"), el("td", {}, recordText(page.own))),
        el("tr", {}, el("th", {}, "clade"), el("td", {}, recordText(page.clade))),
        el("tr", {}, el("th", {}, "interval"), el("td", {}, `posterior Beta(1+s, 1+f), quantiles ${page.epsilon} and ${1 - page.epsilon}`)),
        ...page.running.map((job) => el("tr", {}, el("th", {}, "running"), el("td", {}, job.kind === "expand" ? `expanding into agent ${job.child}` : `evaluating ${job.task}`))),
      ])),
    el("h2", {}, "what it was made from"),
    el("div", { class: "panel", id: "origin" },
      origin.problem_statement ? [el("h3", {}, "problem statement"), el("pre", { class: "wrap" }, origin.problem_statement)] : el("p", { class: "muted" }, a === page.lineage[0] ? "the root agent" : "no problem statement recorded"),
      origin.diagnosis_summary ? [el("h3", {}, "diagnosis"), el("pre", { class: "wrap" }, origin.diagnosis_summary)] : null,
      origin.entry ? [el("h3", {}, "entry"), el("pre", { class: "wrap" }, JSON.stringify(origin.entry, null, 1))] : null),
    el("h2", {}, "diff"), tabs, diffHolder,
    el("h2", {}, `evaluations (${evaluations.length})`),
    table(["task", "result", "why it failed", { label: "cost", num: 1 }, "flags", "trajectory"],
      evaluations.map((row) => el("tr", { class: "evaluation" },
        el("td", {}, row.task),
        el("td", {}, el("span", { class: row.success ? "ok" : "fail" }, row.success ? "resolved" : "failed")),
        el("td", {}, row.category || ""),
        el("td", { class: "num" }, fmt.usd(row.cost_usd)),
        el("td", {}, flags(row)),
        el("td", {}, ctx.hasJobs ? el("a", { href: ctx.href("job", row.key), class: "trajectory-link" }, "trajectory") : ""))),
      { id: "evaluations" }),
    el("h2", {}, "failed expansions"),
    page.failed_expansions.length
      ? table(["job", "child", "reason", { label: "cost", num: 1 }], page.failed_expansions.map((f) => el("tr", {}, el("td", {}, f.job), el("td", {}, f.child), el("td", {}, f.reason), el("td", { class: "num" }, fmt.usd(f.cost_usd)))))
      : el("p", { class: "muted" }, "none"),
    el("h2", {}, "cost per role"),
    roles.length
      ? table(["role", { label: "calls", num: 1 }, { label: "tokens", num: 1 }, { label: "cost", num: 1 }], roles.map(([role, u]) => el("tr", {}, el("td", {}, role), el("td", { class: "num" }, u.calls), el("td", { class: "num" }, u.tokens), el("td", { class: "num" }, fmt.usd(u.cost_usd)))))
      : el("p", { class: "muted" }, `expansion ${fmt.usd(page.cost.expansion_usd)}, evaluations ${fmt.usd(page.cost.evaluations_usd)} (no gateway record)`),
    el("h2", {}, "certification"),
    page.certifications.length
      ? el("p", { id: "certified" }, `${page.certifications.filter((r) => r.success).length}/${page.certifications.length} held-out tasks resolved`)
      : el("p", { class: "muted" }, "not certified"),
    el("h2", {}, "ablation: which steps of the lineage carry the gain"),
    ablationTable(page.ablation, link));
}

function cladePage(ctx, d) {
  const link = (id) => el("a", { href: ctx.href("agent", id) }, String(id));
  const max = Math.max(1, ...Object.values(d.categories));
  const tri = (v) => (v === null || v === undefined ? el("span", { class: "muted" }, "–") : el("span", { class: v ? "ok" : "fail" }, v ? "solved" : "failed"));
  return el("div", { id: "clade-page" },
    el("h1", {}, "clade of agent ", link(d.agent)),
    el("p", { id: "clade-summary", class: "panel" }, d.summary),
    el("div", { class: "cards" },
      card("clade", `${fmt.pct(d.clade.mean)} of ${d.clade.successes + d.clade.failures}`),
      card("parent own", d.parent_own ? fmt.pct(d.parent_own.mean) : "–"),
      card("root own", fmt.pct(d.root_own.mean)),
      card("agents", d.members.length),
      card("failed expansions", d.failed_expansions.length)),
    el("div", { class: "grid2" },
      el("div", { class: "panel" }, el("h2", {}, "failure categories"),
        Object.keys(d.categories).length
          ? table(["category", { label: "failures", num: 1 }, ""], Object.entries(d.categories).map(([k, v]) =>
            el("tr", { class: "category" }, el("td", {}, k), el("td", { class: "num" }, v), el("td", {}, el("span", { class: "bar", style: `width:${Math.round(160 * v / max)}px` })))), { id: "categories" })
          : el("p", { class: "muted" }, "no failed evaluations")),
      el("div", { class: "panel" }, el("h2", {}, "failed expansions by reason"),
        Object.keys(d.failed_reasons).length
          ? table(["reason", { label: "count", num: 1 }], Object.entries(d.failed_reasons).map(([k, v]) => el("tr", {}, el("td", {}, k), el("td", { class: "num" }, v))), { id: "failed-reasons" })
          : el("p", { class: "muted" }, "none"))),
    d.tampering.length ? el("div", { class: "panel" }, el("h2", {}, "tampering and suspicious constructs"),
      table(["agent", "task", "flags"], d.tampering.map((t) => el("tr", {}, el("td", {}, link(t.agent)), el("td", {}, t.task), el("td", {}, flags(t)))))) : null,
    el("h2", {}, "tasks: the clade against its parent and the root"),
    table(["task", { label: "clade solved / tried", num: 1 }, "parent", "root", "solved by"],
      d.tasks.map((t) => el("tr", { class: "clade-task" }, el("td", {}, t.task), el("td", { class: "num" }, `${t.solved}/${t.tried}`), el("td", {}, tri(t.parent)), el("td", {}, tri(t.root)), el("td", {}, t.agents_solving.slice(0, 12).flatMap((x, i) => (i ? [", ", link(x)] : [link(x)]))))),
      { id: "clade-tasks" }),
    el("h2", {}, "failed expansions"),
    d.failed_expansions.length
      ? table(["job", "parent", "child", "reason"], d.failed_expansions.map((f) => el("tr", {}, el("td", {}, f.job), el("td", {}, link(f.parent)), el("td", {}, f.child), el("td", {}, f.reason))))
      : el("p", { class: "muted" }, "none"));
}

function jobPage(ctx, j) {
  const g = j.grade;
  return el("div", { id: "job-page" },
    el("h1", {}, `job ${j.job}`),
    el("h2", {}, `LLM calls (${j.calls.length}), as the gateway recorded them`),
    j.calls.length ? table(["role", "model", "status", { label: "latency s", num: 1 }, { label: "tokens in/out", num: 1 }, { label: "cost", num: 1 }],
      j.calls.map((c) => el("tr", {}, el("td", {}, c.role), el("td", {}, c.model), el("td", { class: c.status === "ok" ? "" : "fail" }, c.status), el("td", { class: "num" }, fmt.num(c.latency_s, 2)), el("td", { class: "num" }, `${c.input_tokens}/${c.output_tokens}`), el("td", { class: "num" }, fmt.usd(c.cost_usd))))) : el("p", { class: "muted" }, "no LLM calls recorded for this job"),
    el("h2", {}, "trajectory"),
    el("div", { id: "messages" }, j.messages.map((m) => el("div", { class: "msg " + m.role },
      el("div", { class: "role" }, m.role + (m.name ? ` (${m.name})` : "")),
      m.content ? el("pre", { class: "wrap" }, m.content) : null,
      (m.tool_calls || []).map((t) => el("pre", { class: "wrap tool-call" }, `→ ${t.name}(${t.arguments})`))))),
    el("h2", {}, "grade log"),
    g ? el("div", { class: "panel", id: "grade" },
      el("p", {}, el("span", { class: g.resolved ? "ok" : "fail" }, g.resolved ? "resolved" : "not resolved"), g.tampered ? el("span", { class: "flag" }, "tampered") : null,
        ` · stop: ${g.stop_reason || "–"} · exit ${g.process.exit_code} · killed: ${g.process.killed || "none"}`),
      g.tamper_evidence.length ? [el("h3", {}, "tamper evidence"), el("pre", { class: "wrap" }, g.tamper_evidence.join("\n"))] : null,
      g.suspicious.length ? [el("h3", {}, "suspicious constructs"), el("pre", { class: "wrap" }, g.suspicious.join("\n"))] : null,
      g.dropped_files.length ? [el("h3", {}, "dropped files (not the agent's to change)"), el("pre", {}, g.dropped_files.join("\n"))] : null,
      g.tests.length ? table(["test", "result"], g.tests.map((t) => el("tr", {}, el("td", {}, t.name), el("td", {}, el("span", { class: t.passed ? "ok" : "fail" }, t.passed ? "passed" : "failed"))))) : null,
      g.error ? [el("h3", {}, "error"), el("pre", { class: "wrap" }, g.error)] : null,
      el("h3", {}, "log tail"), el("pre", {}, g.log_tail || "(empty)"),
      el("h3", {}, "the diff that was graded"), diffView(g.diff))
      : el("p", { class: "muted" }, "no grade record (artifacts/<job>/record.json) for this job"));
}

window.hgmPages = { el, fmt, card, table, diffView, agentPage, cladePage, jobPage, ablationTable, certificationBlock, verdictPill };
