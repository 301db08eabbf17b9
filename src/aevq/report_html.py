"""The report's page: one Jinja2 template and its stylesheet. Self-contained: no script, no external file; math is
MathML (drawn natively by Chromium and Firefox), figures are embedded PNGs.

A Python module rather than a template file so that the report rule's library input (aevq.pipeline.library_of)
tracks it: an edit here rebuilds the report.
"""

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:1.5em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{margin-bottom:.1em;font-size:1.7em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
h3{margin:.9em 0 .3em}
figure{margin:1.2em 0;break-inside:avoid-page} figure img{max-width:100%;max-height:15cm;border:1px solid #eee}
figcaption{font-size:.93em;color:#222;margin-top:.3em} figcaption p{margin:.3em 0}
.figname{font-weight:600}
details{margin:.2em 0} details>summary{cursor:pointer;color:#1a4f8b;font-size:.9em}
details[open]>summary{margin-bottom:.3em}
p.prov{font-size:.78em;color:#555;margin:.25em 0;line-height:1.3} p.prov a{color:#3b5f85}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em} th,td{border:1px solid #ccc;padding:.2em .45em;
text-align:left;vertical-align:top} th{background:#f4f4f4}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.pass td.verdict{background:#e3f6e3;color:#145214;font-weight:600}
tr.fail td.verdict{background:#fde2e2;color:#8a1010;font-weight:700}
tr.na td.verdict{background:#eeeeee;color:#444;font-style:italic}
td.kind-identity{color:#555} td.kind-empirical{font-weight:600}
.summary{padding:.5em 1em;border-radius:6px;background:#f6f8fa;border:1px solid #ddd}
.summary h2{margin-top:.3em;border:none} .summary table{font-size:.85em;margin:.4em 0}
.summary p{margin:.35em 0}
pre{background:#f6f8fa;padding:.8em;overflow-x:auto;font-size:.8em}
.muted{color:#666;font-size:.9em} .warn{color:#8a1010;font-weight:600}
span.measured,span.config{font-variant-numeric:tabular-nums}
math[display=block]{margin:.4em 0}
nav.toc{font-size:.9em} nav.toc a{margin-right:.9em;white-space:nowrap}
@page{size:A4;margin:9mm 10mm}
@media print{body{max-width:none;margin:0;font-size:9.5pt;line-height:1.35} details:not([open])>*:not(summary){display:none}
h2{break-before:auto;break-after:avoid;margin-top:1em} a{color:inherit;text-decoration:none}
figure{margin:.7em 0} figure img{max-height:7.5cm} table{font-size:.82em} p.prov{font-size:.72em}}
"""

TEMPLATE = r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>{{ css }}</style></head><body>
<h1>{{ title }}</h1>
<section class="summary" id="summary">
<h2>Summary</h2>
<p>This run rebuilt <b>{{ counts.figures }} figures, {{ counts.tables }} tables and {{ counts.claims }} claims</b> in
{{ sections|length }} chapters from the raw MNIST bytes. <b>Profile:</b> {{ run.profile }} ({{ run.scale }}).
<b>Hardware:</b> {{ run.hardware }}. <b>Time:</b> {{ run.duration }}.</p>
<p><b>Claims.</b> {{ claim_sentence }}
An <i>identity check</i> verifies mathematics to rounding (it can fail only through a bug);
an <i>empirical claim</i> could have come out otherwise.</p>
<table><tr><th rowspan="2">chapter</th>{% for kind in tally.kinds %}<th colspan="3">{{ tally.names[kind] }}</th>{% endfor %}</tr>
<tr>{% for _ in tally.kinds %}<th>hold</th><th>fail</th><th>not tested here</th>{% endfor %}</tr>
{%- for row in tally.rows %}
<tr{% if row.get("total") %} style="font-weight:600"{% endif %}><td>{% if row.key %}<a href="#claims-{{ row.key }}">{{ row.title }}</a>{% else %}{{ row.title }}{% endif %}</td>
{%- for kind in tally.kinds %}{% set c = row.counts[kind] %}<td class="num">{{ c.pass or "" }}</td><td class="num">{% if c.fail %}<span class="warn">{{ c.fail }}</span>{% endif %}</td><td class="num">{{ c.na or "" }}</td>{% endfor %}</tr>
{%- endfor %}
</table>
<p><b>Headline numbers beside the papers'.</b></p>
<table><tr><th>quantity</th><th>this run</th><th>the paper</th><th>note</th></tr>
{%- for h in headlines %}
<tr><td><a href="#{{ h.section }}">{{ h.quantity }}</a></td><td class="num">{{ h.measured }}</td><td>{{ h.paper }}</td><td>{{ h.note }}</td></tr>
{%- endfor %}
</table>
<p><b>Lecture coverage.</b> {{ coverage.sentence }} (<a href="#coverage">table</a>).</p>
<nav class="toc">{% for s in sections %}<a href="#{{ s.key }}">{{ s.title }}</a> {% endfor %}<a href="#coverage">Lecture coverage</a> <a href="#provenance">Provenance</a></nav>
</section>

{% for s in sections %}
<section id="{{ s.key }}">
<h2>{{ s.title }}</h2>
{% if s.lecture %}<p class="muted">Lecture: {{ s.lecture }}</p>{% endif %}
{{ s.intro.lead }}
{% if s.intro.details %}<details><summary>More about this chapter</summary>{{ s.intro.details }}</details>{% endif %}
{% for f in s.figures %}
<figure id="fig-{{ f.name }}">{{ f.body }}
<figcaption>{{ f.caption.lead }}
{% if f.caption.details %}<details><summary>More</summary>{{ f.caption.details }}</details>{% endif %}
<p class="prov">{{ f.provenance }}</p></figcaption></figure>
{% endfor %}
{% for t in s.tables %}
<div class="table" id="tab-{{ t.name }}">{{ t.caption.lead }}
{% if t.caption.details %}<details><summary>More</summary>{{ t.caption.details }}</details>{% endif %}
{{ t.body }}
<p class="prov">{{ t.provenance }}</p></div>
{% endfor %}
{% if s.claims %}
<h3 id="claims-{{ s.key }}">Claims of this chapter</h3>
<p class="muted">{{ s.claim_sentence }}</p>
<table class="claims"><tr><th>#</th><th>claim</th><th>kind</th><th>measured</th><th>threshold</th><th>threshold from</th><th>verdict</th></tr>
{%- for r in s.claims %}
<tr class="{{ r.css }}" id="{{ r.anchor }}"><td>{{ r.number }}</td><td>{{ r.claim }}{% if r.detail %}<details><summary>how it was measured</summary>{{ r.detail }}</details>{% endif %}</td>
<td class="kind-{{ r.kind_class }}">{{ r.kind }}</td><td class="num">{{ r.measured }}</td><td class="num">{{ r.threshold }}</td>
<td>{{ r.basis }}{% if r.source %} · {{ r.source }}{% endif %}</td><td class="verdict">{{ r.verdict }}</td></tr>
{%- endfor %}
</table>
{% endif %}
</section>
{% endfor %}

<section id="coverage">
<h2>Lecture coverage: every slide, and where it is rebuilt</h2>
<p>{{ coverage.sentence }}</p>
<table><tr><th>slide or figure of the lecture</th><th>section</th><th>rebuilt in</th></tr>
{%- for e in coverage.entries %}
<tr><td>{{ e.slide }}</td><td>{{ e.lecture }}</td><td>{% if e.links %}{% for l in e.links %}<a href="#{{ l.anchor }}">{{ l.label }}</a>{% if not loop.last %}, {% endif %}{% endfor %}{% else %}<i>not measured:</i> {{ e.reason }}{% endif %}</td></tr>
{%- endfor %}
</table>
</section>

<section id="provenance">
<h2>Provenance</h2>
<p><b>Built</b> {{ prov.built }} by the aevq pipeline, {{ run.profile }} profile.<br>
<b>Commit:</b> {{ prov.commit_html }}<br>
{% if prov.dirty %}<span class="warn">The working tree had uncommitted changes when this report was built, so the code
that made it is not exactly the commit above.</span> Changed files: {{ prov.dirty|join(", ") }}.<br>
{% elif prov.dirty is none %}<span class="warn">Not built from a git checkout: the code that made it cannot be named by a commit.</span><br>
{% else %}The working tree had no uncommitted changes: the commit above is the code that made this report.<br>{% endif %}
<b>Hardware:</b> {{ run.hardware_full }}</p>
<p class="muted">Under each figure one line names the notebook that draws it, the artefacts it reads (relative to this
file, in <code>results/</code>) and, for each artefact, the rule and script that made it; then the library modules they
import. {% if prov.link_base %}Names link to the source at the commit.{% endif %}</p>
<details><summary>Package versions</summary><table>{% for k, v in prov.versions.items() %}<tr><td>{{ k }}</td><td>{{ v }}</td></tr>{% endfor %}</table></details>
<details><summary>Wall time per job (from the benchmark files)</summary>{{ prov.benchmarks }}</details>
<details><summary>Configuration of this run (YAML)</summary><pre>{{ prov.config_yaml }}</pre></details>
</section>
</body></html>
"""
