#include "api/feed_client.h"

#include <simdjson.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "projections/audit.h"

namespace clientele::api {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

Result<std::string> Get(const std::string& host, const std::string& port, const std::string& target,
                        const std::string& token) {
  try {
    boost::asio::io_context io;
    tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(60));
    stream.connect(resolver.resolve(host, port));
    http::request<http::empty_body> req(http::verb::get, target, 11);
    req.set(http::field::host, host);
    req.set(http::field::authorization, "Bearer " + token);
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ULL << 30);
    http::read(stream, buffer, parser);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    auto res = parser.release();
    if (res.result_int() != 200) {
      return Error(Status::Unavailable("HQ's events feed answered " +
                                       std::to_string(res.result_int()) + ": " + res.body()));
    }
    return std::move(res.body());
  } catch (const std::exception& e) {
    return Error(Status::Unavailable("cannot read HQ's events feed at " + host + ":" + port + ": " +
                                     e.what()));
  }
}

Result<FeedPage> Parse(const std::string& body) {
  auto bad = [](std::string what) {
    return Error(Status::Corruption("HQ's events feed: " + std::move(what)));
  };
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  if (parser.parse(body).get_object().get(root) != simdjson::SUCCESS) return bad("not an object");
  FeedPage page;
  simdjson::dom::array events;
  if (root["events"].get_array().get(events) != simdjson::SUCCESS ||
      root["next_after"].get_uint64().get(page.next_after) != simdjson::SUCCESS ||
      root["head"].get_uint64().get(page.head) != simdjson::SUCCESS) {
    return bad("missing events, next_after or head");
  }
  for (simdjson::dom::element item : events) {
    RecordedEvent e;
    std::string_view id, stream, type, time, origin, actor;
    std::uint64_t schema = 0;
    if (item["id"].get_string().get(id) || item["stream"].get_string().get(stream) ||
        item["type"].get_string().get(type) || item["time"].get_string().get(time) ||
        item["origin"].get_string().get(origin) || item["actor"].get_string().get(actor) ||
        item["schema"].get_uint64().get(schema)) {
      return bad("an event lacks id, stream, type, schema, time, origin or actor");
    }
    auto ms = ParseTime(time, 0);
    if (!ms) return bad("an event's time does not parse");
    e.id = id, e.stream = stream, e.type = type, e.origin = origin, e.actor = actor;
    e.time_ms = *ms;
    e.schema = static_cast<std::uint32_t>(schema);
    std::string_view v;
    if (item["correlation_id"].get_string().get(v) == simdjson::SUCCESS) e.correlation_id = v;
    if (item["causation_id"].get_string().get(v) == simdjson::SUCCESS) e.causation_id = v;
    simdjson::dom::element data;
    if (item["data"].get(data) == simdjson::SUCCESS) {
      e.data = simdjson::minify(data);
    } else if (item["data_raw"].get_string().get(v) == simdjson::SUCCESS) {
      e.data = v;
    } else {
      return bad("an event has no data");
    }
    page.events.push_back(std::move(e));
  }
  return page;
}

}  // namespace

FetchFeed HttpFeed(std::string base_url, std::string token) {
  std::string hostport = base_url.substr(base_url.find("://") + 3);
  if (const std::size_t slash = hostport.find('/'); slash != std::string::npos) {
    hostport.resize(slash);
  }
  const std::size_t colon = hostport.rfind(':');
  std::string host = colon == std::string::npos ? hostport : hostport.substr(0, colon);
  std::string port = colon == std::string::npos ? "80" : hostport.substr(colon + 1);
  return [host, port, token](std::uint64_t after, std::size_t limit) -> Result<FeedPage> {
    auto body =
        Get(host, port,
            "/v1/events?after=" + std::to_string(after) + "&limit=" + std::to_string(limit), token);
    if (!body) return Error(body.error());
    return Parse(*body);
  };
}

}  // namespace clientele::api
