// The API service: routes, authentication, permissions, idempotency and
// metrics over the command handler (writes) and the projections (reads).
// Free of the network library: api/http_server.h feeds it requests.
//
// Routes (all JSON; errors are problems, api/problem.h):
//   GET    /healthz, /readyz, /metrics                       no token
//   GET    /v1/openapi.json                                  no token
//   GET    /, /console/{file}                                no token (the console's files)
//   POST   /v1/customers                                     customers.create
//   GET    /v1/customers                                     customers.view    (the table)
//   GET    /v1/customers/export.csv[?consent=email|sms]      customers.view    (the table as CSV)
//   POST   /v1/customers/imports?mode=merge|replace          customers.manage  (body: CSV)
//   GET    /v1/customers/imports/{id}                        customers.manage
//   POST   /v1/customers/imports/{id}/confirm                customers.manage
//   GET    /v1/customers/duplicates?limit&cursor             customers.view    (candidate pairs)
//   GET    /v1/customers/{ref}                               customers.view    (ref: id or code)
//   PATCH  /v1/customers/{ref}                               customers.edit
//   PUT    /v1/customers/{ref}/consent                       customers.edit
//   GET    /v1/customers/{ref}/personal-data                 customers.export_personal
//   DELETE /v1/customers/{ref}                               customers.manage
//   POST   /v1/customers/{ref}/deactivate | /reactivate      customers.manage
//   POST   /v1/customers/{ref}/purchases | /refunds          customers.edit
//   POST   /v1/customers/{ref}/points/redeem | /adjust       customers.manage_loyalty
//   POST   /v1/customers/{ref}/credit/top-up | /deduct | /adjust   customers.manage_credit
//   POST   /v1/customers/{ref}/merge                         customers.manage  (domain/merge.h)
//   GET    /v1/customers/{ref}/history[?alias=false]         manage_loyalty or manage_credit
//   POST   /v1/batch                                         any of edit, manage,
//          manage_loyalty, manage_credit; each command needs its own route's
//          (api/batch_routes.cc)
// A {ref} of a customer merged into another resolves to the survivor (the
// merge route excepted, which names both customers as they are).
//   GET    /v1/customers/{ref}/audit?as_of=TIME              audit.read
//   GET    /v1/settings                                      customers.view or settings.manage
//   PUT    /v1/settings/loyalty-program                      settings.manage
//   PUT    /v1/settings/modules/{module}                     settings.manage
//   GET    /v1/events?after=POSITION&limit=N                 audit.read or sync
//   GET    /v1/sync/identity                                 sync or nodes.manage
//   GET    /v1/nodes                                         sync or nodes.manage
//   POST   /v1/nodes                                         nodes.manage (HQ only)
//   POST   /v1/nodes/{node}/revoke                           nodes.manage (HQ only)
//   POST   /v1/admin/backups                                 backups.create
//   GET    /v1/reports/{report}?date|from&to&format          reports.view (api/report_routes.cc)
//   POST   /v1/session  {"name", "password"}                 no token   (sign in: a cookie)
//   GET    /v1/session                                       the cookie (who is signed in)
//   DELETE /v1/session                                       no token   (sign out)
//   PUT    /v1/principals/{name}/password {"password"}       principals.manage
//
// Signing in (api/session_routes.cc): a principal with a password gets a
// session (api/sessions.h) in the cookie clientele_session (HttpOnly,
// SameSite=Strict, Secure over HTTPS), which then authenticates any route as
// a bearer token would; a request with both counts the bearer token. A
// request authenticated by the cookie with a method other than GET, HEAD or
// OPTIONS must carry X-CSRF-Token, the session's csrf_token, or it is refused
// (403 csrf_token_invalid) and changes nothing. Failed sign-ins are limited
// per name and per client address (api/lockout.h).
//
// Writes answer with the resulting customer (after the projections have
// caught up with the write) and its version as ETag; updates honour If-Match.
// A write with an Idempotency-Key replays its first response for the same
// key and body, also after a restart or a crash (api/idempotency.h: per
// principal, within a budget, 24 hours by the service's Clock), and is refused
// (422) for the same key with another body, 429 over the principal's budget.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <initializer_list>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/auth.h"
#include "api/http.h"
#include "api/idempotency.h"
#include "api/lockout.h"
#include "api/metrics.h"
#include "api/problem.h"
#include "api/sessions.h"
#include "commands/command_handler.h"
#include "domain/clock.h"
#include "eventstore/backup.h"
#include "eventstore/signing.h"
#include "imports/import_service.h"
#include "projections/customer_table.h"
#include "projections/projector.h"
#include "projections/reports.h"

