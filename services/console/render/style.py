"""The pages' CSS (inline in every page: no request for an asset, nothing from a CDN).
Narrow screens (phones, < 641 px): facts and table rows stack, the chart switches to
its narrow drawing with larger type."""

CSS = """
:root {
  --ink: #101828; --muted: #475467; --line: #e4e7ec; --bg: #f2f4f7; --card: #fff;
  --critical: #b42318; --critical-bg: #fef3f2; --error: #c4320a; --error-bg: #fff4ed;
  --warning: #b54708; --warning-bg: #fffaeb; --info: #175cd3; --info-bg: #eff8ff;
  --ok: #027a48; --ok-bg: #ecfdf3;
}
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: var(--bg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
a { color: #1849a9; }
header.bar { background: #1d2939; color: #fff; padding: .55rem 1rem; display: flex;
  gap: .4rem 1.2rem; align-items: center; flex-wrap: wrap; }
header.bar a { color: #fff; text-decoration: none; }
header.bar .brand { font-weight: 700; letter-spacing: .02em; }
header.bar .where { color: #d0d5dd; font-size: .9rem; }
header.bar form { margin-left: auto; display: flex; gap: .4rem; align-items: center; }
header.bar select, header.bar button { font: inherit; font-size: .9rem; padding: .15rem .4rem; }
main { max-width: 1060px; margin: 0 auto; padding: 1rem; }
section.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 1rem 1.15rem; margin: 0 0 1rem; }
h1 { font-size: 1.5rem; line-height: 1.25; margin: .35rem 0 .3rem; }
h2 { font-size: 1.1rem; margin: 0 0 .65rem; }
h3 { font-size: 1rem; margin: 0 0 .3rem; }
p { margin: .3rem 0; }
.muted { color: var(--muted); }
.small { font-size: .85rem; }
.badge { display: inline-block; padding: .05rem .55rem; border-radius: 999px; font-size: .75rem;
  font-weight: 700; letter-spacing: .04em; text-transform: uppercase; border: 1px solid;
  white-space: nowrap; vertical-align: .1em; }
.sev-critical { color: var(--critical); background: var(--critical-bg); }
.sev-error { color: var(--error); background: var(--error-bg); }
.sev-warning { color: var(--warning); background: var(--warning-bg); }
.sev-info { color: var(--info); background: var(--info-bg); }
.sev-ok { color: var(--ok); background: var(--ok-bg); }
.headline { border-left: 6px solid var(--line); color: var(--ink); }
.headline.sev-critical, .headline.sev-error, .headline.sev-warning, .headline.sev-info,
.headline.sev-ok { background: var(--card); }
.headline.sev-critical { border-left-color: var(--critical); }
.headline.sev-error { border-left-color: var(--error); }
.headline.sev-warning { border-left-color: var(--warning); }
.headline.sev-info { border-left-color: var(--info); }
.headline.sev-ok { border-left-color: var(--ok); }
.headline .sub { font-size: 1.02rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1.2rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
code { font-size: .88em; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .55rem; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { font-size: .8rem; color: var(--muted); font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td.hot { font-weight: 700; white-space: nowrap; }
td.region { white-space: nowrap; }
.scroll { overflow-x: auto; }
.chart svg { width: 100%; height: auto; display: block; }
.chart .narrow { display: none; }
.legend { display: flex; flex-wrap: wrap; gap: .3rem 1rem; font-size: .85rem; color: var(--muted);
  margin-top: .3rem; }
.legend i { display: inline-block; width: 1.4rem; height: 0; border-top: 2px dashed;
  vertical-align: middle; margin-right: .3rem; }
.incident { border: 1px solid var(--line); border-radius: 8px; padding: .7rem .85rem;
  margin: .7rem 0; }
.incident .meta { display: flex; flex-wrap: wrap; gap: .25rem .9rem; font-size: .9rem; }
.counted { font-weight: 700; color: var(--ok); }
blockquote { margin: .45rem 0; padding: .45rem .8rem; border-left: 3px solid #98a2b3;
  background: #f9fafb; }
blockquote footer { color: var(--muted); font-size: .85rem; margin-top: .2rem; }
ul.alerts { list-style: none; padding: 0; margin: 0; }
ul.alerts li { padding: .55rem 0; border-bottom: 1px solid var(--line); }
ul.alerts li:last-child { border-bottom: 0; }
ul.alerts .what { font-weight: 600; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; margin-bottom: 1rem; }
.grid2 > section.card { margin: 0; }
footer.page { color: var(--muted); font-size: .85rem; padding: 0 0 2rem; }
@media (max-width: 640px) {
  body { font-size: 16px; }
  main { padding: .6rem; }
  section.card { padding: .8rem .85rem; border-radius: 8px; }
  h1 { font-size: 1.3rem; }
  header.bar form { margin-left: 0; }
  dl.facts { grid-template-columns: 1fr; gap: 0; }
  dl.facts dt { margin-top: .45rem; font-size: .85rem; }
  .chart .wide { display: none; }
  .chart .narrow { display: block; }
  .grid2 { grid-template-columns: 1fr; gap: 0; }
  .grid2 > section.card { margin: 0 0 1rem; }
  table.stack thead { display: none; }
  table.stack tr { display: block; border-bottom: 1px solid var(--line); padding: .35rem 0; }
  table.stack td { display: flex; gap: .6rem; border: 0; padding: .12rem 0; text-align: left;
    white-space: normal; }
  table.stack td::before { content: attr(data-label); color: var(--muted); width: 8.5rem;
    flex: none; font-size: .85rem; font-weight: 400; padding-top: .1rem; }
  table.stack td:empty { display: none; }
}
"""
