"""Where a trained MONet's segmentation errs, by the number of objects in a scene (12_dynamics): for each run folder, on the
test split of the data it was trained on (or --data, or --split), the mean per object count of

  ari_fg   ARI-FG of the scene
  kept     the share of an object's visible pixels that its largest slot holds (1: never split), averaged over objects
  worst    the same for the scene's most split object
  bg       the share of an object's pixels given to the background slot (slot 0), averaged over objects
  purity   the share of a slot's foreground pixels that its largest object gives (1: never merged), over slots
  slots    slots holding 10 or more foreground pixels (the objects' count when nothing is split or merged)
  soft     the share of an object's pixels where no slot's mask exceeds 0.8 (shared softly between slots), averaged over objects

    OMP_NUM_THREADS=1 python nbs/dynamics/_errors.py checkpoints/md_dsprites/seed0 --out nbs/dynamics/md19/errors-seed0.json

Pixels are given to their most likely slot, as ARI-FG does. Not part of the package: the `_` keeps nbdev from exporting it."""
import argparse, json
from pathlib import Path
import numpy as np, torch
from monet_nb.evaluate import load_model, eval_data
from monet_nb.metrics import labels_from_masks, ari

KEYS = ('ari_fg', 'kept', 'worst', 'bg', 'purity', 'slots', 'soft')

def scene_errors(true:torch.Tensor, pred:torch.Tensor, K:int, top:torch.Tensor) -> dict:
    "Split and merge measures of one scene from its true labels (H, W; 0 background), its predicted slots (H, W) and largest masks (H, W)."
    fg = true >= 1
    objs = [l for l in true.unique().tolist() if l >= 1]
    kept = [torch.bincount(pred[true == l], minlength=K).max().item() / (true == l).sum().item() for l in objs]
    slots = pred[fg].unique().tolist()
    purity = [torch.bincount(true[fg & (pred == s)]).max().item() / (fg & (pred == s)).sum().item() for s in slots]
    bg = [(pred[true == l] == 0).float().mean().item() for l in objs]
    soft = [(top[true == l] < 0.8).float().mean().item() for l in objs]
    return dict(n=len(objs), kept=float(np.mean(kept)), worst=float(min(kept)), bg=float(np.mean(bg)), purity=float(np.mean(purity)), soft=float(np.mean(soft)),
                slots=sum(int((fg & (pred == s)).sum()) >= 10 for s in slots))

def run_errors(run:str, data:str=None, split:str='test', batch_size:int=64) -> dict:
    "Per-scene measures of a run on a split of its data, then their means per object count."
    model, cfg = load_model(run)
    ds, data = eval_data(data, cfg, model.size, split=split)
    x = torch.stack([ds[i]['image'] for i in range(len(ds))]); true = torch.stack([ds[i]['mask'] for i in range(len(ds))])
    with torch.no_grad(): masks = torch.cat([model(x[b:b + batch_size]).masks for b in range(0, len(ds), batch_size)])
    pred, top = labels_from_masks(masks), masks.max(1).values[:, 0]
    scores = ari(true, pred).tolist()
    scenes = [dict(scene_errors(true[i], pred[i], model.K, top[i]), ari_fg=scores[i]) for i in range(len(ds))]
    by_n = {}
    for n in sorted({s['n'] for s in scenes}):
        group = [s for s in scenes if s['n'] == n]
        by_n[str(n)] = dict(scenes=len(group), **{k: float(np.mean([s[k] for s in group])) for k in KEYS})
    return dict(run=str(run), data=data, split=split, by_objects=by_n)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('runs', nargs='+', help='run folders')
    p.add_argument('--data', default=None, help='data spec (default: the one each run was trained on)')
    p.add_argument('--split', default='test', choices=('train', 'val', 'test'), help='split to score (default: test)')
    p.add_argument('--out', required=True, help='JSON file to write (a list, one entry per run); refuses to overwrite')
    a = p.parse_args()
    if Path(a.out).exists(): raise SystemExit(f"_errors.py: {a.out} exists; remove it first")
    torch.manual_seed(0)
    res = [run_errors(r, a.data, a.split) for r in a.runs]
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1))
    for r in res:
        print(r['run'])
        for n, v in r['by_objects'].items(): print(f"  {n} objects ({v['scenes']} scenes): " + ', '.join(f"{k} {v[k]:.3f}" for k in KEYS))
