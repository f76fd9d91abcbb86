// import_bench: a customer file of N new customers through a node's import,
// in one process with a real log and projections on disk.
//
//   import_bench --data DIR [--rows N]
//
// Steps and figures (`figure: NAME VALUE UNIT`):
//   0. the file's size                                       file_size_N_rows MiB
//      memory of the empty node                              rss_before_analysis_N_rows MiB
//   1. analysis of the file against an empty node (all new)  import_analysis_N_rows rows/s
//      peak memory so far                                      peak_rss_analysis_N_rows MiB
//   2. confirm: the events durable in the log                 import_apply_N_rows rows/s
//      and the customers in the table                         import_apply_visible_N_rows rows/s
//   3. analysis of the same file again (every row matched,
//      unchanged: an export imported back)                    import_reanalysis_N_rows rows/s
//      peak memory over the whole run                          peak_rss_N_rows MiB
//      memory of the node at rest with N customers             rss_at_rest_N_customers MiB
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "commands/command_handler.h"
#include "eventstore/system_clock.h"
#include "imports/import_service.h"
#include "projections/projector.h"

namespace clientele {
namespace {

using SteadyClock = std::chrono::steady_clock;

double Seconds(SteadyClock::time_point since) {
  return std::chrono::duration<double>(SteadyClock::now() - since).count();
}

void Figure(const std::string& name, double value, const char* unit) {
  std::printf("figure: %s %.*f %s\n", name.c_str(), value < 100 ? 2 : 0, value, unit);
  std::fflush(stdout);
}

long StatusKb(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field)) return std::stol(line.substr(std::strlen(field)));
  }
  return 0;
}

// A file as another system would write it: quoted addresses, an extra column.
void WriteFile(const std::string& path, std::uint64_t rows) {
  static const char* kFirst[] = {"James", "Mary",   "Jürgen", "Lucía", "Seán", "Zoë",
                                 "Ada",   "Amélie", "Noah",   "Emma",  "Hugo", "Ingrid"};
  static const char* kLast[] = {"Müller", "Núñez", "O'Brien", "Smith",  "García",
                                "Dubois", "Rossi", "Jensen",  "Yılmaz", "Nakamura"};
  std::mt19937 rng(42);
  std::ofstream out(path, std::ios::binary);
  out << "First Name,Last Name,Email,Phone,Address,Loyalty Tier\r\n";
  std::string line;
  for (std::uint64_t i = 0; i < rows; ++i) {
    line.clear();
    line += kFirst[rng() % std::size(kFirst)];
    line += ',';
    line += kLast[rng() % std::size(kLast)];
    line += std::to_string(i % 997);
    line += ",customer" + std::to_string(i) + "@example.com";
    line += ",+44 20 " + std::to_string(10000000 + i);
    line += ",\"" + std::to_string(rng() % 400 + 1) + " High Street, Flat " +
            std::to_string(i % 30) + "\",gold\r\n";
    out << line;
  }
}

int Run(const std::string& data, std::uint64_t rows) {
  std::filesystem::remove_all(data);
  std::filesystem::create_directories(data);
  const std::string file = data + "/customers.csv";
  WriteFile(file, rows);
  const std::string tag = std::to_string(rows) + "_rows";

  SystemClock clock;
  auto store = EventStore::Open({.path = data + "/node", .origin = "hq"});
  if (!store) return std::fprintf(stderr, "%s\n", store.error().ToString().c_str()), 1;
  CommandHandler commands(store->get(), "hq", &clock);
  if (!commands.Init().ok()) return 1;
  auto projector = Projector::Open(store->get(), data + "/node/projections");
  if (!projector) return std::fprintf(stderr, "%s\n", projector.error().ToString().c_str()), 1;
  (*projector)->Start();
  ImportService imports(data + "/node/imports", store->get(), projector->get(), &commands, &clock,
                        "hq");
  auto upload = [&] {
    const std::string path = imports.UploadPath();
    std::filesystem::copy_file(file, path);
    return path;
  };

  Figure("file_size_" + tag, static_cast<double>(std::filesystem::file_size(file)) / 1048576.0,
         "MiB");
  const std::string copy = upload();
  Figure("rss_before_analysis_" + tag, static_cast<double>(StatusKb("VmRSS:")) / 1024.0, "MiB");
  auto start = SteadyClock::now();
  auto analysed = imports.Analyse(copy, ImportMode::kMerge, "bench");
  const double analysis = Seconds(start);
  if (!analysed || analysed->summary.created != rows) {
    std::fprintf(stderr, "analysis failed\n");
    return 1;
  }
  Figure("import_analysis_" + tag, static_cast<double>(rows) / analysis, "rows/s");
  Figure("peak_rss_analysis_" + tag, static_cast<double>(StatusKb("VmHWM:")) / 1024.0, "MiB");

  start = SteadyClock::now();
  double durable = 0;
  std::thread watch([&] {  // every new customer is one event
    if ((*store)->WaitForHead(rows, std::chrono::minutes(10))) durable = Seconds(start);
  });
  auto applied = imports.Confirm(analysed->id, "bench");
  const double visible = Seconds(start);
  watch.join();
  if (!applied) {
    std::fprintf(stderr, "confirm failed: %s\n", applied.error().ToString().c_str());
    return 1;
  }
  Figure("import_apply_" + tag, static_cast<double>(rows) / durable, "rows/s");
  Figure("import_apply_visible_" + tag, static_cast<double>(rows) / visible, "rows/s");

  start = SteadyClock::now();
  auto again = imports.Analyse(upload(), ImportMode::kReplace, "bench");
  const double reanalysis = Seconds(start);
  if (!again || again->summary.unchanged != rows) {
    std::fprintf(stderr, "the second analysis did not find every row unchanged\n");
    return 1;
  }
  Figure("import_reanalysis_" + tag, static_cast<double>(rows) / reanalysis, "rows/s");
  Figure("peak_rss_" + tag, static_cast<double>(StatusKb("VmHWM:")) / 1024.0, "MiB");
  Figure("rss_at_rest_" + std::to_string(rows) + "_customers",
         static_cast<double>(StatusKb("VmRSS:")) / 1024.0, "MiB");
  return 0;
}

}  // namespace
}  // namespace clientele

int main(int argc, char** argv) {
  CLI::App app{"Customer import benchmark"};
  std::string data;
  std::uint64_t rows = 100000;
  app.add_option("--data", data, "A scratch folder (emptied)")->required();
  app.add_option("--rows", rows, "Rows in the file")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return clientele::Run(data, rows);
}
