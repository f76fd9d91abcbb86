#include "cli/broker.h"

#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>

#include "consumers/embedded_broker.h"

namespace clientele {

namespace {
volatile std::sig_atomic_t stop_requested = 0;
void OnSignal(int) { stop_requested = 1; }
}  // namespace

int RunBroker(int partitions) {
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  auto broker = EmbeddedBroker::Start();
  if (!broker) {
    std::fprintf(stderr, "clientele: %s\n", broker.error().ToString().c_str());
    return 2;
  }
  for (const char* topic : {"clientele.events", "clientele.upstream", "clientele.dead-letter"}) {
    if (Status s = (*broker)->CreateTopic(topic, partitions); !s.ok()) {
      std::fprintf(stderr, "clientele: %s\n", s.ToString().c_str());
      return 2;
    }
  }
  std::printf("clientele: Kafka broker at %s\n", (*broker)->bootstrap().c_str());
  std::fflush(stdout);
  std::string line;
  while (!stop_requested) {
    pollfd in{STDIN_FILENO, POLLIN, 0};
    if (::poll(&in, 1, 200) <= 0) continue;
    char c = 0;
    const ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n <= 0) break;  // end of input
    if (c != '\n') {
      line.push_back(c);
      continue;
    }
    if (line == "down" || line == "up") {
      (*broker)->SetUp(line == "up");
      std::printf("clientele: broker %s\n", line.c_str());
    } else if (!line.empty()) {
      std::printf("clientele: unknown command '%s' (down, up)\n", line.c_str());
    }
    std::fflush(stdout);
    line.clear();
  }
  std::printf("clientele: broker stopped\n");
  return 0;
}

}  // namespace clientele
