/**
 * The HTML report's one stylesheet. It is inlined in a <style> element whose SHA-256 the page's
 * Content-Security-Policy names, so it must stay a constant: nothing from a scan goes in here.
 */
export const HTML_STYLE = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa; --accent: #0b5cad;
  --code-bg: #f6f8fa; --mark: #fff1a8; --hit: #fff8d6; --gap-bg: #ffe9e9; --gap-fg: #9b1c1c; --warn-bg: #fff4d6; --ok-fg: #116329;
  --critical: #b3003c; --high: #c2410c; --medium: #9a6700; --low: #1f6feb;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9da7b3; --line: #30363d; --panel: #161b22; --accent: #58a6ff;
    --code-bg: #161b22; --mark: #5c4a00; --hit: #2b2610; --gap-bg: #3d1518; --gap-fg: #ffaba8; --warn-bg: #3a2e0b; --ok-fg: #56d364;
    --critical: #ff6b8b; --high: #fb923c; --medium: #e3b341; --low: #79b8ff;
  }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { background: var(--bg); color: var(--fg); }
body { margin: 0 auto; max-width: 78rem; padding: 1rem 1.5rem 3rem; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; overflow-wrap: anywhere; }
h1 { font-size: 1.6rem; margin: 0.5rem 0 0.25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.75rem; padding-bottom: 0.25rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 0; display: inline; }
a { color: var(--accent); }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88em; }
code { background: var(--code-bg); padding: 0 0.2em; border-radius: 3px; }
.muted, .meta { color: var(--muted); }
nav.toc { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; margin: 0.5rem 0 1rem; }
.cards { display: flex; flex-wrap: wrap; gap: 0.75rem; margin: 1rem 0; }
.card { border: 1px solid var(--line); background: var(--panel); border-radius: 8px; padding: 0.6rem 1rem; min-width: 8rem; }
.card .num { display: block; font-size: 1.6rem; font-weight: 700; }
.card.grade .num { font-size: 2.2rem; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5rem; }
.chart { flex: 1 1 22rem; max-width: 36rem; }
.chart svg { width: 100%; height: auto; display: block; }
.chart text { fill: var(--fg); font-size: 12px; font-family: system-ui, sans-serif; }
.bar { fill: var(--accent); }
.bar.critical { fill: var(--critical); } .bar.high { fill: var(--high); } .bar.medium { fill: var(--medium); } .bar.low { fill: var(--low); }
.axis { stroke: var(--line); }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0; overflow-wrap: break-word; }
th, td.nowrap { white-space: nowrap; }
th, td { text-align: left; vertical-align: top; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line); }
th { background: var(--panel); position: sticky; top: 0; }
td.gap { background: var(--gap-bg); color: var(--gap-fg); font-weight: 600; }
td.warn { background: var(--warn-bg); }
.verdict { font-weight: 600; white-space: nowrap; }
.verdict.implemented { color: var(--ok-fg); } .verdict.partial { color: var(--medium); } .verdict.missing { color: var(--gap-fg); }
ul.evidence { margin: 0; padding-left: 1.1rem; }
ul.evidence li.gap::marker { content: "\\2717  "; color: var(--gap-fg); }
ul.evidence li.control::marker { content: "\\2713  "; color: var(--ok-fg); }
.controls { display: flex; flex-wrap: wrap; align-items: end; gap: 0.5rem 1rem; padding: 0.75rem; border: 1px solid var(--line); border-radius: 8px; background: var(--panel); position: sticky; top: 0; z-index: 1; }
.controls .field { display: flex; flex-direction: column; gap: 0.15rem; }
.controls label { font-size: 0.85rem; color: var(--muted); }
select, input, button { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 0.3rem 0.5rem; }
button { cursor: pointer; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
#findings-status { margin: 0.75rem 0; }
.finding { border: 1px solid var(--line); border-left: 6px solid var(--muted); border-radius: 6px; padding: 0.75rem 1rem; margin: 0.75rem 0; }
/* Long lists skip layout and paint of cards far off screen; short ones render plainly. */
#findings-list.many .finding { content-visibility: auto; contain-intrinsic-size: auto 18rem; }
.finding.critical { border-left-color: var(--critical); } .finding.high { border-left-color: var(--high); }
.finding.medium { border-left-color: var(--medium); } .finding.low { border-left-color: var(--low); }
.badge { display: inline-block; font-size: 0.78rem; font-weight: 700; text-transform: uppercase; letter-spacing: 0.03em; padding: 0.05rem 0.45rem; border-radius: 4px; border: 1px solid currentColor; margin-right: 0.4rem; }
.badge.critical { color: var(--critical); } .badge.high { color: var(--high); } .badge.medium { color: var(--medium); } .badge.low { color: var(--low); }
.rule { font-family: ui-monospace, monospace; margin-right: 0.4rem; }
.finding p { margin: 0.35rem 0; }
pre.excerpt { background: var(--code-bg); border: 1px solid var(--line); border-radius: 6px; padding: 0.4rem 0; margin: 0.5rem 0; overflow-x: auto; }
pre.excerpt .line { display: block; padding: 0 0.75rem 0 0; white-space: pre; }
pre.excerpt .line.hit { background: var(--hit); }
pre.excerpt .ln { display: inline-block; min-width: 3.5em; padding-right: 0.75em; text-align: right; color: var(--muted); user-select: none; }
mark { background: var(--mark); color: inherit; border-radius: 2px; }
details { margin: 0.4rem 0; }
summary { cursor: pointer; font-weight: 600; }
ol.flow { list-style: none; margin: 0.5rem 0 0; padding: 0 0 0 0.25rem; }
ol.flow li { position: relative; padding: 0 0 0.8rem 1.6rem; border-left: 2px solid var(--line); margin-left: 0.45rem; }
ol.flow li:last-child { border-left-color: transparent; padding-bottom: 0; }
ol.flow li::before { content: ""; position: absolute; left: -0.5rem; top: 0.3rem; width: 0.75rem; height: 0.75rem; border-radius: 50%; background: var(--bg); border: 2px solid var(--accent); }
ol.flow li.source::before { background: var(--accent); }
ol.flow li.sink::before { background: var(--critical); border-color: var(--critical); }
.step-kind { font-size: 0.75rem; text-transform: uppercase; font-weight: 700; color: var(--muted); margin-right: 0.4rem; }
dl.advice { margin: 0.4rem 0; }
dl.advice dt { font-weight: 600; }
dl.advice dd { margin: 0 0 0.4rem 0; }
.more { margin: 0.5rem 0; display: flex; gap: 0.5rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media print {
  :root { --bg: #fff; --fg: #000; --muted: #444; --panel: #fff; --code-bg: #f4f4f4; }
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav.toc, .controls, .more { display: none; }
  th { position: static; }
  .finding, #findings-list.many .finding { break-inside: avoid; content-visibility: visible; }
  a { color: inherit; text-decoration: none; }
}
`;
