#include "app/serve.h"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "api/http_server.h"
#include "api/service.h"
#include "app/command_handler.h"
#include "app/line_log.h"
#include "eventstore/event_store.h"
#include "eventstore/system_clock.h"
#include "projections/projector.h"

namespace clientele {

namespace {

int Fail(const Status& s) {
  std::fprintf(stderr, "clientele: %s\n", s.ToString().c_str());
  return 2;
}

// The principals, creating a first one with every permission when the
// default file does not exist yet. Its token goes to DATA/first-token.
Result<api::Authenticator> Principals(const ServeConfig& c) {
  const std::string default_path = c.data + "/principals.json";
  if (c.principals == default_path && !std::filesystem::exists(default_path)) {
    auto token = api::Authenticator::CreateFirst(default_path, "admin");
    if (!token) return Error(token.error());
    const std::string token_file = c.data + "/first-token";
    {
      std::ofstream out(token_file, std::ios::trunc);
      out << *token << "\n";
    }
    std::filesystem::permissions(
        token_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    std::printf("created %s with an 'admin' principal; its token is in %s\n", default_path.c_str(),
                token_file.c_str());
  }
  return api::Authenticator::Load(c.principals);
}

}  // namespace

int RunServe(const ServeConfig& c) {
  // Signals are taken by sigwait below, on this thread only.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::error_code ec;
  std::filesystem::create_directories(c.data, ec);
  SystemClock clock;
  auto log = EventStore::Open({.path = c.data, .origin = c.node});
  if (!log) return Fail(log.error());
  CommandHandler commands(log->get(), c.node);
  if (Status s = commands.Init(); !s.ok()) return Fail(s);
  auto projector = Projector::Open(log->get(), c.data + "/projections");
  if (!projector) return Fail(projector.error());
  if (Status s = (*projector)->CatchUp(); !s.ok()) return Fail(s);
  (*projector)->Start();
  auto auth = Principals(c);
  if (!auth) return Fail(auth.error());

  LineLog request_log;
  api::ServiceOptions options;
  options.node = c.node;
  options.log = [&request_log](const std::string& line) { request_log.Write(line); };
  api::Service service(options, log->get(), &commands, projector->get(), std::move(*auth), &clock);
  api::ServerOptions server_options;
  server_options.address = c.address;
  server_options.port = c.port;
  server_options.network_threads = c.network_threads;
  server_options.worker_threads = c.worker_threads;
  server_options.max_body_bytes = static_cast<std::size_t>(c.max_body_bytes);
  server_options.max_header_bytes = static_cast<std::size_t>(c.max_header_bytes);
  server_options.read_timeout = std::chrono::milliseconds(c.read_timeout_ms);
  server_options.write_timeout = std::chrono::milliseconds(c.write_timeout_ms);
  server_options.idle_timeout = std::chrono::milliseconds(c.idle_timeout_ms);
  server_options.answer_inline = &api::Service::AnswersFromMemory;
  auto server = api::HttpServer::Start(
      server_options, [&service](const api::HttpRequest& r) { return service.Handle(r); });
  if (!server) return Fail(server.error());
  std::printf("clientele %s node %s listening on http://%s:%u (data %s)\n", c.role.c_str(),
              c.node.c_str(), c.address.c_str(), (*server)->port(), c.data.c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  std::printf("clientele: %s received, finishing requests in progress\n",
              sig == SIGTERM ? "SIGTERM" : "SIGINT");
  std::fflush(stdout);
  service.SetReady(false);
  (*server)->Stop();
  server->reset();
  projector->reset();
  log->reset();
  std::printf("clientele: stopped cleanly\n");
  return 0;
}

}  // namespace clientele
