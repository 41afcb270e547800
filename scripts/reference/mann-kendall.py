"""Reference values for harmgrid's Mann-Kendall test (server/domain/hotspots/mannKendall.ts), from an
independent implementation: scipy.stats.kendalltau of the series against its time index (tau-b, and
the asymptotic p-value without continuity correction). Rerun with Debian's python3-scipy:
    /usr/bin/python3 scripts/reference/mann-kendall.py > test/out/mann-kendall.json
Series: constructed cases with and without ties, and real monthly public-proxy serious-violence
counts of two Merseyside cells (read from test/in/mann-kendall-series.json, made from the real data)."""
import json
from scipy.stats import kendalltau

constructed = [
    [1, 3, 2, 5, 4, 6, 8, 7],
    [1, 3, 2, 5, 4, 6, 8, 7, 10, 9, 12, 11],
    [1, 2, 2, 3, 5, 5, 5, 4, 6, 7],
    [9, 7, 8, 6, 6, 5, 7, 3, 2, 2, 1],
    [4, 4, 5, 4, 4, 5, 4, 4],
]
with open("test/in/mann-kendall-series.json") as f:
    real = json.load(f)["series"]
out = []
for series in constructed + [r["incidents"] for r in real]:
    t = kendalltau(list(range(len(series))), series, method="asymptotic")
    out.append({"series": series, "tauB": t.statistic, "pUncorrected": t.pvalue})
print(json.dumps(out, indent=1))
