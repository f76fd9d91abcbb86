#include "cli/transfer.h"

#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/node_client.h"

namespace clientele {

namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

std::string Grouped(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

// Counts CSV records in blocks as they pass: line ends outside quotes.
class RecordCounter {
 public:
  void Feed(std::string_view block) {
    for (char c : block) {
      if (c == '"') {
        quoted_ = !quoted_;
      } else if (c == '\n' && !quoted_) {
        ++lines_;
      }
    }
  }
  std::uint64_t records() const { return lines_ > 0 ? lines_ - 1 : 0; }  // less the header

 private:
  bool quoted_ = false;
  std::uint64_t lines_ = 0;
};

// One line on stderr, redrawn: [#####.....]  52%  520,000 rows  101,000 rows/s  ETA 5s
class ProgressBar {
 public:
  explicit ProgressBar(std::uint64_t total_bytes) : total_(total_bytes), start_(Clock::now()) {}
  void Show(std::uint64_t bytes, std::uint64_t rows, bool last = false) {
    const auto now = Clock::now();
    if (!last && now - shown_ < std::chrono::milliseconds(100)) return;
    shown_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double share =
        total_ == 0 ? 1.0 : static_cast<double>(bytes) / static_cast<double>(total_);
    const int filled = static_cast<int>(share * 30);
    const auto rate = secs > 0 ? static_cast<std::uint64_t>(static_cast<double>(rows) / secs) : 0;
    const double eta = share > 0 ? secs / share - secs : 0;
    std::fprintf(stderr, "\r[%s%s] %3d%%  %s rows  %s rows/s  ETA %ds   ",
                 std::string(filled, '#').c_str(), std::string(30 - filled, '.').c_str(),
                 static_cast<int>(share * 100), Grouped(rows).c_str(), Grouped(rate).c_str(),
                 static_cast<int>(std::lround(eta)));
    if (last) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }

 private:
  std::uint64_t total_;
  Clock::time_point start_, shown_{};
};

std::uint64_t Count(const json::value& v) { return v.to_number<std::uint64_t>(); }

void PrintAnalysis(const json::object& a, const std::string& file) {
  const json::object& counts = a.at("counts").as_object();
  std::printf("import %s (%s) of %s: %s records\n", a.at("id").as_string().c_str(),
              a.at("mode").as_string().c_str(), file.c_str(),
              Grouped(Count(a.at("file").at("records"))).c_str());
  for (const char* name : {"new", "updated", "unchanged", "deleted", "deactivated"}) {
    std::printf("  %-12s %12s\n", name, Grouped(Count(counts.at(name))).c_str());
  }
  std::printf("  %-12s %12s  (in %s rows)\n", "errors", Grouped(Count(a.at("error_count"))).c_str(),
              Grouped(Count(counts.at("rows_with_errors"))).c_str());
  std::printf("  %-12s %12s\n", "warnings", Grouped(Count(a.at("warning_count"))).c_str());
  if (const json::value* file_info = a.if_contains("file"); file_info && file_info->is_object()) {
    const json::object& f = file_info->as_object();
    if (f.contains("encoding") && f.at("encoding") != "utf-8") {
      std::printf("read as %s (not UTF-8)\n", f.at("encoding").as_string().c_str());
    }
  }
  const json::array& ignored = a.at("ignored_columns").as_array();
  if (!ignored.empty()) {
    std::printf("ignored columns:");
    for (const json::value& c : ignored) std::printf(" \"%s\"", c.as_string().c_str());
    std::printf("\n");
  }
  for (const char* list : {"errors", "warnings"}) {
    for (const json::value& e : a.at(list).as_array()) {
      std::printf("line %-8lld %-14s %-18s %s\n", static_cast<long long>(Count(e.at("line"))),
                  e.at("column").as_string().c_str(), e.at("reason").as_string().c_str(),
                  e.at("detail").as_string().c_str());
    }
  }
  if (Count(a.at("error_count")) > a.at("errors").as_array().size()) {
    std::printf("(only the first %zu errors are listed)\n", a.at("errors").as_array().size());
  }
}

// Whether the analysis `a` is a mass removal (see imports/import_service.h).
bool MassRemoval(const json::object& a) {
  const json::value* mass = a.if_contains("mass_removal");
  return mass != nullptr && mass->is_bool() && mass->as_bool();
}

// "removes 533 of the 548 customers (98%)".
std::string Removal(const json::object& a) {
  return "removes " + Grouped(Count(a.at("removes"))) + " of the " +
         Grouped(Count(a.at("existing_customers"))) + " customers (" +
         std::to_string(Count(a.at("removal_share_percent"))) + "%)";
}

// Asks on the terminal whether to apply a mass removal: true for "yes".
bool AskToApply(const json::object& a) {
  std::fprintf(stderr, "This import %s. Type yes to apply it: ", Removal(a).c_str());
  std::fflush(stderr);
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  while (!answer.empty() && (answer.back() == '\r' || answer.back() == ' ')) answer.pop_back();
  return answer == "yes" || answer == "YES" || answer == "Yes" || answer == "y" || answer == "Y";
}

// The problem's detail, or the body.
std::string Explain(const NodeReply& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (!ec && v.is_object() && v.as_object().contains("detail")) {
    return std::to_string(r.status) + " " + std::string(v.at("detail").as_string());
  }
  return std::to_string(r.status) + " " + r.body;
}

// 0 if `reply` is the `expected` answer; else prints why not and returns 2 if
// the node could not be reached, 1 if it refused.
int Failure(const char* command, const char* refused, const Result<NodeReply>& reply,
            int expected) {
  if (!reply) {
    std::fprintf(stderr, "clientele %s: %s\n", command, reply.error().message().c_str());
    return 2;
  }
  if (reply->status != expected) {
    std::fprintf(stderr, "clientele %s: %s: %s\n", command, refused, Explain(*reply).c_str());
    return 1;
  }
  return 0;
}

}  // namespace

std::string Token(const NodeAddress& node) {
  if (!node.token.empty()) return node.token;
  std::ifstream in(node.token_file);
  std::string token;
  std::getline(in, token);
  return token;
}

Status CheckToken(const NodeAddress& node) {
  if (!node.token.empty()) return Status::OK();
  std::ifstream in(node.token_file);
  if (!in) {
    return Status::InvalidArgument(
        "token_file", "unreadable_token_file",
        "cannot read the token file " + node.token_file + ": " + std::strerror(errno) +
            " (give one with --token-file, or the token in CLIENTELE_TOKEN)");
  }
  if (Token(node).empty()) {
    return Status::InvalidArgument("token_file", "empty_token_file",
                                   "the token file " + node.token_file + " holds no token");
  }
  return Status::OK();
}

int RunImport(const NodeAddress& node, const std::string& file, const std::string& mode,
              ImportFlags flags) {
  std::error_code ec;
  const std::uint64_t size = std::filesystem::file_size(file, ec);
  if (ec) {
    std::fprintf(stderr, "clientele import: cannot read %s: %s\n", file.c_str(),
                 ec.message().c_str());
    return 1;
  }
  NodeClient client(node.url, Token(node), std::chrono::seconds::zero(), node.tls_ca);
  RecordCounter counter;
  ProgressBar bar(size);
  std::uint64_t sent = 0;
  std::fprintf(stderr, "uploading %s (%s bytes) for analysis\n", file.c_str(),
               Grouped(size).c_str());
  auto reply =
      client.Upload("/v1/customers/imports?mode=" + mode, file, [&](std::string_view block) {
        sent += block.size();
        counter.Feed(block);
        bar.Show(sent, counter.records());
      });
  bar.Show(sent, counter.records(), true);
  if (int rc = Failure("import", "refused", reply, 201)) return rc;
  const json::object analysis = json::parse(reply->body).as_object();
  PrintAnalysis(analysis, file);
  if (Count(analysis.at("error_count")) > 0) {
    std::printf("nothing was applied: correct the file and run the import again\n");
    return 1;
  }
  const bool mass = MassRemoval(analysis);
  if (mass) {
    std::printf(
        "mass removal: this import %s, more than the node applies without asking "
        "(imports.max_removal_percent: %s%%)\n",
        Removal(analysis).c_str(),
        std::to_string(Count(analysis.at("max_removal_percent"))).c_str());
  }
  if (flags.dry_run) {
    std::printf("dry run: nothing was applied\n");
    return 0;
  }
  if (mass && !flags.yes) {
    if (!::isatty(STDIN_FILENO)) {
      std::fprintf(stderr,
                   "clientele import: not applied: it %s; to apply it all the same, run it "
                   "again with --yes\n",
                   Removal(analysis).c_str());
      return 1;
    }
    if (!AskToApply(analysis)) {
      std::printf("nothing was applied\n");
      return 1;
    }
  }
  std::fprintf(stderr, "applying...\n");
  const auto start = Clock::now();
  auto confirmed = client.Post(
      "/v1/customers/imports/" + std::string(analysis.at("id").as_string()) + "/confirm",
      mass ? R"({"allow_mass_removal":true})" : "");
  if (int rc = Failure("import", "not applied", confirmed, 200)) return rc;
  const json::object applied = json::parse(confirmed->body).as_object();
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("applied in %.1f s: log positions %s to %s\n", secs,
              Grouped(Count(applied.at("positions").at("first"))).c_str(),
              Grouped(Count(applied.at("positions").at("last"))).c_str());
  return 0;
}

int RunExport(const NodeAddress& node, const std::string& query, const std::string& out) {
  std::FILE* f = out == "-" ? stdout : std::fopen(out.c_str(), "wb");
  if (f == nullptr) {
    std::fprintf(stderr, "clientele export: cannot write %s\n", out.c_str());
    return 1;
  }
  NodeClient client(node.url, Token(node), std::chrono::seconds::zero(), node.tls_ca);
  std::uint64_t bytes = 0;
  auto reply = client.Download("/v1/customers/export.csv" + query, [&](std::string_view piece) {
    std::fwrite(piece.data(), 1, piece.size(), f);
    bytes += piece.size();
  });
  if (f != stdout) std::fclose(f);
  if (int rc = Failure("export", "refused", reply, 200)) return rc;
  if (out != "-")
    std::fprintf(stderr, "wrote %s bytes to %s\n", Grouped(bytes).c_str(), out.c_str());
  return 0;
}

}  // namespace clientele
