"""ollama.com ``/library/<m>/tags`` pages rendered from the simulated catalog.

The markup follows remote-catalogs.md §1.5 (structure-faithful, content from the catalog):
one ``div.group.px-4.py-3`` per tag with a mobile twin and a desktop twin, rows ordered
``latest``, size aliases, then every quant ascending. Sizes are printed as the site does
(decimal, rounded: one decimal below 10, integer from 10), digests as 12 hex.
"""

from __future__ import annotations

from html import escape

from quantdesk.sim.catalog import Catalog, Variant


def site_size(n: int) -> str:
    for unit, scale in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if n >= scale:
            v = n / scale
            return f"{v:.1f}{unit}" if round(v, 1) < 10 else f"{round(v)}{unit}"
    return f"{n}B"


def site_context(tokens: int) -> str:
    if tokens >= 1024 * 1024 and tokens % (1024 * 1024) == 0:
        return f"{tokens // (1024 * 1024)}M"
    return f"{tokens // 1024}K" if tokens >= 1024 else str(tokens)


def _rows(cat: Catalog, model: str) -> list[tuple[str, Variant]]:
    tags = cat.tags_of(model)
    variants = {t: cat.resolve(f"{model}:{t}") for t in tags}
    aliases = sorted((t for t in tags if variants[t] and variants[t].tag != t),
                     key=lambda t: (t != "latest", t))
    real = sorted((t for t in tags if variants[t] and variants[t].tag == t),
                  key=lambda t: (variants[t].build, variants[t].kind,  # type: ignore[union-attr]
                                 variants[t].quant.rank))  # type: ignore[union-attr]
    return [(t, variants[t]) for t in (*aliases, *real)]  # type: ignore[misc]


def _total(cat: Catalog, v: Variant) -> int:
    manifest = cat.manifest_for(v.name)
    return manifest.total_size if manifest else v.model_bytes


def _row_html(model: str, tag: str, v: Variant, digest12: str, badge: bool, total: int) -> str:
    size = site_size(total)
    ctx = site_context(v.context_length)
    inputs = "Text, Image" if "vision" in v.capabilities else "Text"
    name = escape(f"{model}:{tag}")
    badge_html = ('<span class="ml-2 inline-flex items-center rounded-full px-2 py-px '
                  'text-xs font-medium border border-blue-500 text-blue-600">latest</span>'
                  if badge else "")
    return f"""  <div class="group px-4 py-3">
   <a href="/library/{name}" class="md:hidden flex flex-col space-y-[6px] group">
    <div class="flex items-center font-medium"><span class="group-hover:underline">{name}</span>
    {badge_html}</div>
    <div class="flex flex-col text-neutral-500 text-[13px]"><span>
     <span class="font-mono">{digest12}</span>
     &bull; {size} &bull; {ctx} context window &bull; {inputs} input &bull; 3 weeks ago
     </span></div></a>
   <div class="hidden md:flex flex-col space-y-[6px]"><div class="grid grid-cols-12 items-center">
    <span class="flex items-center font-medium col-span-6 group text-sm">
     <a href="/library/{name}" class="group-hover:underline">{name}</a>{badge_html}
     <input class="command hidden" value="{name}" /></span>
    <p class="col-span-2 text-neutral-500 text-[13px]">{size}</p>
    <p class="col-span-2 text-neutral-500 text-[13px]">{ctx}</p>
    <div class="col-span-2 text-neutral-500 text-[13px] ">{inputs}</div></div>
    <div class="flex text-neutral-500 text-xs items-center">
     <span class="font-mono text-[11px]">{digest12}</span>&nbsp;&middot;&nbsp;3 weeks ago
    </div></div></div>
"""


def tags_page(cat: Catalog, model: str, mode: str = "normal") -> str | None:
    """The tags page HTML, or None when the model is not in the library."""
    rows = _rows(cat, model)
    if not rows:
        return None
    digests = {t: cat.manifest_for(f"{model}:{t}").digest[:12] for t, _ in rows}  # type: ignore[union-attr]
    latest = digests.get("latest")
    if mode == "changed":
        # A redesign: no row anchors, no tag links; only a table of plain text.
        body = "".join(f"<tr><td>{escape(t)}</td><td>{site_size(_total(cat, v))}</td></tr>"
                       for t, v in rows)
        return f"<html><body><table class='tags-v2'>{body}</table></body></html>"
    parts = []
    for tag, v in rows:
        badge = latest is not None and tag != "latest" and digests[tag] == latest and \
            tag == v.tag
        html = _row_html(model, tag, v, digests[tag], badge, _total(cat, v))
        if mode == "mobile":
            # Desktop twin gone: only the mobile link remains, outside any row anchor.
            start = html.index("<a href")
            html = html[start:html.index("</a>") + 4] + "\n"
        parts.append(html)
    header = (f'<div class="items-center grid bg-neutral-50 px-4 py-3 text-xs grid-cols-12">'
              f'<p class="col-span-6 hidden md:block">Name</p>'
              f'<p class="block col-span-6 md:hidden">{len(rows)} models</p></div>')
    return (f"<!doctype html><html><head><title>Tags · {escape(model)}</title></head><body><main>"
            f'<section class="w-full max-w-full mt-8">'
            f'<div class="overflow-hidden rounded-lg border">'
            f'<div class="min-w-full divide-y divide-gray-200">{header}{"".join(parts)}'
            f"</div></div></section></main></body></html>")
