// projection_writer DIR N: runs commands against the node at DIR with its
// projections following, from 4 threads, until killed; prints "N commands
// done" once N of them have succeeded, and carries on. Used by
// projection_crash_test.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

#include "commands/command_handler.h"
#include "projections/projector.h"

int main(int argc, char** argv) {
  using namespace clientele;
  if (argc != 3) return 2;
  const std::string dir = argv[1];
  const long report_after = std::atol(argv[2]);
  auto store = EventStore::Open({.path = dir});
  if (!store) return 1;
  auto projector = Projector::Open(store->get(), dir + "/projections");
  if (!projector) {
    std::fprintf(stderr, "projection_writer: %s\n", projector.error().ToString().c_str());
    return 1;
  }
  (*projector)->Start();
  CommandHandler handler(store->get(), "hq");
  if (!handler.Init().ok()) return 1;
  std::atomic<long> done{0};
  auto succeeded = [&] {
    if (++done == report_after) {
      std::printf("projection_writer: %ld commands done\n", report_after);
      std::fflush(stdout);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(std::random_device{}());
      std::vector<std::string> mine;
      for (int k = 0;; ++k) {
        if (mine.size() < 5 || rng() % 10 == 0) {
          CustomerDetails d;
          d[DetailField::kFirstName] = "W" + std::to_string(t);
          d[DetailField::kLastName] = "N" + std::to_string(k);
          auto r = handler.Register(d, "writer");
          if (r) {
            mine.push_back(r->customer_id);
            succeeded();
          }
          continue;
        }
        const std::string& id = mine[rng() % mine.size()];
        int amount = 1 + static_cast<int>(rng() % 5000);
        bool ok = false;
        switch (rng() % 4) {
          case 0:
            ok = handler.Execute(id, RecordPurchase{"tab-" + std::to_string(k), amount, k}, "w")
                     .has_value();
            break;
          case 1:
            ok = handler.Execute(id, TopUpCredit{amount, "pay-" + std::to_string(k), ""}, "w")
                     .has_value();
            break;
          case 2:
            ok = handler.Execute(id, DeductCredit{amount, "", ""}, "w").has_value();
            break;
          default:
            ok = handler.Execute(id, AdjustPoints{amount % 50 + 1, "bonus"}, "w").has_value();
            break;
        }
        if (ok) succeeded();
      }
    });
  }
  for (auto& t : threads) t.join();
}