namespace clientele::api {

class JsonBody;

struct ServiceOptions {
  std::string node = "hq";  // the node this server is
  // The chain's currency (ISO 4217), told to the console with the session.
  std::string currency = "EUR";
  std::chrono::milliseconds read_your_write_timeout{5000};
  // Where writes with an Idempotency-Key are remembered (api/idempotency.h);
  // without, the service keeps them in memory with `idempotency_options`.
  IdempotencyKeys* idempotency = nullptr;
  IdempotencyOptions idempotency_options;
  // Receives one JSON line per request: id, method, route, status, latency (µs).
  // Never a path, query or body, which may hold personal data.
  std::function<void(const std::string&)> log;
  // More gauges for /metrics (e.g. the Kafka sync's lag and counts).
  std::function<std::vector<Gauge>()> gauges;
  // Customer imports (imports/import_service.h); without, the import routes answer 503.
  ImportService* imports = nullptr;
  // This node's signing key: the events feed signs this node's events with it.
  const NodeKey* key = nullptr;
  // This node's sync (late join, gap repair) for GET /v1/sync/status: an
  // object with at least "state" and "ready"; "origins" if it lists them itself.
  std::function<boost::json::object()> sync_status;
  // What /readyz says of it: "state", "ready" (false: /readyz answers 503),
  // "detail" and "open_events" if any. Answered from memory, never waits.
  std::function<boost::json::object()> sync_readiness;
  // Makes a backup of this node's data in the folder `path` on its disk
  // (eventstore/backup.h); without, POST /v1/admin/backups answers 503.
  std::function<Result<BackupManifest>(const std::string& path)> backup;
  // The chain's reports (projections/reports.h); without, /v1/reports answers 503.
  const Reports* reports = nullptr;
  // Personal data between nodes (eventstore/data_keys.h): the wrapped data
  // key each event of the feeds carries ("data_key"), and the chain key
  // GET /v1/sync/chain-key hands to a store (HQ: "" elsewhere, 404).
  std::function<std::string(const RecordedEvent&)> carry_key;
  std::string chain_key;
  // The principals file (api/auth.h) the service's principals came from:
  // PUT /v1/principals/{name}/password rewrites it and reloads it (as
  // SIGHUP would). "": that route answers 503.
  std::string principals_file;
  // Sign-in sessions and the limit on failed sign-ins.
  SessionOptions sessions;
  LockoutOptions lockout;
  // Password hashes (about 64 MiB and 0.1 s each) computed at once; a sign-in
  // beyond answers 503 sign_in_busy.
  int max_concurrent_hashes = 4;
};

class Service {
 public:
  // Every pointer must outlive the service. `clock` is "now" for the routes,
  // the request log, and the expiry of idempotency keys and table cursors.
  Service(ServiceOptions options, EventStore* log, CommandHandler* commands, Projector* projector,
          Authenticator auth, Clock* clock);

  HttpResponse Handle(const HttpRequest& request);
  // For ServerOptions::admit: the answer refusing a request from its head
  // alone (no such route, method not allowed, no or a bad token, no
  // permission, a body that is not JSON, joining), or nullopt if its body may
  // be read. A refusal is logged and counted like any answer.
  std::optional<HttpResponse> Admit(const HttpRequest& head);
  // For ServerOptions::spool_to: where to write the body of an upload (a
  // customer file from a principal allowed to import), or "".
  std::string SpoolPath(const HttpRequest& head);
  // True for requests answered from memory without waiting on storage: a
  // server may answer them on its network threads.
  static bool AnswersFromMemory(const HttpRequest& request);

