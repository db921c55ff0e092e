/** The console's one stylesheet. System fonts, no external resources (the CSP allows none). */
export const CONSOLE_CSS = String.raw`
:root {
  --bg: #f5f7fa; --panel: #fff; --text: #1f2933; --muted: #616e7c; --line: #dde3ea;
  --accent: #1f6feb; --accent-dark: #1858bd; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e;
  --radius: 8px; --shadow: 0 1px 2px rgba(16, 24, 40, .06), 0 1px 3px rgba(16, 24, 40, .08);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", sans-serif;
  font-size: 15px; line-height: 1.45; color: var(--text); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .92em; }
h1 { font-size: 1.5rem; margin: 0; }
h2 { font-size: 1.1rem; margin: 0 0 .75rem; }
h3 { font-size: 1rem; margin: 1rem 0 .5rem; }

header.top { display: flex; align-items: center; gap: 1.5rem; padding: .7rem 1.5rem; background: #0d1b2a; color: #fff; }
header.top a { color: #d0dbe8; }
header.top .brand { color: #fff; font-weight: 700; font-size: 1.15rem; display: flex; align-items: center; gap: .45rem; }
header.top .brand:hover { text-decoration: none; }
.logo { display: inline-flex; align-items: center; justify-content: center; width: 1.6rem; height: 1.6rem; border-radius: 6px; background: var(--accent); color: #fff; font-size: .95rem; }
header.top nav { display: flex; gap: 1rem; }
header.top nav a { padding: .25rem .5rem; border-radius: 6px; }
header.top nav a[aria-current="page"] { background: rgba(255, 255, 255, .14); color: #fff; }
header.top .header-right { margin-left: auto; display: flex; gap: 1rem; align-items: center; }
header.top .link { color: #d0dbe8; }

main { max-width: 1180px; margin: 0 auto; padding: 1.5rem; outline: none; }
.page-head { display: flex; align-items: center; gap: 1rem; flex-wrap: wrap; margin-bottom: 1.25rem; }
.page-head .actions { margin-left: auto; display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
.subtitle { color: var(--muted); margin: .25rem 0 0; }
.muted { color: var(--muted); }
.loading { color: var(--muted); }

.panel { overflow-x: auto; background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); box-shadow: var(--shadow); padding: 1.1rem 1.25rem; margin-bottom: 1.25rem; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 0 1.25rem; }

button, .button {
  display: inline-flex; align-items: center; gap: .35rem; font: inherit; font-weight: 600; cursor: pointer;
  border: 1px solid var(--line); background: #fff; color: var(--text); border-radius: 6px; padding: .42rem .85rem;
}
button:hover, .button:hover { background: #f0f3f7; text-decoration: none; }
button.primary, .button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.primary:hover, .button.primary:hover { background: var(--accent-dark); }
button.danger { color: var(--bad); }
button.small, .button.small { padding: .2rem .55rem; font-size: .85rem; }
button.link { border: none; background: none; padding: 0; font-weight: 400; color: var(--accent); }
button[disabled] { opacity: .55; cursor: default; }

table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .55rem .6rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); font-weight: 600; }
tr:last-child td { border-bottom: none; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td .row-actions { display: flex; gap: .35rem; flex-wrap: wrap; }

.badge { display: inline-block; padding: .08rem .55rem; border-radius: 999px; font-size: .8rem; font-weight: 600; background: #eef1f5; color: var(--muted); white-space: nowrap; }
.badge.succeeded { background: #dafbe1; color: var(--ok); }
.badge.failed { background: #ffebe9; color: var(--bad); }
.badge.listing, .badge.migrating, .badge.queued { background: #ddf4ff; color: var(--accent-dark); }
.badge.paused { background: #fff8c5; color: var(--warn); }
.badge.stopped { background: #eef1f5; color: var(--muted); }

.bar { position: relative; height: .7rem; background: #e8edf3; border-radius: 999px; overflow: hidden; min-width: 140px; }
.bar > span { position: absolute; inset: 0 auto 0 0; background: var(--accent); border-radius: 999px; transition: width .4s; }
.bar.done > span { background: var(--ok); }
.bar.bad > span { background: var(--bad); }
.bar.indeterminate > span { width: 30% !important; animation: slide 1.4s infinite ease-in-out; }
@keyframes slide { from { left: -30%; } to { left: 100%; } }
.bar-label { font-size: .8rem; color: var(--muted); margin-top: .2rem; white-space: nowrap; }

.empty { text-align: center; padding: 2.5rem 1rem; color: var(--muted); }
.empty p { margin: .3rem 0 1rem; }
.empty .big { font-size: 1.1rem; color: var(--text); font-weight: 600; }

form .field { margin-bottom: .95rem; }
label, .label { display: block; font-weight: 600; margin-bottom: .3rem; }
.hint { display: block; font-size: .84rem; color: var(--muted); margin-top: .25rem; font-weight: 400; }
input[type=text], input[type=password], input[type=number], input[type=url], input[type=time], input[type=datetime-local], select, textarea {
  width: 100%; font: inherit; padding: .45rem .6rem; border: 1px solid #c5ced8; border-radius: 6px; background: #fff; color: var(--text);
}
textarea { min-height: 4.2rem; resize: vertical; }
input:focus, select:focus, textarea:focus { outline: 2px solid rgba(31, 111, 235, .35); border-color: var(--accent); }
.field.has-error input, .field.has-error select, .field.has-error textarea { border-color: var(--bad); }
.field-error { color: var(--bad); font-size: .86rem; margin-top: .3rem; font-weight: 500; }
.error-box { background: #ffebe9; border: 1px solid #ffcecb; color: #82071e; border-radius: 6px; padding: .6rem .8rem; margin: 0 0 1rem; }
.ok-box { background: #dafbe1; border: 1px solid #aceebb; color: #116329; border-radius: 6px; padding: .6rem .8rem; margin: 0 0 1rem; }
.inline { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
.inline > * { flex: 1 1 0; min-width: 0; }
.inline > .shrink { flex: 0 0 auto; }
.choice { display: flex; gap: .5rem; align-items: flex-start; font-weight: 400; margin: .35rem 0; }
.choice input { margin-top: .3rem; }
.choice .sub { margin: .4rem 0 .2rem; }
fieldset { border: 1px solid var(--line); border-radius: var(--radius); padding: .8rem 1rem .4rem; margin: 0 0 1rem; }
legend { font-weight: 700; padding: 0 .35rem; }
.form-actions { display: flex; gap: .6rem; align-items: center; margin-top: .5rem; }
.hidden { display: none !important; }
.test-result { font-size: .85rem; margin-top: .25rem; }
.test-result.ok { color: var(--ok); }
.test-result.bad { color: var(--bad); }
.throttle-table td { padding: .3rem .4rem; border: none; }
.throttle-table th { padding: .2rem .4rem; }
.preview { font-size: .85rem; color: var(--muted); }

.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: .75rem; margin-bottom: 1rem; }
.stat { background: #f8fafc; border: 1px solid var(--line); border-radius: var(--radius); padding: .6rem .8rem; }
.stat .v { font-size: 1.35rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.stat .k { font-size: .8rem; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
.stat.bad .v { color: var(--bad); }
.chart-wrap { position: relative; }
canvas.chart { width: 100%; height: 220px; display: block; }
.chart-empty { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center; color: var(--muted); }
.downloads { display: flex; gap: .5rem; flex-wrap: wrap; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; }
.login-card { max-width: 420px; margin: 4rem auto; }
#report-run { max-width: 420px; }
.kv + form { max-width: 720px; }
.pager { display: flex; gap: .5rem; align-items: center; justify-content: flex-end; margin-top: .6rem; }
`;
