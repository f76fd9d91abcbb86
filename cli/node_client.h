// A client of a running node's HTTP API: the command line's (clientele import
// and export: uploads a file as it is read and downloads a body as it arrives,
// so neither is held whole in memory) and a store's reads of HQ's events feed,
// over http:// or https://.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace clientele {

struct NodeReply {
  int status = 0;
  std::string body;
};

class NodeClient {
 public:
  // `base_url` is "http://HOST:PORT" or "https://HOST:PORT"; `token` a bearer
  // token. With a `deadline`, each exchange (connect, request, answer) must
  // end within it. Over https the node's certificate must chain to a CA in
  // the PEM file `tls_ca` (empty: the system's trust store) and name HOST;
  // else every call is Unavailable "cannot reach the node at HOST:PORT:
  // certificate verify failed (why)". A `tls_ca` that cannot be loaded is
  // InvalidArgument.
  NodeClient(const std::string& base_url, std::string token,
             std::chrono::seconds deadline = std::chrono::seconds::zero(), std::string tls_ca = "");

  // The answer to GET `target`, whole (up to 1 GiB).
  Result<NodeReply> Get(const std::string& target);

  // POSTs the file at `path` as the body; `sent` is called with each block as
  // it goes out. Unavailable if the node cannot be reached.
  Result<NodeReply> Upload(const std::string& target, const std::string& path,
                           const std::function<void(std::string_view block)>& sent);
  // The answer to POST `target` with the JSON body `json` ("": no body).
  Result<NodeReply> Post(const std::string& target, const std::string& json = "");
  // GETs `target`, giving each piece of a 200 answer's body to `sink` as it
  // arrives; any other answer is returned whole.
  Result<NodeReply> Download(const std::string& target,
                             const std::function<void(std::string_view piece)>& sink);

 private:
  // Connects and runs `exchange` on the stream; failures to reach the node or
  // to read its answer are Unavailable.
  template <typename Exchange>
  Result<NodeReply> Connected(Exchange exchange);

  // Runs `exchange` on `stream`, connected (and for TLS shaken hands).
  template <typename Stream, typename Exchange>
  NodeReply Exchanged(Stream& stream, Exchange& exchange);

  std::string host_, port_, token_;
  std::chrono::seconds deadline_;
  bool tls_ = false;
  std::string tls_ca_;
};

}  // namespace clientele
