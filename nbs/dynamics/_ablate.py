"""Exploratory ablations of the training-dynamics chapter (08_dynamics): train the cpu_demo setting with one change,
score ARI-FG on the validation split (all 256 scenes, and the scenes with 2+ objects) every --every steps.

    OMP_NUM_THREADS=1 python nbs/dynamics/_ablate.py --variant paper+cent --seed 0 --steps 1200 --out results.jsonl

Variants are '+'-joined changes to the model as it was before this chapter (`paper`: the encoder sees x and log m, and
its MLP has 32 units, as earlier versions built it by mistake):
  cent   encoder input (2x - 1, 2m - 1)        centx  only the image centred     probm  only the mask as 2m - 1
  h256   the paper's 256-unit encoder MLP       repl   replicate padding in the U-Net
  cscope the attention network sees (2x - 1, 2s - 1) instead of (x, log s)
Not part of the package: the `_` keeps nbdev from exporting or testing it."""
import argparse, json, time
import torch, torch.nn.functional as F
from torch.utils.data import DataLoader
from monet_nb import model as M
from monet_nb.train import cpu_demo, build_model, build_optimizer, StepBatches, autocast
from monet_nb.data import get_dataset
from monet_nb.metrics import ari

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument('--variant', default='paper'); p.add_argument('--seed', type=int, default=0)
p.add_argument('--steps', type=int, default=900); p.add_argument('--every', type=int, default=300)
p.add_argument('--amp', default='bf16'); p.add_argument('--bs', type=int, default=16); p.add_argument('--lr', type=float, default=4e-4)
p.add_argument('--sigma', default=None, help='sigma_bg/sigma_fg, e.g. 0.12/0.20')
p.add_argument('--K', type=int, default=4); p.add_argument('--out', default=None)
a = p.parse_args()
V = set(a.variant.split('+'))

def encode(self, x, log_mask):                                          # the encoder input variants
    xx = 2 * x - 1 if V & {'cent', 'centx'} else x
    mm = 2 * log_mask.exp() - 1 if V & {'cent', 'probm'} else log_mask
    return self.mlp(self.encoder(torch.cat([xx, mm], 1))).chunk(2, dim=1)
M.ComponentVAE.encode = encode

if 'cscope' in V:
    def attention_forward(self, x, log_scope):
        h, skips = torch.cat([2 * x - 1, 2 * log_scope.exp() - 1], 1), []
        for i, block in enumerate(self.down):
            if i > 0: h = F.interpolate(h, scale_factor=0.5, mode='nearest')
            h = block(h); skips.append(h)
        h = self.mlp(h.flatten(1)).view_as(h)
        for i in reversed(range(len(self.up))):
            h = self.up[i](torch.cat([h, skips[i]], 1))
            if i > 0: h = F.interpolate(h, scale_factor=2.0, mode='nearest')
        return self.out(h)
    M.AttentionNet.forward = attention_forward
if 'repl' in V:
    _block = M.conv_block
    def conv_block(ni, nf):
        s = _block(ni, nf); s[0].padding_mode = 'replicate'; return s
    M.conv_block = conv_block

cfg = cpu_demo()
cfg.seed, cfg.K, cfg.batch_size, cfg.lr = a.seed, a.K, a.bs, a.lr
cfg.enc_input, cfg.enc_hidden = 'log', 256 if 'h256' in V else 32     # 'log' here: encode() above decides what the encoder sees
if a.sigma: cfg.sigma_bg, cfg.sigma_fg = map(float, a.sigma.split('/'))
torch.manual_seed(cfg.seed)
model = build_model(cfg)
opt, sched = build_optimizer(cfg, model)
torch.manual_seed(cfg.seed + 1)
train_ds = get_dataset(cfg.data, split='train', size=cfg.size, seed=0)
val_ds = get_dataset(cfg.data, split='val', size=cfg.size, n=256, seed=0)
vx = torch.stack([val_ds[i]['image'] for i in range(256)]); vm = torch.stack([val_ds[i]['mask'] for i in range(256)])
multi = torch.tensor([len(set(m.unique().tolist()) - {0}) for m in vm]) >= 2

def evaluate():
    model.eval()
    with torch.no_grad(), autocast('cpu', a.amp): outs = [model(vx[i:i + 64]) for i in range(0, 256, 64)]
    pred = torch.cat([o.masks.argmax(1)[:, 0] for o in outs]); recon = torch.cat([o.recon.float() for o in outs])
    s = ari(vm, pred, fg_only=True)
    model.train()
    return dict(ari_fg=s.nanmean().item(), ari_fg2=s[multi].nanmean().item(), mse=((recon - vx)**2).mean().item())

loader = DataLoader(train_ds, batch_sampler=StepBatches(len(train_ds), cfg.batch_size, cfg.seed, 0, a.steps), num_workers=0)
model.train(); t0 = time.time(); hist = []
for step, batch in enumerate(loader):
    with autocast('cpu', a.amp): out = model(batch['image'])
    opt.zero_grad(set_to_none=True); out.loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip); opt.step(); sched.step()
    done = step + 1
    if done % a.every == 0 or done == a.steps:
        r = dict(step=done, t=round(time.time() - t0, 1), loss=round(out.loss.item(), 1), **{k: round(v, 4) for k, v in evaluate().items()})
        hist.append(r); print(json.dumps(r), flush=True)
res = dict(variant=a.variant, seed=a.seed, sigma=a.sigma, beta=cfg.beta, gamma=cfg.gamma, bs=a.bs, lr=a.lr, K=a.K, amp=a.amp, hist=hist)
if a.out:
    with open(a.out, 'a') as f: f.write(json.dumps(res) + '\n')
