// clientele import / export: the customer file to and from a running node,
// over its HTTP API (the node holds the data folder).
#pragma once

#include <string>

#include "domain/status.h"

namespace clientele {

struct NodeAddress {
  std::string url = "http://127.0.0.1:8080";  // or CLIENTELE_URL; https:// for TLS
  std::string token;                          // or CLIENTELE_TOKEN, or read from token_file
  std::string token_file = "./data/first-token";
  std::string tls_ca;  // https: the CA file to verify the node with ("": the system's)
};

// The bearer token: node.token, else the first line of node.token_file.
std::string Token(const NodeAddress& node);
// OK if there is a token to send; else what is wrong, naming the file.
Status CheckToken(const NodeAddress& node);

struct ImportFlags {
  bool dry_run = false;  // analyse only
  bool yes = false;      // apply a mass removal without asking
};

// Uploads FILE for analysis with a progress bar (rows, rows/s, ETA) on stderr,
// prints the analysis as a table and, unless `dry_run` or the file has
// errors, confirms it. An analysis that is a mass removal (more customers
// removed than the node's imports.max_removal_percent) is confirmed only with
// `yes`, or when a person answers yes on the terminal (standard input); with
// neither, nothing is applied. Exit status: 0 applied (or a clean dry run), 1
// errors in the file, refused, or not confirmed; 2 the node could not be
// reached.
int RunImport(const NodeAddress& node, const std::string& file, const std::string& mode,
              ImportFlags flags);
// Writes the customer table (as GET /v1/customers/export.csv with `query`) to
// `out` ("-": standard output).
int RunExport(const NodeAddress& node, const std::string& query, const std::string& out);

}  // namespace clientele
