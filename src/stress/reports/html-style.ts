/** The report's stylesheet: system fonts, no image, nothing fetched. */
export const HTML_STYLE = `
:root { --fg:#1d232b; --muted:#5f6b7a; --line:#dfe3e8; --bg:#f6f7f9; --card:#fff;
  --pass:#1a7f37; --fail:#cf222e; --warn:#9a6700; --s1:#0969da; --s2:#8250df; --s3:#bc4c00; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--fg); background:var(--bg); }
header.run { background:var(--card); border-bottom:1px solid var(--line); padding:20px 32px 12px; }
h1 { margin:0 0 6px; font-size:22px; display:flex; gap:12px; align-items:center; }
h2 { margin:0; font-size:18px; display:flex; gap:10px; align-items:center; }
h3 { font-size:14px; margin:18px 0 6px; color:var(--muted); font-weight:600; }
.badge { font-size:12px; font-weight:700; letter-spacing:.04em; padding:2px 9px; border-radius:999px; color:#fff; text-transform:uppercase; }
.badge.pass { background:var(--pass); } .badge.fail { background:var(--fail); } .badge.interrupted { background:var(--warn); }
.verdict-line { margin:4px 0 10px; font-weight:600; }
dl.facts { display:grid; grid-template-columns:max-content 1fr; gap:2px 16px; margin:0; color:var(--muted); }
dl.facts dt { font-weight:600; } dl.facts dd { margin:0; color:var(--fg); }
nav { padding:10px 32px; display:flex; flex-wrap:wrap; gap:8px; }
nav a { text-decoration:none; color:var(--fg); background:var(--card); border:1px solid var(--line); border-radius:6px; padding:3px 10px; font-size:13px; }
nav a.pass { border-left:4px solid var(--pass); } nav a.fail { border-left:4px solid var(--fail); } nav a.interrupted { border-left:4px solid var(--warn); }
main { padding:0 32px 32px; }
section { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:18px 22px; margin:16px 0; }
section.banner { border-left:5px solid var(--warn); }
.desc { color:var(--muted); margin:4px 0 12px; }
.figures { display:flex; flex-wrap:wrap; gap:8px; }
.figure { border:1px solid var(--line); border-radius:8px; padding:6px 12px; min-width:92px; }
.figure b { display:block; font-size:16px; } .figure span { color:var(--muted); font-size:12px; }
.charts { display:grid; grid-template-columns:repeat(auto-fit,minmax(540px,1fr)); gap:12px; margin-top:12px; }
.charts figure { margin:0; } .charts figcaption { color:var(--muted); font-size:12px; margin-bottom:2px; }
svg.chart { width:100%; height:auto; display:block; font-size:11px; }
svg .plot { fill:#fbfcfd; stroke:var(--line); }
svg .grid { stroke:#eef0f3; } svg .tick { fill:var(--muted); } svg .axis { fill:var(--muted); font-size:11px; }
svg .empty { fill:var(--muted); font-size:13px; }
svg .bar { fill:#54aeff; } svg .bar:hover { fill:var(--s1); }
svg .baseline { fill:none; stroke:#57606a; stroke-width:1.5; stroke-dasharray:4 3; }
svg .pct line { stroke:#57606a; stroke-dasharray:2 3; } svg .pct text { fill:#57606a; font-size:10px; }
svg .target line { stroke-width:2; } svg .target text { font-size:10.5px; font-weight:600; }
svg .target.pass line { stroke:var(--pass); } svg .target.pass text { fill:var(--pass); }
svg .target.fail line { stroke:var(--fail); } svg .target.fail text { fill:var(--fail); }
svg .target.unjudged line { stroke:var(--warn); stroke-dasharray:6 3; } svg .target.unjudged text { fill:var(--warn); }
svg .series polyline { fill:none; stroke-width:1.8; } svg .series .pt { stroke:#fff; stroke-width:.6; }
svg .s1 polyline { stroke:var(--s1); } svg .s1 .pt { fill:var(--s1); }
svg .s2 polyline { stroke:var(--s2); } svg .s2 .pt { fill:var(--s2); }
svg .s3 polyline { stroke:var(--s3); } svg .s3 .pt { fill:var(--s3); }
svg .ok polyline { stroke:var(--pass); } svg .ok .pt { fill:var(--pass); }
svg .failed polyline { stroke:var(--fail); } svg .failed .pt { fill:var(--fail); }
.legend { display:flex; gap:12px; font-size:12px; color:var(--muted); margin-top:2px; }
.legend i { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:4px; vertical-align:-1px; }
table { border-collapse:collapse; width:100%; margin-top:4px; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:600; font-size:12px; }
td.num { font-variant-numeric:tabular-nums; text-align:right; } th.num { text-align:right; }
.status { font-weight:700; } .status.pass { color:var(--pass); } .status.fail, .status.insufficient { color:var(--fail); } .status.not-judged { color:var(--warn); }
.better { color:var(--pass); font-weight:600; } .worse { color:var(--fail); font-weight:600; }
ul.notes { margin:8px 0 0; padding-left:18px; color:var(--muted); }
code { font:12px ui-monospace,SFMono-Regular,Menlo,monospace; background:#eff1f3; padding:1px 4px; border-radius:4px; }
footer { color:var(--muted); padding:0 32px 24px; font-size:12px; }
`;
