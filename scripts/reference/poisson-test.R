# Reference values for harmgrid's exact conditional Poisson test (server/domain/countChange.ts):
# R's poisson.test for two samples. Rerun wherever R is present:
#   Rscript scripts/reference/poisson-test.R > test/out/poisson-test.json
# Cases: the constructed examples of the unit test, and quarterly public-proxy serious violence counts
# of the real Merseyside data (2019/20 Q1 vs 2020/21 Q1, whole force), so the fixture covers large counts.
cases <- list(
  list(before = 40, after = 62, tb = 3, ta = 3),
  list(before = 12, after = 18, tb = 3, ta = 3),
  list(before = 0, after = 4, tb = 3, ta = 3),
  list(before = 7, after = 0, tb = 12, ta = 3),
  list(before = 25, after = 30, tb = 12, ta = 3),
  list(before = 3, after = 9, tb = 6, ta = 6),
  list(before = 13057, after = 12982, tb = 3, ta = 3)  # real: public-proxy incidents, Apr–Jun 2019 vs Apr–Jun 2020
)
out <- lapply(cases, function(k) {
  t <- poisson.test(c(k$after, k$before), c(k$ta, k$tb))
  list(before = k$before, after = k$after, beforeExposure = k$tb, afterExposure = k$ta,
       pValue = unname(t$p.value), ciLow = t$conf.int[1], ciHigh = t$conf.int[2])
})
cat(paste0("[\n", paste(sapply(out, function(o) {
  sprintf('  {"before": %d, "after": %d, "beforeExposure": %g, "afterExposure": %g, "pValue": %.17g, "ciLow": %.17g, "ciHigh": %s}',
          as.integer(o$before), as.integer(o$after), o$beforeExposure, o$afterExposure, o$pValue, o$ciLow,
          ifelse(is.infinite(o$ciHigh), '"Infinity"', sprintf('%.17g', o$ciHigh)))
}), collapse = ",\n"), "\n]\n"))
