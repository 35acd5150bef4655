package report

// css is the page's only style sheet: large type and high contrast for a
// projector, a light and a dark theme (the system's, or the toggle's), and
// a print style for a PDF handout.
const css = `
:root{--bg:#ffffff;--fg:#111111;--muted:#444444;--line:#222222;--panel:#f2f2f2;--accent:#0b57d0;
--go:#00add8;--dyn:#e8710a;--debug:#9aa0a6;--other:#5f6368;--plain:#c7d2dc;--seg-r:#d7e3f4;--seg-x:#f6d7d7;--seg-w:#d9f0d3;
--good:#0a7a2f;--bad:#b3261e;--mark:#8e24aa;--unattr:#bdbdbd;--over:#757575;
--t0:#4e79a7;--t1:#f28e2b;--t2:#59a14f;--t3:#e15759;--t4:#76b7b2;--t5:#edc948;--t6:#b07aa1;--t7:#ff9da7;--t8:#9c755f;--t9:#86bcb6}
@media (prefers-color-scheme: dark){:root:not([data-theme=light]){--bg:#111418;--fg:#f1f3f4;--muted:#c4c7c5;--line:#e8eaed;--panel:#1f2328;--accent:#8ab4f8;
--plain:#3c4a57;--seg-r:#243447;--seg-x:#4a2626;--seg-w:#23402a;--good:#6dd58c;--bad:#f2b8b5;--mark:#e1a6f0;--unattr:#5f6368;--over:#9aa0a6;--other:#9aa0a6}}
:root[data-theme=dark]{--bg:#111418;--fg:#f1f3f4;--muted:#c4c7c5;--line:#e8eaed;--panel:#1f2328;--accent:#8ab4f8;
--plain:#3c4a57;--seg-r:#243447;--seg-x:#4a2626;--seg-w:#23402a;--good:#6dd58c;--bad:#f2b8b5;--mark:#e1a6f0;--unattr:#5f6368;--over:#9aa0a6;--other:#9aa0a6}
html{background:var(--bg);color:var(--fg);font:20px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
body{margin:0 auto;max-width:1500px;padding:0 1.2rem 3rem}
header{display:flex;flex-wrap:wrap;align-items:baseline;gap:1rem;border-bottom:3px solid var(--line);padding:.6rem 0}
h1{font-size:2rem;margin:0;word-break:break-all}h1 small{font-size:1.1rem;color:var(--muted)}
h2{font-size:1.6rem;margin:2.2rem 0 .6rem;border-bottom:2px solid var(--line)}h3{font-size:1.25rem}
nav a,a{color:var(--accent)}nav{font-size:1rem}
#theme{font:inherit;font-size:1rem;background:var(--panel);color:var(--fg);border:2px solid var(--line);border-radius:6px;padding:.1rem .6rem;cursor:pointer}
code,.mono,td.num{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.9em}
table{border-collapse:collapse;margin:.5rem 0}th,td{text-align:left;padding:.2rem .6rem;border-bottom:1px solid var(--panel);vertical-align:top}
td code{word-break:break-all}td a code{white-space:nowrap;word-break:normal}
thead th{border-bottom:2px solid var(--line)}table.kv th{color:var(--muted);font-weight:600;white-space:nowrap}
.num{text-align:right}
.lead{max-width:70rem}
.verdict{font-size:1.3rem;padding:.6rem 1rem;border-left:8px solid}.verdict.good{border-color:var(--good)}.verdict.bad{border-color:var(--bad)}
.verdict b{font-size:1.4rem}.good b{color:var(--good)}.bad b{color:var(--bad)}
svg.fig{display:block;width:100%;height:auto;margin:.6rem 0;font-family:system-ui,"DejaVu Sans",sans-serif}
svg text{fill:var(--fg)}svg .small{font-size:12px}svg .lbl{font-size:14px}svg .axis{font-size:13px;fill:var(--muted)}
.bar-bg{fill:var(--panel);stroke:var(--line);stroke-width:1}
.sec{stroke:var(--bg);stroke-width:.5}.sec.go{fill:var(--go)}.sec.dyn{fill:var(--dyn)}.sec.debug{fill:var(--debug)}.sec.plain{fill:var(--plain)}.sec.na{fill:var(--other)}
.seg{stroke:var(--line);stroke-width:1;opacity:.9}.seg.r{fill:var(--seg-r)}.seg.x{fill:var(--seg-x)}.seg.w{fill:var(--seg-w)}
.leader{stroke:var(--muted);stroke-width:1;fill:none}.markline{stroke:var(--mark);stroke-width:2}.marktext{fill:var(--mark);font-weight:700}
.key span{display:inline-block;padding:0 .5rem;margin-right:.4rem;border-radius:4px;color:#000}
.key .go{background:var(--go)}.key .dyn{background:var(--dyn)}.key .debug{background:var(--debug)}.key .plain{background:var(--plain)}.key .mk{background:var(--mark);color:#fff}.key .na{background:var(--other);color:#fff}
tr.go td:first-child{border-left:6px solid var(--go)}tr.dyn td:first-child{border-left:6px solid var(--dyn)}tr.debug td:first-child{border-left:6px solid var(--debug)}
tr:target{outline:3px solid var(--mark)}
.tm{stroke:var(--bg);stroke-width:1}.tm.unattributed{fill:var(--unattr)}.tm.overhead{fill:var(--over)}.tm.other{fill:var(--other)}
.tm.c0{fill:var(--t0)}.tm.c1{fill:var(--t1)}.tm.c2{fill:var(--t2)}.tm.c3{fill:var(--t3)}.tm.c4{fill:var(--t4)}.tm.c5{fill:var(--t5)}.tm.c6{fill:var(--t6)}.tm.c7{fill:var(--t7)}.tm.c8{fill:var(--t8)}.tm.c9{fill:var(--t9)}
.tmg{fill:none;stroke:var(--line);stroke-width:2}.tmt{fill:#000;font-size:13px}.tmh{fill:#000;font-size:15px;font-weight:700}
.init{stroke:var(--line);stroke-width:1;fill:var(--plain)}.init.own{fill:var(--go)}.init.ran{fill:var(--unattr)}.init.interp{stroke-dasharray:4 2}
.init.missing{fill:var(--bad)}
tr.prologue td{background:color-mix(in srgb,var(--mark) 18%,transparent)}.pro{color:var(--mark)}
.ran-text{text-decoration:line-through}
tr.differs td{background:color-mix(in srgb,var(--bad) 22%,transparent)}tr.differs td:last-child{color:var(--bad);font-weight:700}
tr.same td:last-child{color:var(--good)}
.reg{stroke:var(--line);stroke-width:1}.reg.object{fill:var(--go)}.reg.host{fill:var(--t0)}.reg.libc{fill:var(--t1)}.reg.ld\.so{fill:var(--dyn)}.reg.lib{fill:var(--t5)}
.reg.heap{fill:var(--t2)}.reg.stack{fill:var(--t3)}.reg.go-arena{fill:var(--t4)}.reg.anon{fill:var(--plain)}.reg.vdso{fill:var(--t6)}.reg.other{fill:var(--unattr)}
.gap{stroke:var(--muted);stroke-dasharray:3 3}
.reg-text{fill:#000;font-size:14px}.reg-small{fill:#000;font-size:12px}
.cols{display:flex;gap:1rem;flex-wrap:wrap}
.dep-box{fill:var(--panel);stroke:var(--line);stroke-width:1.5}.dep.missing .dep-box{stroke:var(--bad);stroke-width:3;stroke-dasharray:8 4}
.dep-name{font-size:19px;font-weight:700}.dep-how{font-size:15px}.edge{stroke:var(--muted);stroke-width:2;fill:none}
.main{--via:var(--go)}.cache{--via:var(--t0)}.runpath{--via:var(--t2)}.rpath{--via:var(--t4)}.libpath{--via:var(--t5)}.default{--via:var(--t9)}
.interp{--via:var(--dyn)}.path{--via:var(--t6)}.preload{--via:var(--t7)}.loaded{--via:var(--plain)}.missing{--via:var(--bad)}.other{--via:var(--unattr)}
.dep-via{fill:var(--via)}.deps-key i{display:inline-block;width:1em;height:1em;vertical-align:-.12em;margin-right:.4rem;border:1px solid var(--line);background:var(--via)}
footer{margin-top:3rem;color:var(--muted);font-size:.9rem}
@media print{html{font-size:11pt;background:#fff;color:#000}#theme,nav,#symfilter,label[for=symfilter]{display:none}
section{break-inside:avoid-page}svg.fig{break-inside:avoid}a{color:#000;text-decoration:none}
:root{--bg:#fff;--fg:#000;--panel:#eee;--line:#000}}
`