  struct RouteInfo {
    std::string method;              // "GET"
    std::string pattern;             // "/v1/customers/{ref}"
    std::vector<Permission> any_of;  // a token holding one of these; empty: no token
    bool write = false;
  };
  std::vector<RouteInfo> Routes() const;
  Metrics& metrics() { return metrics_; }
  // Replaces the principals (a reload of the principals file): from the next
  // request on, a removed token is refused and a new one accepted.
  void SetPrincipals(Authenticator auth) {
    auto fresh = std::make_shared<const Authenticator>(std::move(auth));
    std::lock_guard lock(auth_mu_);
    auth_ = std::move(fresh);
  }
  // false once draining: /readyz answers 503.
  void SetReady(bool ready) { ready_ = ready; }
  // true while a store copies HQ's log: every /v1 route but the sync status
  // answers 503 joining.
  void SetJoining(bool joining) { joining_ = joining; }

 private:
  struct Context;
  using Fn = std::function<HttpResponse(Service*, Context&)>;
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    std::vector<Permission> any_of;  // empty: no token needed
    bool write = false;
    Fn fn;
  };

  void Add(std::string method, std::string pattern, std::vector<Permission> any_of, bool write,
           Fn fn);
  HttpResponse Respond(const HttpRequest& request, bool admit_only);
  // `admit_only`: stop after the checks a request's head allows, answering
  // status 0 if they pass.
  HttpResponse Dispatch(const HttpRequest& request, std::string* route_name, bool admit_only);
  HttpResponse Idempotent(Context& ctx, const Route& route);

  // Route handlers (api/customer_routes.cc, api/admin_routes.cc).
  HttpResponse CreateCustomer(Context& ctx);
  HttpResponse GetCustomer(Context& ctx);
  HttpResponse ListCustomers(Context& ctx);
  HttpResponse EditCustomer(Context& ctx);
  HttpResponse DeleteCustomerRoute(Context& ctx);
  HttpResponse DeactivateCustomerRoute(Context& ctx);
  // GET /v1/sync/chain-key: {"chain_key": base64} for a store's first start.
  HttpResponse ChainKey(Context& ctx);
  // POST /v1/customers/{ref}/erase {"reason", "write_off_credit"}: erasure of
  // the personal data (domain/personal_data.h); answers the erased customer.
  HttpResponse EraseCustomerRoute(Context& ctx);
  HttpResponse ReactivateCustomerRoute(Context& ctx);
  HttpResponse RecordPurchaseRoute(Context& ctx);
  HttpResponse RefundRoute(Context& ctx);
  HttpResponse RedeemPointsRoute(Context& ctx);
  HttpResponse AdjustPointsRoute(Context& ctx);
  HttpResponse TopUpCreditRoute(Context& ctx);
  HttpResponse DeductCreditRoute(Context& ctx);
  HttpResponse AdjustCreditRoute(Context& ctx);
  // api/consent_routes.cc
  HttpResponse SetConsentRoute(Context& ctx);
  HttpResponse PersonalDataRoute(Context& ctx);
  HttpResponse ExportCustomers(Context& ctx);
  HttpResponse AnalyseImport(Context& ctx);
  HttpResponse GetImport(Context& ctx);
  HttpResponse ConfirmImport(Context& ctx);
  HttpResponse History(Context& ctx);
  HttpResponse Audit(Context& ctx);
  HttpResponse GetSettings(Context& ctx);
  HttpResponse SetProgram(Context& ctx);
  HttpResponse SetModule(Context& ctx);
  HttpResponse CreateBackupRoute(Context& ctx);
  // api/batch_routes.cc
  HttpResponse BatchRoute(Context& ctx);
  // api/merge_routes.cc
  HttpResponse MergeCustomersRoute(Context& ctx);
  HttpResponse DuplicatesRoute(Context& ctx);
  // api/report_routes.cc
  HttpResponse Report(Context& ctx);
  // api/sync_routes.cc
  HttpResponse Events(Context& ctx);
  HttpResponse OriginEvents(Context& ctx);
  HttpResponse Holdings(Context& ctx);
  HttpResponse SyncStatus(Context& ctx);
  // The feed's rendering of events, this node's own signed on the way.
  boost::json::array RenderFeed(std::vector<RecordedEvent>* events) const;
  // api/node_routes.cc
  HttpResponse Identity(Context& ctx);
  HttpResponse ListNodes(Context& ctx);
  HttpResponse EnrollNode(Context& ctx);
  HttpResponse RevokeNode(Context& ctx);
  // api/session_routes.cc
  HttpResponse SignIn(Context& ctx);
  HttpResponse GetSession(Context& ctx);
  HttpResponse SignOut(Context& ctx);
  HttpResponse SetPasswordRoute(Context& ctx);
  // The caller of a route that needs a principal: the bearer token's, else
  // the session cookie's (X-CSRF-Token checked for a write); the answer
  // refusing the request otherwise. Sets ctx.session_id for a cookie.
  std::expected<Principal, HttpResponse> Caller(Context& ctx);
  // The caller of a request: its bearer token, or else its session cookie
  // (with the CSRF token for a write). Caller also notes the session.
  std::expected<Principal, HttpResponse> CallerOf(const HttpRequest& req);
  // The session of the request's cookie and its principal, if both are valid.
  std::optional<std::pair<Session, Principal>> SignedIn(const HttpRequest& req);
  HttpResponse SessionAnswer(const Session& session, const Principal& principal);
  HttpResponse Health(Context& ctx);
  HttpResponse Ready(Context& ctx);
  HttpResponse MetricsText(Context& ctx);
  HttpResponse OpenApi(Context& ctx);
  // api/console_routes.cc
  HttpResponse ConsoleIndex(Context& ctx);
  HttpResponse ConsoleFileRoute(Context& ctx);

