#!/usr/bin/python3
"""stat_job.py OUT [--seed S] [--pretrain N] [--donor FILE.pt] [--steps N]
[--make-donor] [--head]: a tiny PyTorch job with PyTorch's own default initialisers
(tests/e2e/e2e_init_statistical.sh).

  default         torch.manual_seed(S), a fresh model, OUT/step0.safetensors,
                  --steps steps of training, OUT/final.safetensors
  --pretrain N    train N steps (Adam, lr 0.02) before writing "step 0":
                  a trained model passed off as a fresh init
  --donor FILE    load a state dict (torch.save) before writing step 0: a job
                  fine-tuned from another model
  --make-donor    write OUT/donor.pt and OUT/donor.safetensors after the
                  --pretrain steps, and stop
  --head          add a parameter "head" (16 x 64) filled by
                  torch.nn.init.normal_(std=0.02): a law no default role implies
"""
import argparse
import os

import torch

from safetensors_out import save_safetensors

VOCAB, DIM = 64, 64


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(VOCAB, DIM)
        self.conv = torch.nn.Conv1d(DIM, DIM, 3, padding=1)
        self.ln = torch.nn.LayerNorm(DIM)
        self.fc1 = torch.nn.Linear(DIM, 2 * DIM)
        self.fc2 = torch.nn.Linear(2 * DIM, VOCAB)

    def forward(self, x):
        h = self.emb(x)
        h = h + self.conv(h.transpose(1, 2)).transpose(1, 2)
        h = self.ln(h)
        return self.fc2(torch.relu(self.fc1(h)))


def train(model, steps, lr, seed):
    """Next-token prediction on a fixed random permutation: learnable fast."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    perm = torch.randperm(VOCAB, generator=gen)
    loss = torch.tensor(0.0)
    for _ in range(steps):
        x = torch.randint(0, VOCAB, (16, 12), generator=gen)
        loss = torch.nn.functional.cross_entropy(model(x).reshape(-1, VOCAB),
                                                 perm[x].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pretrain", type=int, default=0)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--donor")
    ap.add_argument("--make-donor", action="store_true")
    ap.add_argument("--head", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(a.seed)
    model = Model()
    if a.head:
        model.head = torch.nn.Parameter(torch.nn.init.normal_(torch.empty(16, DIM), std=0.02))
    if a.pretrain:
        print("pretrain loss %.3f" % train(model, a.pretrain, 0.02, a.seed + 100))
    if a.make_donor:
        torch.save(model.state_dict(), os.path.join(a.out, "donor.pt"))
        save_safetensors(model.state_dict(), os.path.join(a.out, "donor.safetensors"))
        return
    if a.donor:
        model.load_state_dict(torch.load(a.donor))
    save_safetensors(model.state_dict(), os.path.join(a.out, "step0.safetensors"))
    print("loss %.3f" % train(model, a.steps, 0.003, a.seed + 200))
    save_safetensors(model.state_dict(), os.path.join(a.out, "final.safetensors"))


if __name__ == "__main__":
    main()
