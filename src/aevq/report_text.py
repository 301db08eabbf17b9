"""The report's prose: captions and chapter intros written in reStructuredText, rendered by docutils to HTML with
MathML (no JavaScript), and the two roles that put the run's numbers into that prose.

``:measured:`stem/key/...|fmt``` is a value of ``results/metrics/<stem>.json``: the keys walk the JSON document
(an integer indexes a list), ``fmt`` after the pipe is a Python format spec (``.2f``, ``.1%``, ``,d``); without it
the value is printed with :func:`format_value`. ``:config:`key/...|fmt``` is a value of the run's merged config, the
same way. A key that is not there is a build error that names the text, the stem and the key, so a caption can never
quote a number the run did not produce.

The first paragraph of a caption is what a student should see; every later block goes under a collapsed
``<details>`` (:func:`render_caption`).
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docutils.frontend
import docutils.io
import docutils.utils
from docutils import nodes
from docutils.parsers.rst import Parser, roles
from docutils.writers.html5_polyglot import Writer

ROLES = ("measured", "config")


class ReportTextError(ValueError):
    """A caption or intro that cannot be rendered: a warning from docutils, or a role whose value is not there."""


def format_value(v: Any) -> str:
    """A measured value as the report prints it when the text gives no format: 6 significant digits."""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if v == 0 or 1e-3 <= abs(v) < 1e5:
            return f"{v:.6g}"
        return f"{v:.3e}"
    if isinstance(v, list):
        return ", ".join(format_value(x) for x in v)
    return str(v)


def parse_reference(text: str) -> tuple[list[str], str]:
    """``'a/b/0|.2f'`` -> (['a', 'b', '0'], '.2f'); the pipe and the spec are optional."""
    path, _, spec = text.partition("|")
    keys = [k.strip() for k in path.strip().split("/")]
    if not path.strip() or any(not k for k in keys):
        raise ReportTextError(f"{text!r} is not a reference: write stem/key/...|format (keys separated by '/')")
    return keys, spec.strip()


def walk(doc: Any, keys: list[str]) -> Any:
    """Follow ``keys`` into nested dicts and lists (an integer key indexes a list); KeyError names the missing one."""
    for i, key in enumerate(keys):
        if isinstance(doc, Mapping) and key in doc:
            doc = doc[key]
        elif isinstance(doc, list) and key.lstrip("-").isdigit() and -len(doc) <= int(key) < len(doc):
            doc = doc[int(key)]
        else:
            have = sorted(doc)[:12] if isinstance(doc, Mapping) else f"a {type(doc).__name__}"
            raise KeyError(f"no key {'/'.join(keys[: i + 1])!r} (at that level: {have})")
    return doc


def formatted(value: Any, spec: str) -> str:
    if not spec:
        return format_value(value)
    try:
        return format(value, spec)
    except (TypeError, ValueError) as err:
        raise ReportTextError(f"format {spec!r} does not apply to {value!r}: {err}") from None


@dataclass
class TextContext:
    """Where the roles read their values, and which text is being rendered (named in every error).

    ``metrics`` maps a stem to its document or to the JSON file holding it (read once, when first quoted);
    ``strict=False`` checks the syntax of every reference but prints a placeholder instead of looking it up (for
    checking captions without a results tree)."""

    metrics: Mapping[str, Any] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    name: str = "text"
    strict: bool = True
    used: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def from_dir(cls, metrics_dir: str | Path, config: Mapping[str, Any], **kw: Any) -> TextContext:
        files = {p.stem: p for p in sorted(Path(metrics_dir).glob("*.json"))}
        return cls(metrics=files, config=config, **kw)

    def metric(self, stem: str) -> Any:
        doc = self.metrics.get(stem)
        if doc is None:
            raise ReportTextError(
                f"{self.name}: :measured: names the metrics {stem!r}, which this build does not have "
                f"(it has: {', '.join(sorted(self.metrics)) or 'none'})"
            )
        if isinstance(doc, str | Path):
            doc = json.loads(Path(doc).read_text())
            if isinstance(self.metrics, dict):
                self.metrics[stem] = doc
        return doc

    def measured(self, text: str) -> str:
        keys, spec = parse_reference(text)
        if len(keys) < 2:
            raise ReportTextError(f"{self.name}: :measured:`{text}` needs a metrics stem and at least one key")
        self.used.append(("measured", text))
        if not self.strict:
            return self._check_spec(spec, f":measured:`{text}`")
        stem, path = keys[0], keys[1:]
        try:
            value = walk(self.metric(stem), path)
        except KeyError as err:
            raise ReportTextError(f"{self.name}: :measured:`{text}`: metrics {stem!r} has {err.args[0]}") from None
        return self._formatted(value, spec, f":measured:`{text}`")

    def _check_spec(self, spec: str, where: str) -> str:
        """Without values: a spec that formats neither a number nor a string is an error; print a placeholder."""
        for sample in (0.5, 1, "x"):
            try:
                format(sample, spec)
                return "0"
            except (TypeError, ValueError):
                continue
        raise ReportTextError(f"{self.name}: {where}: {spec!r} is not a Python format spec")

    def _formatted(self, value: Any, spec: str, where: str) -> str:
        try:
            return formatted(value, spec)
        except ReportTextError as err:
            raise ReportTextError(f"{self.name}: {where}: {err}") from None

    def configured(self, text: str) -> str:
        keys, spec = parse_reference(text)
        self.used.append(("config", text))
        if not self.strict:
            return self._check_spec(spec, f":config:`{text}`")
        try:
            value = walk(self.config, keys)
        except KeyError as err:
            raise ReportTextError(f"{self.name}: :config:`{text}`: the config has {err.args[0]}") from None
        return self._formatted(value, spec, f":config:`{text}`")


_CONTEXT: contextvars.ContextVar[TextContext | None] = contextvars.ContextVar("aevq_report_text", default=None)
_FALLBACK: list[Callable[[], TextContext]] = []


def _current() -> TextContext:
    ctx = _CONTEXT.get()
    if ctx is None and _FALLBACK:
        ctx = _FALLBACK[-1]()
    if ctx is None:
        raise ReportTextError("a :measured: or :config: role was rendered outside aevq.report_text.rendering()")
    return ctx


def _role(kind: str):
    def role(name, rawtext, text, lineno, inliner, options=None, content=None):
        ctx = _current()
        value = ctx.measured(text) if kind == "measured" else ctx.configured(text)
        return [nodes.inline(rawtext, value, classes=[kind])], []

    return role


def register_roles(fallback: Callable[[], TextContext] | None = None) -> None:
    """Make ``:measured:`` and ``:config:`` known to docutils in this process. ``fallback`` gives the context when
    none is set by :func:`rendering` (Snakemake's own ``--report`` renders the captions itself, after the build)."""
    for kind in ROLES:
        roles.register_local_role(kind, _role(kind))
    if fallback is not None:
        _FALLBACK.append(fallback)


@contextlib.contextmanager
def rendering(ctx: TextContext) -> Iterator[TextContext]:
    register_roles()
    token = _CONTEXT.set(ctx)
    try:
        yield ctx
    finally:
        _CONTEXT.reset(token)


_SETTINGS = dict(
    math_output="MathML",
    report_level=2,  # warnings and worse are collected and fail the build
    halt_level=5,
    doctitle_xform=False,  # a caption is a fragment, not a titled document
    initial_header_level=4,
    embed_stylesheet=False,
    syntax_highlight="none",
    file_insertion_enabled=False,
    raw_enabled=False,
    input_encoding="unicode",
    output_encoding="unicode",
)


def _settings(stream: io.StringIO):
    settings = docutils.frontend.get_default_settings(Parser, Writer)
    for key, value in {**_SETTINGS, "warning_stream": stream}.items():
        setattr(settings, key, value)
    return settings


def parse(text: str, ctx: TextContext, stream: io.StringIO | None = None) -> nodes.document:
    """The doctree of ``text``; any docutils warning (or worse) is a ReportTextError naming ``ctx.name``."""
    stream = io.StringIO() if stream is None else stream
    with rendering(ctx):
        document = docutils.utils.new_document(ctx.name, _settings(stream))
        Parser().parse(text, document)
        document.transformer.populate_from_components([Parser(), Writer()])
        document.transformer.apply_transforms()
    if stream.getvalue().strip():
        raise ReportTextError(f"{ctx.name}: docutils: {stream.getvalue().strip()}")
    return document


def to_html(document: nodes.document) -> str:
    writer = Writer()
    writer.write(document, docutils.io.StringOutput(encoding="unicode"))
    writer.assemble_parts()
    return writer.parts["body"].strip()


@dataclass
class Rendered:
    """A caption or intro as HTML: ``lead`` (the first paragraph, always shown) and ``details`` (the rest, or "")."""

    lead: str
    details: str
    has_math: bool


def render(text: str, ctx: TextContext, *, split: bool = True) -> Rendered:
    """Render ``text``; with ``split``, the first top-level block is the lead and the others are the details."""
    stream = io.StringIO()  # the writer reports here too (LaTeX that MathML conversion does not know)
    document = parse(text, ctx, stream)
    rendered = _render(document, split)
    if stream.getvalue().strip() or 'class="system-message"' in rendered.lead + rendered.details:
        problem = stream.getvalue().strip() or re.sub(r"<[^>]+>|\s+", " ", rendered.lead + rendered.details)
        raise ReportTextError(f"{ctx.name}: docutils: {problem.strip()}")
    return rendered


def _render(document: nodes.document, split: bool) -> Rendered:
    has_math = bool(list(document.findall(lambda n: isinstance(n, nodes.math | nodes.math_block))))
    blocks = [c for c in document.children if not isinstance(c, nodes.comment)]
    if not blocks:
        return Rendered("", "", False)
    if not split:
        return Rendered(to_html(document), "", has_math)
    lead_doc = docutils.utils.new_document(document["source"], document.settings)
    rest_doc = docutils.utils.new_document(document["source"], document.settings)
    lead_doc.append(copy.deepcopy(blocks[0]))
    for block in blocks[1:]:
        rest_doc.append(copy.deepcopy(block))
    return Rendered(to_html(lead_doc), to_html(rest_doc) if blocks[1:] else "", has_math)


def render_file(path: str | Path, ctx: TextContext, **kw: Any) -> Rendered:
    ctx = copy.copy(ctx)
    ctx.name = Path(path).name
    return render(Path(path).read_text(), ctx, **kw)
