"""The explorer of nbs/07_viz.ipynb in a real browser: JupyterLab on localhost, driven by Debian's Chromium through playwright.

    python .ci/explorer_browser.py            exit status 0 when every check holds; screenshots in .ci/browser/

A copy of the notebook is opened (JupyterLab autosaves, and the repository's notebook must stay as it is) and all its
cells are run. Then, in the live explorer, the image slider is set to 6 and the slot menu goes through slots 2, 3 and 1,
without any latent slider being touched. The checks:

- the kernel's explorer is on image 6 and slot 1, and no latent of any slot has left its posterior mean (a slider's value
  written back into another slot moved them: the bug this guards against);
- the slot view's title names image 6;
- the montage is drawn at its own aspect ratio (a flex row once stretched it to the height of the slider column).

The headless tests of the notebook call the explorer's methods directly; only a browser runs the widgets' own code.
"""
import json, os, secrets, shutil, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT/'.ci'/'browser'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def start_lab(folder: Path, port: int, token: str) -> subprocess.Popen:
    cmd = [sys.executable, '-m', 'jupyterlab', '--no-browser', f'--port={port}', '--ip=127.0.0.1', f'--IdentityProvider.token={token}',
           f'--ServerApp.root_dir={folder}', '--ServerApp.disable_check_xsrf=True', '--LabApp.news_url=', '--allow-root']
    settings = folder/'settings'/'@jupyterlab'/'notebook-extension'          # every cell in the page, not only the visible ones
    settings.mkdir(parents=True)
    (settings/'tracker.jupyterlab-settings').write_text(json.dumps({'windowingMode': 'none'}))
    env = {**os.environ, 'OMP_NUM_THREADS': os.environ.get('OMP_NUM_THREADS', '1'), 'JUPYTERLAB_SETTINGS_DIR': str(folder/'settings')}
    lab = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(folder/'lab.log', 'w'), env=env)
    for _ in range(120):
        try:
            urllib.request.urlopen(f'http://127.0.0.1:{port}/api/status?token={token}', timeout=2); return lab
        except OSError: time.sleep(0.5)
    lab.kill(); raise SystemExit(f"JupyterLab did not start; see {folder/'lab.log'}")


def run_code(page, code: str, marker: str, timeout: float = 60) -> str:
    "Append a cell with `code` at the end of the notebook, run it, and return the output line that starts with `marker`."
    page.locator('.jp-Notebook .jp-Cell').last.click()
    page.keyboard.press('Escape'); page.keyboard.press('b'); page.keyboard.press('Enter')   # a new cell below, in edit mode
    page.keyboard.type(code); page.keyboard.press('Shift+Enter')
    out = page.locator('.jp-OutputArea-output', has_text=marker).last
    try: out.wait_for(timeout=timeout * 1000)
    except Exception: page.screenshot(path=str(SHOTS/'run-code-failed.png')); raise
    return next(l for l in out.inner_text().splitlines() if l.startswith(marker))[len(marker):].strip()


def main():
    from playwright.sync_api import sync_playwright
    chromium = shutil.which('chromium') or shutil.which('chromium-browser') or shutil.which('google-chrome')
    if not chromium: raise SystemExit("no Chromium found (Debian: apt-get install chromium)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix='explorer-'))
    shutil.copy(ROOT/'nbs'/'07_viz.ipynb', folder/'viz.ipynb')
    port, token = free_port(), secrets.token_hex(16)
    lab, failures = start_lab(folder, port, token), []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=['--no-sandbox', '--disable-gpu', '--no-first-run'])
            page = browser.new_page(viewport={'width': 1400, 'height': 1000})
            page.goto(f'http://127.0.0.1:{port}/lab/tree/viz.ipynb?token={token}')
            page.locator('.jp-Notebook').first.wait_for(timeout=120_000)
            select = page.get_by_role('button', name='Select', exact=True)   # the notebook names no kernel (nbdev_clean strips it)
            try: select.wait_for(timeout=15_000); select.click()
            except Exception: pass
            page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=120_000)
            page.get_by_role('menuitem', name='Run', exact=True).click()
            page.get_by_text('Run All Cells', exact=True).click()
            t = time.time()
            page.wait_for_function("""() => { const p = [...document.querySelectorAll('.jp-InputPrompt')].map(e => e.innerText);
                                              return p.length > 0 && p.every(s => !s.includes('*')) && p.some(s => /\\d/.test(s)); }""",
                                   timeout=240_000)
            print(f"ran the notebook in {time.time() - t:.0f} s")
            explorer = page.locator('.jp-OutputArea-output .widget-vbox', has=page.locator('.widget-dropdown')).first
            explorer.scroll_into_view_if_needed()
            explorer.screenshot(path=str(SHOTS/'explorer-start.png'))
            readout = explorer.locator('.widget-slider .widget-readout').first        # the image slider's editable readout
            readout.click(); page.keyboard.press('Control+A'); page.keyboard.type('6'); page.keyboard.press('Enter')
            page.wait_for_timeout(3000)
            menu = explorer.locator('.widget-dropdown select')
            for slot in ('slot 2', 'slot 3', 'slot 1'):
                menu.select_option(label=slot); page.wait_for_timeout(2500)
            explorer.screenshot(path=str(SHOTS/'explorer-image6-slot1.png'))
            title = explorer.locator('.widget-label', has_text=', slot').first.inner_text()
            img = explorer.locator('img').first
            box = img.bounding_box()
            natural = img.evaluate('e => [e.naturalWidth, e.naturalHeight]')
            state = json.loads(run_code(page, "import json; print('STATE', json.dumps(dict(i=explorer.i, k=explorer.k, "
                                                "moved=float((explorer.z - explorer.z_mu).abs().max()))))", 'STATE'))
            page.screenshot(path=str(SHOTS/'notebook-end.png'))
            browser.close()
        shown, drawn = box['width'] / box['height'], natural[0] / natural[1]
        print(f"kernel: image {state['i']}, slot {state['k']}, largest |z - z_mu| {state['moved']:.3g}; title {title!r}; "
              f"montage {box['width']:.0f}x{box['height']:.0f} on screen, {natural[0]}x{natural[1]} drawn")
        if (state['i'], state['k']) != (6, 1): failures.append(f"the explorer is on image {state['i']}, slot {state['k']}: expected 6, 1")
        if state['moved'] > 1e-6: failures.append(f"latents moved by {state['moved']:.3g} though no latent slider was touched")
        if 'image 6' not in title: failures.append(f"the slot view's title is {title!r}: it should name image 6")
        if abs(shown / drawn - 1) > 0.02: failures.append(f"the montage is shown at aspect {shown:.3f}, drawn at {drawn:.3f}")
    finally:
        lab.terminate()
        try: lab.wait(10)
        except subprocess.TimeoutExpired: lab.kill()
        shutil.rmtree(folder, ignore_errors=True)
    for f in failures: print(f"explorer_browser: FAILED: {f}", file=sys.stderr)
    print(f"screenshots: {SHOTS}")
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
