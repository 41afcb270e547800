# Reference Gi* z-scores from R's spdep::localG for harmgrid's Gi* (server/domain/hotspots/gistar.ts).
# Input: test/in/gistar-merseyside-r8.json (made by scripts/reference/make-gistar-input.ts from the real
# data); output: test/out/gistar-merseyside-r8.json. Rerun wherever R, spdep and jsonlite are present
# (Debian: r-base-core r-cran-spdep r-cran-jsonlite):
#   Rscript scripts/reference/spdep-localg.R
suppressPackageStartupMessages({ library(spdep); library(jsonlite) })
input <- fromJSON("test/in/gistar-merseyside-r8.json", simplifyVector = FALSE)
n <- length(input$cells)
listw_of <- function(rows) {
  # rows[[i]] is a list of [j, w] pairs (0-based j), the cell itself included: a Gi* neighbourhood.
  nb <- lapply(rows, function(r) as.integer(sapply(r, function(p) p[[1]])) + 1L)
  glist <- lapply(rows, function(r) as.numeric(sapply(r, function(p) p[[2]])))
  attr(nb, "region.id") <- as.character(seq_len(n))
  attr(nb, "self.included") <- TRUE
  class(nb) <- "nb"
  nb2listw(nb, glist = glist, style = "B")
}
z <- function(values, rows) as.numeric(localG(as.numeric(unlist(values)), listw_of(rows)))
out <- list(
  spdep = as.character(packageVersion("spdep")),
  countsBinary = z(input$counts, input$binary),
  harmBinary = z(input$harm, input$binary),
  countsInverseDistance = z(input$counts, input$inverseDistance),
  harmInverseDistance = z(input$harm, input$inverseDistance)
)
write(toJSON(out, digits = NA, auto_unbox = TRUE), "test/out/gistar-merseyside-r8.json")
cat("wrote test/out/gistar-merseyside-r8.json for", n, "cells\n")
