// `clientele import` against a real node: a replace that would remove most
// customers is applied only with --yes, or when a person says yes at the
// terminal; otherwise nothing is applied.
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "tests/api/http_client.h"
#include "tests/test_util.h"
#include "tests/test_util_process.h"

namespace clientele::testing {
namespace {

// `clientele serve` on `data`, listening on a port the system picks.
class Node {
 public:
  explicit Node(const std::string& data)
      : data_(data), process_({CLIENTELE_BIN, "serve", "--data", data, "--listen", "127.0.0.1:0"}) {
    const std::string port =
        process_.WaitFor(R"(listening on http://127\.0\.0\.1:(\d+))", std::chrono::seconds(120));
    if (port.empty()) {
      ADD_FAILURE() << "the server did not start: " << process_.output();
      return;
    }
    port_ = static_cast<unsigned short>(std::stoi(port));
  }
  unsigned short port() const { return port_; }
  // The arguments that point `clientele import` at this node.
  std::vector<std::string> Args(std::vector<std::string> args) const {
    args.insert(args.begin(), CLIENTELE_BIN);
    args.insert(args.end(), {"--url", "http://127.0.0.1:" + std::to_string(port_), "--token-file",
                             data_ + "/first-token"});
    return args;
  }
  // Runs `clientele ARGS...` with standard input not a terminal.
  CommandResult Run(const std::vector<std::string>& args) const {
    std::string line;
    for (const std::string& a : Args(args)) line += "'" + a + "' ";
    return RunCommand(line + "< /dev/null");
  }
  // Counts listed customers and the log's head, through the API.
  std::pair<std::uint64_t, std::uint64_t> State() {
    std::ifstream in(data_ + "/first-token");
    std::string token;
    in >> token;
    HttpClient client(port_);
    const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + token}};
    Reply list = client.Call("GET", "/v1/customers?status=all&limit=1", "", auth);
    Reply events = client.Call("GET", "/v1/events?after=0&limit=1", "", auth);
    return {list.json().at("total").to_number<std::uint64_t>(),
            events.json().at("head").to_number<std::uint64_t>()};
  }
  int Stop() { return process_.Stop(SIGTERM); }

 private:
  std::string data_;
  ChildProcess process_;
  unsigned short port_ = 0;
};

// Runs `argv` on a pseudo-terminal: waits for `prompt`, types `answer`, and
// returns the exit code and everything shown.
CommandResult RunOnTerminal(const std::vector<std::string>& argv, const std::string& prompt,
                            const std::string& answer) {
  CommandResult r;
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) return r;
  if (pid == 0) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool answered = false;
  char buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = ::read(master, buf, sizeof(buf));
    if (n <= 0) break;  // EIO: the child is gone
    r.output.append(buf, static_cast<std::size_t>(n));
    if (!answered && r.output.find(prompt) != std::string::npos) {
      answered = true;
      const std::string line = answer + "\n";
      (void)!::write(master, line.data(), line.size());
    }
  }
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) == 0) ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  ::close(master);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(ImportCommand, AMassRemovalNeedsYesOrAPersonsAnswer) {
  TempDir dir;
  Node node(dir.path());
  ASSERT_NE(node.port(), 0);
  {
    std::ofstream f(dir.sub("ten.csv"));
    f << "First Name,Last Name,Email\n";
    for (int i = 0; i < 10; ++i) f << "N" << i << ",Last,n" << i << "@example.com\n";
    std::ofstream(dir.sub("header.csv")) << "First Name,Last Name,Email\n";
  }
  CommandResult added = node.Run({"import", dir.sub("ten.csv")});
  ASSERT_EQ(added.exit_code, 0) << added.output;
  const auto before = node.State();
  ASSERT_EQ(before.first, 10u);

  CommandResult dry = node.Run({"import", dir.sub("header.csv"), "--mode", "replace", "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_NE(dry.output.find("mass removal: this import removes 10 of the 10 customers (100%)"),
            std::string::npos)
      << dry.output;

  // Not a terminal, no --yes: refused, nothing applied.
  CommandResult refused = node.Run({"import", dir.sub("header.csv"), "--mode", "replace"});
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("not applied: it removes 10 of the 10 customers (100%); to apply "
                                "it all the same, run it again with --yes"),
            std::string::npos)
      << refused.output;
  EXPECT_EQ(node.State(), before);

  // At a terminal, a person is asked; "no" applies nothing.
  const std::string prompt = "Type yes to apply it: ";
  CommandResult no = RunOnTerminal(
      node.Args({"import", dir.sub("header.csv"), "--mode", "replace"}), prompt, "no");
  EXPECT_EQ(no.exit_code, 1) << no.output;
  EXPECT_NE(no.output.find("This import removes 10 of the 10 customers (100%). " + prompt),
            std::string::npos)
      << no.output;
  EXPECT_NE(no.output.find("nothing was applied"), std::string::npos) << no.output;
  EXPECT_EQ(node.State(), before);

  // "yes" applies it.
  CommandResult yes = RunOnTerminal(
      node.Args({"import", dir.sub("header.csv"), "--mode", "replace"}), prompt, "yes");
  EXPECT_EQ(yes.exit_code, 0) << yes.output;
  EXPECT_NE(yes.output.find("applied in"), std::string::npos) << yes.output;
  EXPECT_EQ(node.State().first, 0u);

  // --yes applies it without asking, terminal or not.
  ASSERT_EQ(node.Run({"import", dir.sub("ten.csv")}).exit_code, 0);
  ASSERT_EQ(node.State().first, 10u);
  CommandResult forced = node.Run({"import", dir.sub("header.csv"), "--mode", "replace", "--yes"});
  EXPECT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_EQ(forced.output.find(prompt), std::string::npos) << forced.output;
  EXPECT_EQ(node.State().first, 0u);
  EXPECT_EQ(node.Stop(), 0);
}

}  // namespace
}  // namespace clientele::testing
