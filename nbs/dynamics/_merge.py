"""What a trained MONet would pay to keep a lone object in one slot (12_dynamics): on the validation scenes with one object,
the loss terms as the model is, and with the two slots that hold most of the object merged into one (the second's mask
added to the first's, then both through the component VAE again, latents at their posterior means). Prints the median change
of each term over the scenes whose object is split (under 95% of its mask in one slot), and, for each slot cost, how many of
them the merge would make cheaper.

    OMP_NUM_THREADS=1 python nbs/dynamics/_merge.py runs/p22/base/seed0

The merged masks are not ones the decoder has learned to draw, so the mask KL's rise overstates what a trained merge would cost:
read it as the pull that keeps a split once it is learnt. Not part of the package: the `_` keeps nbdev from exporting it."""
import argparse
import torch
from monet_nb.evaluate import load_model, eval_data
from monet_nb.losses import decoder_nll, kl_gaussian, mask_kl
from monet_nb.model import slot_area

def loss_terms(model, x:torch.Tensor, log_masks:torch.Tensor) -> dict:
    "Per-image nll, kl, mask_kl and slot_area of `x` with the given log masks."
    z_mu, z_logvar, _, x_mu, mask_logits = model.components(x, log_masks)
    return dict(nll=decoder_nll(x, x_mu, log_masks, model.sigmas(log_masks.shape[1]), check=False),
                kl=kl_gaussian(z_mu, z_logvar).sum(1), mask_kl=mask_kl(log_masks, mask_logits), slot_area=slot_area(log_masks.exp()))

def merged(masks:torch.Tensor, on_object:torch.Tensor) -> torch.Tensor:
    "Log masks with the two non-background slots holding most of the object (`on_object`, (B, 1, 1, H, W)) made one."
    held = (masks * on_object).sum((2, 3, 4)); held[:, 0] = -1
    a, b = held.topk(2, 1).indices.T
    out, rows = masks.clone(), torch.arange(len(masks))
    out[rows, a] += out[rows, b]; out[rows, b] = 0
    return out.clamp_min(1e-30).log()

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('run', help='a run folder'); p.add_argument('--costs', default='0,5,10,20', help='slot costs to weigh in')
    a = p.parse_args()
    model, cfg = load_model(a.run)
    ds, _ = eval_data(None, cfg, model.size, split='val')
    lone = [i for i in range(len(ds)) if (ds[i]['mask'].unique() >= 1).sum() == 1]
    x = torch.stack([ds[i]['image'] for i in lone]); on = (torch.stack([ds[i]['mask'] for i in lone]) >= 1)[:, None, None].float()
    with torch.no_grad():
        masks = model(x).masks
        split = (masks * on).sum((2, 3, 4))[:, 1:].max(1).values < 0.95 * on.sum((1, 2, 3, 4))
        before, after = loss_terms(model, x, masks.log()), loss_terms(model, x, merged(masks, on))
    print(f"{a.run}: {len(lone)} one-object validation scenes, {int(split.sum())} with the object split")
    for k in before: print(f"  {k}: merged minus as is, median {(after[k] - before[k])[split].median():.1f}")
    for c in map(float, a.costs.split(',')):
        total = lambda t: t['nll'] + model.beta * t['kl'] + model.gamma * t['mask_kl'] + c * t['slot_area']
        d = (total(after) - total(before))[split]
        print(f"  slot cost {c:g}: loss change if merged, median {d.median():.1f}; cheaper merged in {(d < 0).float().mean():.0%} of them")
