"""The R reference pipeline for harmgrid's emerging hot spots, second half (after
scripts/reference/emerging-pipeline.R): per cell, scipy.stats.kendalltau of its Gi* z series against the
time index (as scripts/reference/mann-kendall.py), Mann-Kendall's S recovered from tau-b, the
continuity-corrected two-sided p with the tie-corrected Var(S) (Mann 1945; Kendall 1975), and the
ArcGIS Emerging Hot Spot Analysis categories (pro.arcgis.com, "How Emerging Hot Spot Analysis works",
read as harmgrid's server/domain/hotspots/emerging.ts documents), written here independently.
    python3 scripts/reference/emerging-trend.py DIR
Reads DIR/meta.json, z.bin and sig.bin; writes DIR/categories.json; prints "seconds S" (the computation,
reading and writing left out)."""
import json
import math
import sys
import time

import numpy as np
from scipy.stats import kendalltau, norm

folder = sys.argv[1]
with open(f"{folder}/meta.json") as f:
    meta = json.load(f)
cells, steps, trend_alpha = meta["cells"], meta["steps"], meta.get("trendAlpha", 0.05)
z = np.fromfile(f"{folder}/z.bin", dtype="<f8").reshape(steps, cells)
sig = np.fromfile(f"{folder}/sig.bin", dtype="i1").reshape(steps, cells)
started = time.perf_counter()
index = np.arange(steps)
pairs = steps * (steps - 1) / 2


def trend(series):
    tau = kendalltau(index, series, method="asymptotic").statistic
    _, ties = np.unique(series, return_counts=True)
    tie_pairs = float((ties * (ties - 1) / 2).sum())
    var_s = (steps * (steps - 1) * (2 * steps + 5) - float((ties * (ties - 1) * (2 * ties + 5)).sum())) / 18
    if var_s <= 0 or not math.isfinite(tau):
        return "none"
    s = round(tau * math.sqrt(pairs * (pairs - tie_pairs)))
    zc = (s - 1) / math.sqrt(var_s) if s > 0 else (s + 1) / math.sqrt(var_s) if s < 0 else 0.0
    p = 2 * norm.sf(abs(zc))
    return ("up" if s > 0 else "down") if p < trend_alpha else "none"


def side(flags, other, name, up, direction):
    if not flags[-1]:
        return None
    count = int(flags.sum())
    run = 0
    while run < steps and flags[steps - 1 - run]:
        run += 1
    if count == 1:
        return f"new {name} spot"
    if run >= 2 and run == count and count / steps < 0.9:
        return f"consecutive {name} spot"
    if count / steps >= 0.9:
        if direction == up:
            return f"intensifying {name} spot"
        return f"persistent {name} spot" if direction == "none" else f"diminishing {name} spot"
    return f"oscillating {name} spot" if other.any() else f"sporadic {name} spot"


out = []
for i in range(cells):
    hot, cold = sig[:, i] > 0, sig[:, i] < 0
    direction = trend(z[:, i])
    category = side(hot, cold, "hot", "up", direction) or side(cold, hot, "cold", "down", direction)
    if category is None:
        category = "historical hot spot" if hot.mean() >= 0.9 else "historical cold spot" if cold.mean() >= 0.9 else "no pattern detected"
    out.append(category)
elapsed = time.perf_counter() - started
with open(f"{folder}/categories.json", "w") as f:
    json.dump(out, f)
print(f"scipy {__import__('scipy').__version__} Kendall tau over {cells} cells × {steps} steps: seconds {elapsed}")
