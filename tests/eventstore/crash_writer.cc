// crash_writer DIR: appends to the log at DIR from 8 threads until killed.
// Each append holds 3 events of one batch; after an append is acknowledged it
// prints "ACK <id> <id> <id>" on a line of its own. Used by crash_test.
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "eventstore/event_store.h"
#include "eventstore/uuid.h"

int main(int argc, char** argv) {
  using namespace clientele;
  if (argc != 2) {
    std::fprintf(stderr, "usage: crash_writer DIR\n");
    return 2;
  }
  auto store = EventStore::Open({.path = argv[1]});
  if (!store) {
    std::fprintf(stderr, "crash_writer: %s\n", store.error().ToString().c_str());
    return 1;
  }
  std::mutex out_mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0;; ++k) {
        std::string batch = NewUuid();
        std::vector<NewEvent> events;
        std::string line = "ACK";
        for (int i = 0; i < 3; ++i) {
          NewEvent e;
          e.id = NewUuid();
          e.type = "crash.test";
          e.data = "{\"batch\":\"" + batch + "\",\"i\":" + std::to_string(i) + "}";
          line += " " + e.id;
          events.push_back(std::move(e));
        }
        line += "\n";
        std::string stream = "crash-" + std::to_string(t) + "-" + std::to_string(k % 16);
        auto r = (*store)->Append(stream, ExpectedVersion::Any(), std::move(events));
        if (!r) {
          std::fprintf(stderr, "crash_writer: %s\n", r.error().ToString().c_str());
          _exit(1);
        }
        std::lock_guard lock(out_mu);
        if (::write(1, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(1);
      }
    });
  }
  for (auto& t : threads) t.join();
}
