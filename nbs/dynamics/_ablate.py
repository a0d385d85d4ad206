"""Ablations of the training-dynamics chapter (12_dynamics), run through the package: the cpu_demo setting with one change,
trained by `monet_nb.train.train` and validated by its `validate` on the 256 validation scenes every --every steps; one line
of results is appended to --out.

    OMP_NUM_THREADS=1 python nbs/dynamics/_ablate.py --variant paper+cent --seed 0 --steps 1200 --out nbs/dynamics/ablations.jsonl

A variant is '+'-joined settings over `paper`, the model as it was before that chapter (the encoder sees x and log m, and
its MLP has 32 units, as earlier versions built it by mistake):
  cent   --enc-input centred (2x - 1, 2m - 1)   centx  --enc-input centred_image   probm  --enc-input centred_mask
  h256   --enc-hidden 256 (the paper's)        repl   --padding replicate
  cscope --scope-input centred: the attention network sees (2x - 1, 2s - 1) instead of (x, log s)
Each run is an ordinary run folder, RUNS/<variant>-seed<N> (an older one there is moved aside, not deleted).
Not part of the package: the `_` keeps nbdev from exporting or testing it."""
import argparse, json
from dataclasses import replace
from pathlib import Path
from monet_nb.train import cpu_demo, train
from monet_nb.run import read_metrics

VARIANTS = dict(paper=dict(enc_input='log', enc_hidden=32), cent=dict(enc_input='centred'),
                centx=dict(enc_input='centred_image'), probm=dict(enc_input='centred_mask'), h256=dict(enc_hidden=256),
                repl=dict(padding='replicate'), cscope=dict(scope_input='centred'))

def settings(variant:str) -> dict:
    "The `Config` settings of a '+'-joined variant, applied left to right."
    out = {}
    for name in variant.split('+'):
        if name not in VARIANTS: raise SystemExit(f"_ablate.py: unknown variant {name!r}; known: {', '.join(VARIANTS)}")
        out.update(VARIANTS[name])
    return out

def history(run:Path) -> list:
    "One entry per validation: the step, seconds of training, the mean training loss since the last log, and the scores."
    recs = read_metrics(run)
    loss = {r['step']: r['loss'] for r in recs if r.get('split') == 'train'}
    return [dict(step=r['step'], t=round(r['train_s'], 1), loss=round(loss.get(r['step'], float('nan')), 1),
                 ari_fg=round(r['ari_fg'], 4), ari_fg2=round(r['ari_fg_2plus'], 4), mse=round(r['mse'], 4))
            for r in recs if r.get('split') == 'val']

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--variant', default='paper'); p.add_argument('--seed', type=int, default=0)
    p.add_argument('--steps', type=int, default=900); p.add_argument('--every', type=int, default=300)
    p.add_argument('--amp', default='bf16'); p.add_argument('--bs', type=int, default=16); p.add_argument('--lr', type=float, default=4e-4)
    p.add_argument('--sigma', default=None, help='sigma_bg/sigma_fg, e.g. 0.12/0.20 (default: 0.09/0.11, the paper\'s, as the demo had then)')
    p.add_argument('--K', type=int, default=4); p.add_argument('--out', default=None, help='a .jsonl file to append the result to')
    p.add_argument('--runs', default='runs/ablate', help='where the run folders go')
    a = p.parse_args()
    cfg = replace(cpu_demo(), sigma_bg=0.09, sigma_fg=0.11, seed=a.seed, K=a.K, batch_size=a.bs, lr=a.lr, amp=a.amp, steps=a.steps,
                  max_time=0.0, n_val=256,
                  log_every=a.every, val_every=a.every, ckpt_every=a.steps, **settings(a.variant))
    if a.sigma: cfg = replace(cfg, **dict(zip(('sigma_bg', 'sigma_fg'), map(float, a.sigma.split('/')))))
    run = Path(a.runs)/f'{a.variant}-seed{a.seed}'
    train(cfg, run, force=True, progress=False)
    hist = history(run)
    for h in hist: print(json.dumps(h), flush=True)
    res = dict(variant=a.variant, seed=a.seed, sigma=a.sigma, beta=cfg.beta, gamma=cfg.gamma, bs=a.bs, lr=a.lr, K=a.K, amp=a.amp,
               hist=hist)
    if a.out:
        with open(a.out, 'a') as f: f.write(json.dumps(res) + '\n')

if __name__ == '__main__': main()
