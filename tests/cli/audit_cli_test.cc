// `clientele audit` as an auditor runs it: the replay in both senses, a
// ledger extract exported and checked by separate processes (and a tampered
// one refused), and HQ's daily checkpoints across restarts of the node.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <sstream>

#include "tests/cli/serve_process.h"
#include "tests/test_util.h"
#include "tests/test_util_process.h"

namespace clientele::testing {
namespace {

CommandResult Cli(const std::string& args) {
  return RunCommand(std::string(CLIENTELE_BIN) + " " + args);
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AuditCli, ExportThenCheckAndATamperedExtractIsNamed) {
  TempDir dir;
  const std::string data = dir.sub("hq");
  ASSERT_EQ(Cli("demo --data " + data).exit_code, 0);

  CommandResult booked = Cli("audit --data " + data + " --customer CUST-00001 --basis recorded");
  ASSERT_EQ(booked.exit_code, 0) << booked.output;
  EXPECT_NE(booked.output.find("as this node had recorded it"), std::string::npos) << booked.output;
  EXPECT_NE(booked.output.find("credit 38.00"), std::string::npos) << booked.output;
  CommandResult wrong = Cli("audit --data " + data + " --customer CUST-00001 --basis sometime");
  EXPECT_NE(wrong.exit_code, 0) << wrong.output;
  EXPECT_NE(wrong.output.find("--basis"), std::string::npos) << wrong.output;
  CommandResult incomplete = Cli("audit --data " + data);
  EXPECT_EQ(incomplete.exit_code, 2);
  EXPECT_NE(incomplete.output.find("--customer is required"), std::string::npos)
      << incomplete.output;

  const std::string file = dir.sub("ledger.jsonl");
  CommandResult exported =
      Cli("audit export --data " + data + " --from 2000-01-01 --to 2100-01-01 --out " + file);
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  EXPECT_NE(exported.output.find("4 entries"), std::string::npos) << exported.output;
  CommandResult checked = Cli("audit check " + file);
  ASSERT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find("ok: 4 entries"), std::string::npos) << checked.output;

  // The top-up of 50.00 made 500.00 in the file.
  std::string text = Read(file);
  const std::string was = "\"credit_change\":5000,";
  const auto at = text.find(was);
  ASSERT_NE(at, std::string::npos) << text;
  const std::size_t line =
      1 + static_cast<std::size_t>(
              std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
  text.replace(at, was.size(), "\"credit_change\":50000,");
  std::ofstream(file, std::ios::trunc) << text;
  CommandResult tampered = Cli("audit check " + file);
  EXPECT_EQ(tampered.exit_code, 1) << tampered.output;
  EXPECT_NE(tampered.output.find("BAD at line " + std::to_string(line) + " (event "),
            std::string::npos)
      << tampered.output;
  EXPECT_NE(tampered.output.find("credit_change is 50000 but the hashed record says 5000"),
            std::string::npos)
      << tampered.output;

  CommandResult bad_time =
      Cli("audit export --data " + data + " --from yesterday --to 2100-01-01 --out " + file);
  EXPECT_EQ(bad_time.exit_code, 2);
  EXPECT_NE(bad_time.output.find("--from"), std::string::npos) << bad_time.output;
  CommandResult no_file = Cli("audit check " + dir.sub("nothing.jsonl"));
  EXPECT_EQ(no_file.exit_code, 2);
  EXPECT_NE(no_file.output.find("cannot read"), std::string::npos) << no_file.output;
}

TEST(AuditCli, HqRecordsOneCheckpointADayThatItsLogStillMatches) {
  TempDir dir;
  const std::string data = dir.sub("hq");
  for (int run = 0; run < 2; ++run) {  // two starts the same day: one checkpoint
    ServeProcess hq(data);
    ASSERT_NE(hq.port(), 0);
    EXPECT_EQ(hq.StopWith(SIGTERM), 0) << hq.output();
  }
  CommandResult checked = Cli("audit checkpoints --data " + data);
  ASSERT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find("ok: all 1 checkpoints match the log"), std::string::npos)
      << checked.output;
  EXPECT_NE(checked.output.find("matches"), std::string::npos) << checked.output;

  // Another log in its place (as a rewritten one would be): the checkpoint
  // no longer matches it.
  const std::string other = dir.sub("other");
  {
    ServeProcess hq(other);
    ASSERT_NE(hq.port(), 0);
    EXPECT_EQ(hq.StopWith(SIGTERM), 0) << hq.output();
  }
  CommandResult rewritten = Cli("audit checkpoints --data " + data + " --against " + other);
  EXPECT_EQ(rewritten.exit_code, 1) << rewritten.output;
  EXPECT_NE(rewritten.output.find("DIFFERS: the log was rewritten at or before this position"),
            std::string::npos)
      << rewritten.output;
  CommandResult nothing = Cli("audit checkpoints --data " + dir.sub("none"));
  EXPECT_EQ(nothing.exit_code, 2) << nothing.output;
  EXPECT_NE(nothing.output.find("no Clientele log"), std::string::npos) << nothing.output;
}

}  // namespace
}  // namespace clientele::testing
