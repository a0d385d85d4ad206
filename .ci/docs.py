#!/usr/bin/env python
"""Build and check monet_nb's docs without Quarto (the GitHub deploy workflow uses Quarto as usual).

    python .ci/docs.py readme [--check]   write README.md from nbs/index.ipynb (--check: fail if it is stale)
    python .ci/docs.py build              render every notebook to _site_offline/, MathJax served locally
    python .ci/docs.py check              open every page in headless Chromium: each notebook has a page, the
                                          equations are typeset, the figures load, the links resolve; screenshots
                                          go to _site_offline/_check/

Notebooks are processed by nbdev's own processors (the ones `nbdev_docs` runs before Quarto: hidden cells
dropped, `show_doc` rendered, directives applied), then rendered by nbconvert. Pages are named as nbdev's
Quarto site names them (`00_losses.ipynb` -> `losses.html`), so the links nbdev writes work in both.
"""
import argparse, configparser, functools, html, http.server, json, os, re, shutil, subprocess, sys, tempfile, threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS, SITE = ROOT/'nbs', ROOT/'_site_offline'
MATHJAX = 'mathjax@2.7.9'          # the version nbconvert's template is written for (MathJax 2 config)
_cfg = configparser.ConfigParser(); _cfg.read(ROOT/'settings.ini')
DOC_URL = _cfg['DEFAULT']['doc_host'].rstrip('/') + _cfg['DEFAULT']['doc_baseurl'].rstrip('/') + '/'


def notebooks():
    "The documented notebooks, index first, then in chapter order."
    nbs = sorted(p for p in NBS.glob('*.ipynb') if not p.name.startswith(('_', '.')))
    return sorted(nbs, key=lambda p: p.name != 'index.ipynb')

def page_name(nb: Path) -> str:
    "nbdev/Quarto output name: numeric prefix dropped, .html."
    return re.sub(r'^\d+[a-z]?_', '', nb.stem) + '.html'

def title_of(nb) -> str:
    for c in nb.cells:
        if c.cell_type == 'markdown':
            m = re.search(r'^#\s+(.+)$', c.source, re.M)
            if m: return m.group(1).strip()
    return 'untitled'


def process(path: Path):
    "Run nbdev's doc processors on a notebook; return an nbformat notebook ready for nbconvert."
    import nbformat
    from execnb.nbio import read_nb, nb2dict
    from nbdev.processors import FilterDefaults
    os.environ['IN_TEST'] = '1'
    cwd = os.getcwd(); os.chdir(path.parent)
    try:
        nb = read_nb(path)
        FilterDefaults()(nb)
    finally: os.chdir(cwd)
    nb = nbformat.reads(json.dumps(nb2dict(nb)), as_version=4)       # joins list-of-lines sources back into strings
    if nb.cells and nb.cells[0].cell_type == 'raw' and nb.cells[0].source.startswith('---'):
        import yaml                                                     # nbdev moved the title and summary into frontmatter
        fm = yaml.safe_load(nb.cells[0].source.strip().strip('-')) or {}
        head = f"# {fm.get('title', path.stem)}" + (f"\n\n> {fm['description']}" if fm.get('description') else '')
        nb.cells[0] = nbformat.v4.new_markdown_cell(head)
    for cell in nb.cells:
        if cell.cell_type != 'code': continue
        lines = cell.source.splitlines()
        directives = {}
        while lines and re.match(r'^#\|', lines[0]):
            m = re.match(r'^#\|\s*([\w-]+):?\s*(.*)$', lines.pop(0))
            if m: directives[m.group(1)] = m.group(2).strip()
        cell.source = '\n'.join(lines)
        tags = set(cell.metadata.get('tags', []))
        if directives.get('echo') == 'false' or not cell.source.strip(): tags.add('remove_input')
        if directives.get('output') == 'false': tags.add('remove_output')
        for o in cell.get('outputs', []):                 # show_doc output: keep the markdown, drop the plain-text twin
            if 'text/markdown' in o.get('data', {}):
                o['data'].pop('text/plain', None)
                o['data']['text/markdown'] = re.sub(r'\{target="_blank"[^}]*\}', '', o['data']['text/markdown'])   # Quarto-only attributes
        cell.metadata['tags'] = sorted(tags)
    return nb


