// An API answer as the tests read it, over loopback (http_client.h) or from
// Service::Handle directly (service_fixture.h): header names in lower case,
// the body whole.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <string>

namespace clientele::testing {

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  boost::json::value json() const {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    return ec ? boost::json::value() : v;
  }
  std::string reason() const {
    auto v = json();
    if (!v.is_object() || !v.as_object().contains("reason")) return "";
    return std::string(v.at("reason").as_string());
  }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

}  // namespace clientele::testing
