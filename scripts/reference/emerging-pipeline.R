# The R reference pipeline for harmgrid's emerging hot spots (server/domain/hotspots/spaceTimeGistar.ts and
# the per-step FDR of server/services/hotspotStatistics.ts), first half: spdep::localG over the space-time
# cube, each bin's neighbourhood being its spatial neighbours (itself included) at its own step and the
# timeStep steps before it (ArcGIS's space-time neighbourhood; mean and variance over the whole cube), then
# the two-sided p of each z and Benjamini–Hochberg per step (p.adjust "BH"; a bin is significant when its
# adjusted p ≤ alpha, which is the step-up cut-off harmgrid applies per confidence level).
# Input (written by scripts/bench-emerging.ts) in DIR: meta.json {cells, steps, timeStep, alpha},
# values.bin (float64, step t of cell i at t·cells + i), offsets.bin and indices.bin (int32, the spatial
# neighbours in compressed rows, 0-based). Output in DIR: z.bin (float64) and sig.bin (int8: +1, −1, 0),
# for scripts/reference/emerging-trend.py. Debian: r-base-core r-cran-spdep r-cran-jsonlite.
#   Rscript scripts/reference/emerging-pipeline.R DIR
# Prints "seconds S": nb2listw, localG and the significance; building the space-time nb list (R loops,
# printed apart) and reading and writing are left out, so the ratio against harmgrid is a lower bound.
suppressPackageStartupMessages({ library(spdep); library(jsonlite) })
dir <- commandArgs(trailingOnly = TRUE)[1]
meta <- fromJSON(file.path(dir, "meta.json"))
n <- meta$cells
steps <- meta$steps
N <- meta$timeStep
read_bin <- function(name, what, count, size) {
  con <- file(file.path(dir, name), "rb")
  on.exit(close(con))
  readBin(con, what, n = count, size = size, endian = "little")
}
x <- read_bin("values.bin", "double", n * steps, 8)
offsets <- read_bin("offsets.bin", "integer", n + 1, 4)
indices <- read_bin("indices.bin", "integer", offsets[n + 1], 4)
built <- proc.time()[["elapsed"]]
spatial <- lapply(seq_len(n), function(i) indices[(offsets[i] + 1):offsets[i + 1]] + 1L)
bins <- n * steps
nb <- vector("list", bins)
for (t in 0:(steps - 1)) {
  back <- (max(0, t - N):t) * n
  for (i in seq_len(n)) nb[[t * n + i]] <- as.integer(unlist(lapply(back, function(b) spatial[[i]] + b)))
}
attr(nb, "region.id") <- as.character(seq_len(bins))
attr(nb, "self.included") <- TRUE
class(nb) <- "nb"
started <- proc.time()[["elapsed"]]
built <- started - built
z <- as.numeric(localG(x, nb2listw(nb, style = "B")))
p <- 2 * pnorm(-abs(z))
sig <- integer(bins)
for (t in 0:(steps - 1)) {
  k <- t * n + seq_len(n)
  sig[k] <- ifelse(p.adjust(p[k], "BH") <= meta$alpha, as.integer(sign(z[k])), 0L)
}
elapsed <- proc.time()[["elapsed"]] - started
writeBin(z, file.path(dir, "z.bin"), size = 8, endian = "little")
writeBin(sig, file.path(dir, "sig.bin"), size = 1, endian = "little")
cat("spdep", as.character(packageVersion("spdep")), "localG over", bins, "bins (space-time nb list built in", built, "s): seconds", elapsed, "\n")