def fix_links(text: str, names: dict) -> str:
    "Links nbdev writes to the online site, and links between notebooks, become links between local pages."
    text = text.replace(DOC_URL, '')
    return re.sub(r'(href=")([\w.-]+)\.ipynb(#[^"]*)?"', lambda m: f'{m.group(1)}{names.get(m.group(2), m.group(2) + ".html")}{m.group(3) or ""}"', text)


NAV_CSS = """
<style>
body { margin: 0; }
#monet-nav { position: fixed; top: 0; left: 0; bottom: 0; width: 15rem; overflow-y: auto; padding: 1rem;
  background: #f6f7f9; border-right: 1px solid #ddd; font: 14px/1.5 system-ui, sans-serif; box-sizing: border-box; }
#monet-nav a { display: block; color: #234; text-decoration: none; padding: .15rem .3rem; border-radius: 3px; }
#monet-nav a.current { background: #dde6f3; font-weight: 600; }
#monet-nav .site { font-weight: 700; font-size: 16px; margin-bottom: .6rem; }
body { padding-left: 16.5rem !important; }
body > main, body > .jp-Notebook { max-width: 64rem; }
#monet-pager { margin: 2rem 0 3rem 0; font: 14px system-ui, sans-serif; display: flex; gap: 2rem; }
</style>"""

def nav_html(pages, current):
    links = ''.join(f'<a href="{html.escape(p)}"{" class=current" if p == current else ""}>{html.escape(t)}</a>' for p, t in pages)
    return f'<nav id="monet-nav"><div class="site">monet_nb</div>{links}</nav>'

def pager_html(pages, current):
    i = [p for p, _ in pages].index(current)
    prev = f'<a href="{pages[i-1][0]}">&larr; {html.escape(pages[i-1][1])}</a>' if i > 0 else ''
    nxt = f'<a href="{pages[i+1][0]}">{html.escape(pages[i+1][1])} &rarr;</a>' if i + 1 < len(pages) else ''
    return f'<div id="monet-pager">{prev}{nxt}</div>'


OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{#- nbconvert's lab page without what it would fetch from CDNs: require.js, the widget manager, mermaid. -#}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""

def vendor_mathjax(dest: Path) -> Path:
    "MathJax 2 from the npm registry, cached under .ci/node_modules; copied into the site."
    cache = ROOT/'.ci'/'node_modules'/'mathjax'
    if not (cache/'MathJax.js').exists():
        subprocess.run(['npm', 'install', '--no-audit', '--no-fund', '--no-save', '--prefix', str(ROOT/'.ci'), MATHJAX], check=True)
    out = dest/'_vendor'/'mathjax'
    if not out.exists():
        shutil.copytree(cache, out, ignore=shutil.ignore_patterns('*.md', 'unpacked', 'test', 'docs'))
    return out


def build():
    from nbconvert import HTMLExporter
    from traitlets.config import Config
    if SITE.exists(): shutil.rmtree(SITE)
    SITE.mkdir()
    vendor_mathjax(SITE)
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_input_tags = {'remove_input'}
    c.TagRemovePreprocessor.remove_all_outputs_tags = {'remove_output'}
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.embed_images = True
    c.HTMLExporter.mathjax_url = '_vendor/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe'
    tdir = Path(tempfile.mkdtemp())
    (tdir/'offline.html.j2').write_text(OFFLINE_TEMPLATE)
    c.HTMLExporter.extra_template_paths = [str(tdir)]
    c.HTMLExporter.template_file = 'offline.html.j2'
    exporter = HTMLExporter(config=c, template_name='lab')
    nbs = notebooks()
    names = {nb.stem: page_name(nb) for nb in nbs}
    processed = [(nb, process(nb)) for nb in nbs]
    pages = [(names[nb.stem], title_of(pnb)) for nb, pnb in processed]
    for nb, pnb in processed:
        body, _ = exporter.from_notebook_node(pnb, resources={'metadata': {'name': title_of(pnb), 'path': str(NBS)}})
        body = fix_links(body, names)
        body = body.replace('</head>', NAV_CSS + '\n</head>', 1)
        body = re.sub(r'(<body[^>]*>)', lambda m: m.group(1) + nav_html(pages, names[nb.stem]), body, count=1)
        body = body.replace('</body>', pager_html(pages, names[nb.stem]) + '</body>', 1)
        remote = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', body)
        if remote: raise SystemExit(f"{nb.name}: the page would load {remote[0]} from the network; the offline site must not")
        (SITE/names[nb.stem]).write_text(body)
    print(f"built {len(processed)} pages in {SITE.relative_to(ROOT)}/: " + ', '.join(names[nb.stem] for nb in nbs))


def readme(check=False):
    "README.md from nbs/index.ipynb: processed like the docs, exported to Markdown; its figures go to index_files/."
    from nbconvert import MarkdownExporter
    from traitlets.config import Config
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_input_tags = {'remove_input'}
    c.TagRemovePreprocessor.remove_all_outputs_tags = {'remove_output'}
    c.MarkdownExporter.exclude_input_prompt = True
    nb = process(NBS/'index.ipynb')
    body, res = MarkdownExporter(config=c).from_notebook_node(nb, resources={'output_files_dir': 'index_files'})
    body = re.sub(r'\n{3,}', '\n\n', body).strip() + '\n'          # links stay as written: absolute ones reach the docs site
    body = "<!-- Generated from nbs/index.ipynb by `python .ci/docs.py readme`: edit the notebook, not this file. -->\n\n" + body
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        (d/'README.md').write_text(body)
        for name, data in res.get('outputs', {}).items():
            (d/name).parent.mkdir(parents=True, exist_ok=True); (d/name).write_bytes(data)
        if check:
            stale = not (ROOT/'README.md').exists() or (ROOT/'README.md').read_text() != body
            stale = stale or any(not (ROOT/n).exists() or (ROOT/n).read_bytes() != (d/n).read_bytes() for n in res.get('outputs', {}))
            if stale: raise SystemExit("README.md is stale: run `python .ci/docs.py readme` and commit the result")
            print("README.md is up to date with nbs/index.ipynb"); return
        if (ROOT/'index_files').exists(): shutil.rmtree(ROOT/'index_files')
        for name in res.get('outputs', {}):
            (ROOT/name).parent.mkdir(parents=True, exist_ok=True); shutil.copy(d/name, ROOT/name)
        (ROOT/'README.md').write_text(body)
    print(f"wrote README.md ({len(res.get('outputs', {}))} figures in index_files/)")


def _has_math(nb: Path) -> bool:
    "Whether a notebook's markdown holds TeX ($...$ or $$...$$)."
    cells = json.loads(nb.read_text())['cells']
    md = '\n'.join(''.join(c['source']) for c in cells if c['cell_type'] == 'markdown')
    return bool(re.search(r'\$\$.+?\$\$|\$[^$\s][^$\n]*\$', md, re.S))


def check():
    "Every notebook has a page; in Chromium, each page's math is typeset, images load, links resolve."
    from playwright.sync_api import sync_playwright
    pages = [page_name(nb) for nb in notebooks()]
    math_pages = {page_name(nb) for nb in notebooks() if _has_math(nb)}
    missing = [p for p in pages if not (SITE/p).exists()]
    if missing: raise SystemExit(f"pages missing from {SITE}: {missing}")
    shots = SITE/'_check'; shots.mkdir(exist_ok=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SITE))
    http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f'http://127.0.0.1:{server.server_port}/'
    chromium = shutil.which('chromium') or shutil.which('chromium-browser') or shutil.which('google-chrome')
    if not chromium: raise SystemExit("no Chromium found (Debian: apt-get install chromium)")
    problems, report = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=['--no-sandbox', '--disable-gpu', '--disable-background-networking',
                                                                        '--no-first-run', '--disable-component-update', '--disable-sync'])
        page = browser.new_page(viewport={'width': 1280, 'height': 900})
        external, errors = [], []
        page.on('request', lambda r: external.append(r.url) if not r.url.startswith((base, 'data:', 'about:')) else None)
        page.on('pageerror', lambda e: errors.append(e))
        for name in pages:
            errors.clear()
            page.goto(base + name, wait_until='load')
            page.wait_for_function("() => window.MathJax && MathJax.Hub && MathJax.isReady", timeout=60000)
            page.evaluate("() => new Promise(r => MathJax.Hub.Queue(() => r(true)))")
            info = page.evaluate("""() => {
                const typeset = document.querySelectorAll('.MathJax_CHTML, .MathJax_Display, mjx-container').length;
                const mathErrors = document.querySelectorAll('.mjx-merror, .MathJax_Error').length;
                const raw = (document.body.innerText.match(/\\$\\$/g) || []).length;
                const imgs = [...document.images].map(i => ({src: i.src.slice(0, 60), ok: i.complete && i.naturalWidth > 0}));
                const links = [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'));
                const ids = new Set([...document.querySelectorAll('[id]')].map(e => e.id));
                return {typeset, mathErrors, raw, imgs, links, ids: [...ids]};
            }""")
            bad_imgs = [i['src'] for i in info['imgs'] if not i['ok']]
            broken = []
            for href in set(info['links']):
                if href.startswith(('http://', 'https://', 'mailto:')): continue
                target, _, anchor = href.partition('#')
                if not target:
                    if anchor and anchor not in info['ids']: broken.append(href)
                    continue
                if not (SITE/target.split('?')[0]).exists(): broken.append(href)
            has_math = name in math_pages
            row = f"{name}: {info['typeset']} equations typeset, {len(info['imgs'])} images, {len(info['links'])} links"
            report.append(row)
            if has_math and info['typeset'] == 0: problems.append(f"{name}: has math but MathJax typeset none")
            if info['mathErrors']: problems.append(f"{name}: {info['mathErrors']} MathJax errors")
            if info['raw']: problems.append(f"{name}: {info['raw']} raw $$ left in the text")
            if bad_imgs: problems.append(f"{name}: images that did not load: {bad_imgs[:3]}")
            if broken: problems.append(f"{name}: links that do not resolve: {sorted(broken)[:5]}")
            if errors: problems.append(f"{name}: JavaScript errors: {[str(e)[:120] for e in errors[:3]]}")
            page.screenshot(path=str(shots/(name[:-5] + '.png')), full_page=name == 'losses.html')
        browser.close()
    server.shutdown()
    derivation = [r for r in report if r.startswith('losses.html')]
    if not derivation or int(derivation[0].split(': ')[1].split()[0]) < 10:
        problems.append(f"the decoder NLL derivation (losses.html) should show its equations typeset: {derivation}")
    if external: problems.append(f"the pages asked the network for: {sorted(set(external))[:5]}")
    print('\n'.join(report))
    if problems: raise SystemExit('docs check failed:\n  ' + '\n  '.join(problems))
    print(f"docs check passed: {len(pages)} pages; screenshots in {shots.relative_to(ROOT)}/ (losses.png is the derivation page)")


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('what', choices=['readme', 'build', 'check'])
    ap.add_argument('--check', action='store_true', help='readme: fail if README.md is stale instead of writing it')
    a = ap.parse_args()
    if a.what == 'readme': readme(a.check)
    elif a.what == 'build': build()
    else: check()
