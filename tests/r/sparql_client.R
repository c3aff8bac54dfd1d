# Ask a trilat-kg endpoint for the seven states the ways R users do; fail otherwise.
#
#   Rscript sparql_client.R ENDPOINT EXPECTED_ROWS MODE...
#
# MODE is one of
#   xml       SPARQL(endpoint, query): the SPARQL package's default, which sends
#             Accept: application/sparql-results+xml and reads the XML;
#   csv, tsv  SPARQL(..., format = "csv" | "tsv"): the package then sends Accept: */* and
#             reads the body as CSV / TSV, so the format goes in extra = list(format = ...),
#             the parameter the package's documentation suggests for telling endpoints;
#   read.csv  base R: read.csv(url(..., headers = c(Accept = "text/csv"))).
# Prints "ok MODE ROWS" or "FAIL MODE: REASON" for each mode; exits 1 if any failed.
#
# The query has two variables: with one, the package's XML reader returns a single row
# with one column per solution.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 3) stop("usage: Rscript sparql_client.R ENDPOINT EXPECTED_ROWS MODE...")
endpoint <- args[1]
expected <- as.integer(args[2])
modes <- args[-(1:2)]

query <- "SELECT ?state ?name WHERE {
  ?state a <https://w3id.org/trilat-kg/ontology#State> ;
         <http://www.w3.org/2000/01/rdf-schema#label> ?name FILTER(lang(?name) = 'en') }"
japan <- "https://w3id.org/trilat-kg/id/states/japan"

fetch <- function(mode) {
  if (mode == "read.csv") {
    target <- paste0(endpoint, "?query=", URLencode(query, reserved = TRUE))
    return(read.csv(url(target, headers = c(Accept = "text/csv"))))
  }
  suppressPackageStartupMessages(library(SPARQL))
  if (mode == "xml") {
    return(SPARQL(endpoint, query)$results)
  }
  if (mode %in% c("csv", "tsv")) {
    return(SPARQL(endpoint, query, format = mode, extra = list(format = mode))$results)
  }
  stop("unknown mode ", mode)
}

check <- function(mode) {
  states <- fetch(mode)
  if (!is.data.frame(states)) return(list(ok = FALSE, why = "no data frame"))
  iris <- gsub("^<|>$", "", as.character(states[[1]]))
  if (nrow(states) != expected) {
    return(list(ok = FALSE, why = sprintf("%d rows, not %d", nrow(states), expected)))
  }
  if (!(japan %in% iris)) return(list(ok = FALSE, why = "Japan is not in the first column"))
  list(ok = TRUE, rows = nrow(states))
}

failed <- FALSE
for (mode in modes) {
  outcome <- tryCatch(check(mode),
                      error = function(e) list(ok = FALSE, why = conditionMessage(e)))
  if (outcome$ok) {
    cat("ok", mode, outcome$rows, "\n")
  } else {
    failed <- TRUE
    cat("FAIL ", mode, ": ", gsub("\n", " ", outcome$why), "\n", sep = "")
  }
}
quit(status = if (failed) 1 else 0)