  // Shared by the handlers.
  // The table's search, filters and order from the query (parameters in
  // `more` are the caller's); nullopt with `errors` filled if any is bad.
  std::optional<TableSearch> ParseSearch(Context& ctx, const std::set<std::string>& more,
                                         StatusFilter status,
                                         std::vector<FieldError>* errors) const;
  // The customer `ref` (an id or a code) names, or the survivor it was
  // merged into (domain/merge.h); NotFound if there is none.
  Result<std::string> ResolveCustomer(const std::string& ref) const;
  // The customer `ref` names itself, aliases not followed.
  Result<std::string> NamedCustomer(const std::string& ref) const;
  // The version If-Match names (nullopt: none, or "*"); a malformed or weak
  // tag is refused ("invalid_if_match", "weak_etag").
  Result<std::optional<std::int64_t>> IfMatch(Context& ctx) const;
  // Resolves the {ref} customer, honours If-Match and runs the command.
  Result<CommandOutcome> RunCommand(Context& ctx, const CustomerCommand& cmd);
  HttpResponse Execute(Context& ctx, const CustomerCommand& cmd);
  // Parses the JSON body, which may hold only `fields`; `read` makes the
  // command from it, noting bad fields on the body. Answers the fields'
  // problems if there are any, else runs the command (Execute).
  HttpResponse ExecuteBody(Context& ctx, std::initializer_list<std::string_view> fields,
                           const std::function<CustomerCommand(JsonBody&)>& read);
  // Runs the command of api/command_bodies.h named `kind` from the body.
  HttpResponse ExecuteKind(Context& ctx, std::string_view kind);
  HttpResponse CustomerAfter(Context& ctx, const std::string& id, std::uint64_t position,
                             int status);
  HttpResponse SettingsAfter(std::uint64_t position);

  std::optional<HttpResponse> RefuseSettingsAtStore() const;

  ServiceOptions options_;
  EventStore* log_;
  CommandHandler* commands_;
  Projector* projector_;
  CustomerTable table_;
  // The principals; replaced whole by SetPrincipals.
  std::shared_ptr<const Authenticator> Principals() const {
    std::lock_guard lock(auth_mu_);
    return auth_;
  }
  mutable std::mutex auth_mu_;
  std::shared_ptr<const Authenticator> auth_;
  Clock* clock_;
  Metrics metrics_;
  std::atomic<bool> ready_{true};
  std::atomic<bool> joining_{false};
  std::mutex peers_mu_;
  // POST /v1/sync/holdings, by principal and reported node.
  std::map<std::string, boost::json::object> peer_reports_;
  std::vector<Route> routes_;

  // /readyz: when the projections last moved (by clock_), to tell a lag
  // from a stall.
  static constexpr std::int64_t kStalledMs = 30000;
  std::mutex progress_mu_;
  std::uint64_t progress_position_ = 0;
  std::int64_t progress_since_ms_ = -1;  // -1: not seen yet

  std::unique_ptr<IdempotencyKeys> own_idempotency_;  // when options_.idempotency is null
  IdempotencyKeys* idempotency_;

  Sessions sessions_;
  Lockout lockout_;
  std::atomic<int> hashing_{0};  // password hashes being computed
  std::mutex password_mu_;       // one password change at a time
};

}  // namespace clientele::api
