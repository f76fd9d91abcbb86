// projection_writer DIR: runs commands against the node at DIR with its
// projections following, from 4 threads, until killed. Used by
// projection_crash_test.
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

#include "commands/command_handler.h"
#include "projections/projector.h"

int main(int argc, char** argv) {
  using namespace clientele;
  if (argc != 2) return 2;
  const std::string dir = argv[1];
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
          if (r) mine.push_back(r->customer_id);
          continue;
        }
        const std::string& id = mine[rng() % mine.size()];
        int amount = 1 + static_cast<int>(rng() % 5000);
        switch (rng() % 4) {
          case 0:
            (void)handler.Execute(id, RecordPurchase{"tab-" + std::to_string(k), amount, k}, "w");
            break;
          case 1:
            (void)handler.Execute(id, TopUpCredit{amount, "pay-" + std::to_string(k), ""}, "w");
            break;
          case 2:
            (void)handler.Execute(id, DeductCredit{amount, "", ""}, "w");
            break;
          default:
            (void)handler.Execute(id, AdjustPoints{amount % 50 + 1, "bonus"}, "w");
            break;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
}
