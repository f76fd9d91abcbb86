// clientele: the Clientele command-line entry point.
//
//   clientele version
//   clientele verify --data DIR        check the hash chain of a node's log
//   clientele demo --data DIR          write a few customers and print the log
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "app/command_handler.h"
#include "domain/ids.h"
#include "domain/money.h"
#include "eventstore/event_store.h"

namespace clientele {
namespace {

constexpr const char* kVersion = "0.1.0";

int Fail(const Status& s) {
  std::fprintf(stderr, "clientele: %s\n", s.ToString().c_str());
  return s.code() == StatusCode::kCorruption ? 3 : 2;
}

int RunVerify(const std::string& data) {
  auto store = EventStore::Open({.path = data, .read_only = true});
  if (!store) return Fail(store.error());
  auto report = (*store)->Verify();
  if (!report) return Fail(report.error());
  if (report->ok) {
    std::printf("ok: %llu events, hash chain intact\n",
                static_cast<unsigned long long>(report->events_checked));
    return 0;
  }
  std::printf("BROKEN at position %llu: %s (%llu events before it verified)\n",
              static_cast<unsigned long long>(report->broken_position), report->problem.c_str(),
              static_cast<unsigned long long>(report->events_checked));
  return 1;
}

int RunDemo(const std::string& data, const std::string& node) {
  if (Status s = ValidateNodeId(node, "--node"); !s.ok()) return Fail(s);
  auto store = EventStore::Open({.path = data, .origin = node});
  if (!store) return Fail(store.error());
  CommandHandler handler(store->get(), node);
  if (Status s = handler.Init(); !s.ok()) return Fail(s);

  CustomerDetails ada;
  ada[DetailField::kFirstName] = "Ada";
  ada[DetailField::kLastName] = "Müller";
  ada[DetailField::kEmail] = "ada@example.com";
  ada[DetailField::kPhone] = "+41 79 555 01 23";
  auto created = handler.Register(ada, "demo");
  if (!created) return Fail(created.error());
  const std::string id = created->customer_id;
  std::string tab = "tab-" + NewUuid().substr(0, 8);
  for (const CustomerCommand& cmd : std::vector<CustomerCommand>{
           RecordPurchase{tab, 4250, 1'700'000'000'000},
           TopUpCredit{5000, "pay-" + tab, "gift card"},
           DeductCredit{1200, "coffee", "tab-2"},
           RedeemPoints{10, "free cookie", ""},
       }) {
    if (auto r = handler.Execute(id, cmd, "demo"); !r) return Fail(r.error());
  }
  auto state = handler.LoadCustomer(id);
  if (!state) return Fail(state.error());
  std::printf("customer %s  %s %s  points %lld  credit %s  spent %s\n", state->code.c_str(),
              state->details[DetailField::kFirstName].c_str(),
              state->details[DetailField::kLastName].c_str(), static_cast<long long>(state->points),
              FormatMoney(state->credit).c_str(), FormatMoney(state->total_spent).c_str());
  std::printf("\nthe log of %s:\n", data.c_str());
  Status s = (*store)->ScanAll(1, [](const RecordedEvent& e) {
    std::printf("%6llu  %-26s %-46s v%-3lld %s\n", static_cast<unsigned long long>(e.position),
                e.type.c_str(), e.stream.c_str(), static_cast<long long>(e.version),
                e.data.c_str());
    return true;
  });
  if (!s.ok()) return Fail(s);
  auto report = (*store)->Verify();
  if (!report) return Fail(report.error());
  std::printf("\nverify: %s, %llu events\n", report->ok ? "hash chain intact" : "BROKEN",
              static_cast<unsigned long long>(report->events_checked));
  return report->ok ? 0 : 1;
}

}  // namespace
}  // namespace clientele

int main(int argc, char** argv) {
  CLI::App app{"Clientele: customers, loyalty points and prepaid credit for a POS chain"};
  app.require_subcommand(1);

  app.add_subcommand("version", "Print the version")->callback([] {
    std::printf("clientele %s\n", clientele::kVersion);
  });

  std::string data = "./data";
  std::string node = "hq";
  auto* verify = app.add_subcommand("verify", "Check the hash chain of a node's event log");
  verify->add_option("--data", data, "The node's data folder")->required();

  auto* demo = app.add_subcommand("demo", "Record a sample customer and print the event log");
  demo->add_option("--data", data, "The node's data folder")->capture_default_str();
  demo->add_option("--node", node, "This node: hq or a store id")->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  if (verify->parsed()) return clientele::RunVerify(data);
  if (demo->parsed()) return clientele::RunDemo(data, node);
  return 0;
}
