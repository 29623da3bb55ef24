#!/usr/bin/env python3
"""Reference speeds for `w2s bench`: the trial protocol as a researcher would
write it in numpy, vectorised over trials (batched matrix products, OpenBLAS
underneath), and OpenBLAS's dgemv throughput on the same shapes.

Needs numpy (Debian: apt-get install python3-numpy; run with /usr/bin/python3).
Benchmark-only: nothing in w2s depends on it.

    bench_numpy.py trial N D GAMMA MODE SECONDS   -> {"trials_per_s": ...}
    bench_numpy.py dgemv N D SECONDS              -> {"gflops": ...}

Each prints one JSON object on stdout.
"""
import json
import math
import sys
import time

import numpy as np

TIMES = [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64]
LAMBDAS = [10, 3, 1, 0.3, 0.1, 0.03, 0.01]
RHO_S, RHO_T = 0.8, 0.6


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def directions(rng, b, d, rho):
    xi = rng.standard_normal((b, d - 1))
    xi /= np.linalg.norm(xi, axis=1, keepdims=True)
    u = np.empty((b, d))
    u[:, 0] = rho
    u[:, 1:] = math.sqrt(1 - rho * rho) * xi
    return u


def setup(rng, b, n, d, gamma):
    ut = directions(rng, b, d, RHO_T)
    us = directions(rng, b, d, RHO_S)
    X = rng.standard_normal((b, n, d))
    y = sigmoid(gamma * np.matmul(X, ut[:, :, None])[:, :, 0])
    return X, y, gamma * us


def flow(rng, b, n, d, gamma):
    X, y, w = setup(rng, b, n, d, gamma)
    L = (1 + math.sqrt(d / n)) ** 2 / 4
    h = min(1.0, 1 / L)
    prev, cos = 0.0, []
    Xt = X.transpose(0, 2, 1)
    for t in TIMES:
        m = max(1, math.ceil((t - prev) / h * (1 - 1e-12)))
        hk = (t - prev) / m
        for _ in range(m):
            r = sigmoid(np.matmul(X, w[:, :, None])) - y[:, :, None]
            w -= (hk / n) * np.matmul(Xt, r)[:, :, 0]
        prev = t
        cos.append(w[:, 0] / np.linalg.norm(w, axis=1))
    return cos


def ridge(rng, b, n, d, gamma):
    X, y, w0 = setup(rng, b, n, d, gamma)
    w = w0.copy()
    Xt = X.transpose(0, 2, 1)
    eye = np.eye(d)
    cos = []
    for lam in LAMBDAS:
        for _ in range(50):
            p = sigmoid(np.matmul(X, w[:, :, None])[:, :, 0])
            g = np.matmul(Xt, (p - y)[:, :, None])[:, :, 0] / n + lam * (w - w0)
            if np.max(np.linalg.norm(g, axis=1)) <= 1e-10:
                break
            H = np.matmul(Xt * (p * (1 - p))[:, None, :], X) / n + lam * eye
            w -= np.linalg.solve(H, g[:, :, None])[:, :, 0]
        cos.append(w[:, 0] / np.linalg.norm(w, axis=1))
    return cos


def trial_bench(n, d, gamma, mode, seconds):
    rng = np.random.default_rng(1)
    # Batch as many trials as keep X under about 64 MB.
    b = max(1, min(64, int(64e6 // (8 * n * d))))
    run = flow if mode == "flow" else ridge
    run(rng, b, n, d, gamma)  # warm up
    trials, start = 0, time.perf_counter()
    while True:
        run(rng, b, n, d, gamma)
        trials += b
        el = time.perf_counter() - start
        if el >= seconds:
            break
    return {"trials_per_s": trials / el, "batch": b, "trials": trials}


def dgemv_bench(n, d, seconds):
    rng = np.random.default_rng(2)
    A = rng.standard_normal((n, d))
    x = rng.standard_normal(d)
    for _ in range(10):
        A @ x
    calls, start = 0, time.perf_counter()
    while True:
        for _ in range(100):
            A @ x
        calls += 100
        el = time.perf_counter() - start
        if el >= seconds:
            break
    return {"gflops": 2.0 * n * d * calls / el / 1e9}


def main(argv):
    if len(argv) >= 7 and argv[1] == "trial":
        out = trial_bench(int(argv[2]), int(argv[3]), float(argv[4]), argv[5], float(argv[6]))
    elif len(argv) >= 5 and argv[1] == "dgemv":
        out = dgemv_bench(int(argv[2]), int(argv[3]), float(argv[4]))
    else:
        sys.stderr.write(__doc__)
        return 2
    out["numpy"] = np.__version__
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