// script is the page's only script: the theme toggle and the symbol
// filter. It builds rows with textContent, never with markup.
const script = `(function(){
"use strict";
var root=document.documentElement,btn=document.getElementById("theme");
if(btn){btn.addEventListener("click",function(){
var dark=root.getAttribute("data-theme")==="dark"||(!root.getAttribute("data-theme")&&window.matchMedia&&window.matchMedia("(prefers-color-scheme: dark)").matches);
root.setAttribute("data-theme",dark?"light":"dark");});}
var el=document.getElementById("symdata"),input=document.getElementById("symfilter"),rows=document.getElementById("symrows"),count=document.getElementById("symcount");
if(!el||!input||!rows){return;}
var data=JSON.parse(el.textContent);
var lower=data.s.map(function(s){return s[0].toLowerCase();});
function cell(tr,text,cls){var td=document.createElement("td");if(cls){td.className=cls;}
if(cls===""){var c=document.createElement("code");c.textContent=text;td.appendChild(c);}else{td.textContent=text;}tr.appendChild(td);}
function show(){var q=input.value.toLowerCase(),n=0,frag=document.createDocumentFragment();
for(var i=0;i<data.s.length;i++){if(q&&lower[i].indexOf(q)<0){continue;}n++;if(n>200){continue;}
var s=data.s[i],tr=document.createElement("tr");cell(tr,s[0],"");cell(tr,data.g[s[2]]||"","g");cell(tr,s[3],"s");cell(tr,String(s[1]),"num");frag.appendChild(tr);}
rows.replaceChildren(frag);count.textContent=(q?n+" match"+(n===1?"":"es"):data.s.length+" symbols")+(n>200?", the first 200 shown":"");}
input.addEventListener("input",show);
})();`
