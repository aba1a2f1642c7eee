#!/usr/bin/env python3
"""PyTorch CPU reference for proxysweep's training-throughput benchmark.

Trains the benchmark CNN with a ProxyGrad Leaky ReLU (forward slope 0, backward slope 0.3) on random
data and prints one JSON line: images per second and milliseconds per step.

Benchmark CNN (NHWC in TensorFlow.js terms, NCHW here):
  conv3x3(32, same) -> act -> maxpool2 -> conv3x3(64, same) -> act -> maxpool2 -> dense(classes)
Loss: softmax cross-entropy; optimizer: Adam(1e-3).

Usage: torch_reference.py [--input 28x28x1] [--batch 64] [--steps 30] [--threads N] [--barrier]
--barrier: after warm-up print {"ready": true} and wait for a line on stdin before timing, so that several
processes started by bench/train.ts time the same interval (the same protocol as its own children).
PyTorch comes from Debian (`apt-get install python3-torch`, run with /usr/bin/python3) or pip.

Copied from the project's shared reference (shared/bench/torch_reference.py) so a clone reproduces every figure;
the network, data and step are unchanged, only --barrier is added.
"""
import argparse, json, sys, time

import torch


class ProxyLeakyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, forward_slope, backward_slope):
        ctx.save_for_backward(x)
        ctx.backward_slope = backward_slope
        return torch.where(x > 0, x, forward_slope * x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        slope = torch.where(x > 0, torch.ones_like(x), torch.full_like(x, ctx.backward_slope))
        return grad * slope, None, None


class BenchCNN(torch.nn.Module):
    def __init__(self, h, w, c, classes, slopes):
        super().__init__()
        self.slopes = slopes
        self.c1 = torch.nn.Conv2d(c, 32, 3, padding=1)
        self.c2 = torch.nn.Conv2d(32, 64, 3, padding=1)
        self.fc = torch.nn.Linear((h // 4) * (w // 4) * 64, classes)

    def act(self, x):
        return ProxyLeakyReLU.apply(x, *self.slopes)

    def forward(self, x):
        x = torch.nn.functional.max_pool2d(self.act(self.c1(x)), 2)
        x = torch.nn.functional.max_pool2d(self.act(self.c2(x)), 2)
        return self.fc(x.flatten(1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--input", default="28x28x1")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--barrier", action="store_true")
    a = p.parse_args()
    h, w, c = (int(v) for v in a.input.split("x"))
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    net = BenchCNN(h, w, c, a.classes, (0.0, 0.3))
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    x = torch.rand(a.batch, c, h, w) * 2 - 1
    y = torch.randint(0, a.classes, (a.batch,))

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    if a.barrier:
        print(json.dumps({"ready": True}), flush=True)
        sys.stdin.readline()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    dt = (time.perf_counter() - t0) / a.steps
    print(json.dumps({"engine": "pytorch-" + torch.__version__, "threads": a.threads, "input": a.input,
                      "batch": a.batch, "ms_per_step": round(dt * 1000, 2),
                      "images_per_sec": round(a.batch / dt, 1)}))


if __name__ == "__main__":
    main()
