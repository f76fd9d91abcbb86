// A client of a running node's HTTP API for the command line (clientele import
// and export): uploads a file as it is read and downloads a body as it arrives,
// so neither is held whole in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace clientele::api {

struct NodeReply {
  int status = 0;
  std::string body;
};

class NodeClient {
 public:
  // `base_url` is "http://HOST:PORT"; `token` a bearer token.
  NodeClient(std::string base_url, std::string token);

  // POSTs the file at `path` as the body; `sent` is called with each block as
  // it goes out. Unavailable if the node cannot be reached.
  Result<NodeReply> Upload(const std::string& target, const std::string& path,
                           const std::function<void(std::string_view block)>& sent);
  Result<NodeReply> Post(const std::string& target);
  // GETs `target`, giving each piece of a 200 answer's body to `sink` as it
  // arrives; any other answer is returned whole.
  Result<NodeReply> Download(const std::string& target,
                             const std::function<void(std::string_view piece)>& sink);

 private:
  std::string host_, port_, token_;
};

}  // namespace clientele::api
