// Kills a writer process with SIGKILL at random moments, then checks that
// every acknowledged event is in the log, that no append is half-visible, and
// that the hash chain verifies. Cycles: CLIENTELE_CRASH_CYCLES (default 20).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>

#include "eventstore/event_store.h"
#include "tests/test_util.h"

namespace clientele {
namespace {

using Clock = std::chrono::steady_clock;

// Starts crash_writer on `dir`; returns its pid and the read end of its stdout.
pid_t StartWriter(const std::string& dir, int* out_fd) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl(CRASH_WRITER_BIN, CRASH_WRITER_BIN, dir.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  *out_fd = fds[0];
  return pid;
}

// Reads what is available on fd into *buf, waiting at most `wait_ms`; false at EOF.
bool ReadSome(int fd, std::string* buf, int wait_ms) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, wait_ms) <= 0) return true;
  char chunk[65536];
  ssize_t n = ::read(fd, chunk, sizeof(chunk));
  if (n <= 0) return false;
  buf->append(chunk, static_cast<std::size_t>(n));
  return true;
}

// The ids of every complete ACK line.
std::vector<std::string> AckedIds(const std::string& out) {
  std::vector<std::string> ids;
  std::size_t start = 0;
  for (std::size_t nl; (nl = out.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::istringstream line(out.substr(start, nl - start));
    std::string word;
    line >> word;
    while (line >> word) ids.push_back(word);
  }
  return ids;
}

TEST(Crash, KillNineNeverLosesAnAcknowledgedAppendNorShowsHalfOfOne) {
  int cycles = 20;
  if (const char* env = std::getenv("CLIENTELE_CRASH_CYCLES")) cycles = std::atoi(env);
  testing::TempDir dir;
  std::mt19937 rng(std::random_device{}());
  std::size_t total_acked = 0;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    int fd = -1;
    pid_t pid = StartWriter(dir.path(), &fd);
    ASSERT_GT(pid, 0);
    // Let it run a random while once it is writing, then kill it mid-flight.
    std::string out;
    auto started = Clock::now();
    const auto run_for = std::chrono::milliseconds(std::uniform_int_distribution<>(5, 250)(rng));
    std::optional<Clock::time_point> first_ack;
    while (Clock::now() - started < std::chrono::seconds(20)) {
      if (!ReadSome(fd, &out, 5)) break;
      if (!first_ack && out.find('\n') != std::string::npos) first_ack = Clock::now();
      if (first_ack && Clock::now() - *first_ack >= run_for) break;
    }
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer exited by itself: " << out;
    while (ReadSome(fd, &out, 1000)) {
    }
    ::close(fd);
    std::vector<std::string> acked = AckedIds(out);
    ASSERT_FALSE(acked.empty()) << "the writer acknowledged nothing before the kill";
    total_acked += acked.size();

    auto store = EventStore::Open({.path = dir.path()});
    ASSERT_TRUE(store) << store.error().ToString();
    for (const std::string& id : acked) {
      ASSERT_TRUE((*store)->FindById(id)) << "acknowledged event " << id << " was lost";
    }
    std::map<std::string, int> batch_sizes;
    simdjson::dom::parser parser;
    Status scan = (*store)->ScanAll(1, [&](const RecordedEvent& e) {
      std::string_view batch;
      EXPECT_EQ(parser.parse(e.data)["batch"].get_string().get(batch), simdjson::SUCCESS);
      ++batch_sizes[std::string(batch)];
      return true;
    });
    ASSERT_TRUE(scan.ok()) << scan.ToString();
    for (const auto& [batch, n] : batch_sizes) {
      ASSERT_EQ(n, 3) << "append " << batch << " is half-visible";
    }
    auto report = (*store)->Verify();
    ASSERT_TRUE(report);
    ASSERT_TRUE(report->ok) << "broken at " << report->broken_position << ": " << report->problem;
    ASSERT_EQ(report->events_checked, (*store)->Head());
    ASSERT_EQ(batch_sizes.size() * 3, (*store)->Head());
  }
  std::printf("crash test: %d kills, %zu acknowledged events all present\n", cycles, total_acked);
}

}  // namespace
}  // namespace clientele
