#include "cli/report_command.h"

#include <boost/json.hpp>
#include <cctype>
#include <cstdio>
#include <vector>

#include "cli/node_client.h"
#include "domain/money.h"

namespace clientele {

namespace {

namespace json = boost::json;

// Money columns are shown in units with two decimals in the table.
bool IsMoney(std::string_view column) {
  return (column.find("credit") != std::string_view::npos && !column.ends_with("_holders")) ||
         column.find("amount") != std::string_view::npos || column == "spent" ||
         column == "purchase_amount";
}

std::string Cell(const json::value& v, std::string_view column) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_int64()) {
    if (column == "max_days" && v.as_int64() < 0) return "";
    return IsMoney(column) ? FormatMoney(v.as_int64()) : std::to_string(v.as_int64());
  }
  return json::serialize(v);
}

void PrintTable(const json::object& report) {
  for (const char* key : {"report", "date", "from", "to", "time_zone", "total", "note"}) {
    if (!report.contains(key)) continue;
    std::string value = Cell(report.at(key), key == std::string_view("total") ? "amount" : "");
    std::printf("%s: %s\n", key, value.c_str());
  }
  const json::array& rows = report.at("rows").as_array();
  if (rows.empty()) {
    std::printf("\n(no rows)\n");
    return;
  }
  std::vector<std::string> columns;
  for (const auto& [k, v] : rows.front().as_object()) columns.emplace_back(k);
  std::vector<std::vector<std::string>> cells;
  std::vector<std::size_t> width(columns.size());
  for (std::size_t c = 0; c < columns.size(); ++c) width[c] = columns[c].size();
  for (const json::value& row : rows) {
    std::vector<std::string> line;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const json::value* v = row.as_object().if_contains(columns[c]);
      line.push_back(v ? Cell(*v, columns[c]) : "");
      width[c] = std::max(width[c], line.back().size());
    }
    cells.push_back(std::move(line));
  }
  std::printf("\n");
  auto print = [&](const std::vector<std::string>& line, bool head) {
    for (std::size_t c = 0; c < line.size(); ++c) {
      const bool number =
          !head && !cells.empty() && rows.front().as_object().at(columns[c]).is_int64();
      std::printf(number ? "%*s%s" : "%-*s%s", static_cast<int>(width[c]), line[c].c_str(),
                  c + 1 < line.size() ? "  " : "\n");
    }
  };
  print(columns, true);
  for (const auto& line : cells) print(line, false);
}

}  // namespace

int RunReport(const NodeAddress& node, const std::string& name, const ReportFlags& flags) {
  if (flags.format != "table" && flags.format != "csv" && flags.format != "json") {
    std::fprintf(stderr, "clientele report: --format is table, csv or json\n");
    return 1;
  }
  std::string target = "/v1/reports/" + name + "?format=" +
                       (flags.format == "csv" ? std::string("csv") : std::string("json"));
  for (const auto& [key, value] : {std::pair<const char*, const std::string&>{"date", flags.date},
                                   {"from", flags.from},
                                   {"to", flags.to},
                                   {"limit", flags.limit}}) {
    if (value.empty()) continue;
    target += std::string("&") + key + "=";
    for (unsigned char ch : value) {
      if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_') {
        target += static_cast<char>(ch);
      } else {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", ch);
        target += hex;
      }
    }
  }
  NodeClient client(node.url, Token(node), std::chrono::seconds(60), node.tls_ca);
  auto reply = client.Get(target);
  if (!reply) {
    std::fprintf(stderr, "clientele report: %s\n", reply.error().message().c_str());
    return 2;
  }
  if (reply->status != 200) {
    boost::system::error_code ec;
    json::value problem = json::parse(reply->body, ec);
    std::string why = reply->body;
    if (!ec && problem.is_object() && problem.as_object().contains("detail")) {
      why = Cell(problem.as_object().at("detail"), "");
      if (const json::value* errors = problem.as_object().if_contains("errors")) {
        why += " " + json::serialize(*errors);
      }
    }
    std::fprintf(stderr, "clientele report: refused (%d): %s\n", reply->status, why.c_str());
    return 1;
  }
  if (flags.format != "table") {
    std::fwrite(reply->body.data(), 1, reply->body.size(), stdout);
    if (flags.format == "json") std::printf("\n");
    return 0;
  }
  boost::system::error_code ec;
  json::value report = json::parse(reply->body, ec);
  if (ec || !report.is_object()) {
    std::fprintf(stderr, "clientele report: the node's answer is not JSON\n");
    return 2;
  }
  PrintTable(report.as_object());
  return 0;
}

}  // namespace clientele
