// POST /v1/batch: many customer commands in one request (a POS back end after
// a shift, an e-commerce sync), their events appended in one group commit.
//
// Body: {"commands": [{"kind": "purchase", "customer": "<ref>",
//                      "idempotency_key": "...", "body": {...}}, ...]}
// with 1 to kMaxBatch commands. `kind` names a command of api/command_bodies.h
// and `body` is what its own route takes (absent: {}). Each command is judged
// as its own route judges it: the principal needs that route's permission
// (else its result is 403), its body the same fields, its customer must
// exist. With an idempotency_key a command keeps its result as its route
// would with an Idempotency-Key: the key used again with the same command
// in a batch answers the first result ("replayed": true), with another
// command 422 (a key first used on a route is another request: 422 too). With
// "if_match" (a version) a command is refused (412) unless its customer is at
// that version when its turn comes, as its route with If-Match. The batch
// itself takes neither header (422).
//
// Answer 200: {"results": [{"status": 200, "customer": {...}} |
//                          {"status": 4xx/5xx, "problem": {...}}, ...]}
// in the order of the commands. A customer is shown as it is after the whole
// batch. A bad envelope (not JSON, no commands, more than kMaxBatch, an
// unknown kind, a command without a customer) is refused whole (400, 422)
// and changes nothing.
#include <simdjson.h>

#include "api/command_bodies.h"
#include "api/json_body.h"
#include "api/problem.h"
#include "api/service_internal.h"

namespace clientele::api {

namespace {

constexpr std::size_t kMaxBatch = 1000;

struct Item {
  const CommandBody* what = nullptr;
  std::string ref;
  std::string key;                         // its idempotency key, "" for none
  std::optional<std::int64_t> if_version;  // its if_match
  std::optional<simdjson::dom::element> body;
  std::string fingerprint;
  std::string request_key;
  bool claimed = false;  // its key is claimed by this request: Finish it
  bool replayed = false;
  bool answered = false;
  HttpResponse answer;
  std::string customer_id;  // resolved
};

void Answer(Item* item, HttpResponse r) {
  item->answer = std::move(r);
  item->answered = true;
}

// The envelope's problems, each named by its place: "commands[3].kind".
std::vector<FieldError> ReadEnvelope(JsonBody& body, std::vector<Item>* items) {
  std::vector<FieldError> errors = body.errors();
  simdjson::dom::element list;
  if (body.root().at_key("commands").get(list) || list.is_null()) {
    errors.push_back({"commands", "required", "is required: a list of 1 to 1000 commands"});
    return errors;
  }
  simdjson::dom::array commands;
  if (list.get_array().get(commands)) {
    errors.push_back({"commands", "wrong_type", "must be a list of commands"});
    return errors;
  }
  if (commands.size() == 0) {
    errors.push_back({"commands", "empty_batch", "send at least one command"});
    return errors;
  }
  if (commands.size() > kMaxBatch) {
    errors.push_back({"commands", "too_many_commands",
                      "a batch holds at most " + std::to_string(kMaxBatch) + " commands, not " +
                          std::to_string(commands.size()) + "; split it"});
    return errors;
  }
  static constexpr std::array<std::string_view, 5> kFields = {"kind", "customer", "idempotency_key",
                                                              "if_match", "body"};
  std::size_t i = 0;
  for (simdjson::dom::element c : commands) {
    const std::string at = "commands[" + std::to_string(i++) + "].";
    auto command = JsonBody::Of(c, kFields);
    if (!command) {
      errors.push_back({at.substr(0, at.size() - 1), "not_an_object", "must be an object"});
      continue;
    }
    Item item;
    const auto kind = command->String("kind", true);
    const auto ref = command->String("customer", true);
    const auto key = command->String("idempotency_key");
    const auto body_object = command->Object("body");
    const auto if_match = command->Integer("if_match");
    if (if_match && *if_match < 0) {
      command->AddError("if_match", "invalid_if_match",
                        "must be the customer's version (its ETag's number), like 3");
    }
    if (kind) {
      item.what = FindCommandBody(*kind);
      if (item.what == nullptr) {
        std::string kinds;
        for (const CommandBody& b : CommandBodies()) {
          kinds += (kinds.empty() ? "" : ", ") + std::string(b.kind);
        }
        command->AddError("kind", "unknown_kind", "must be one of " + kinds);
      }
    }
    if (ref && ref->empty()) command->AddError("customer", "required", "must name a customer");
    if (key && (key->empty() || key->size() > 255)) {
      command->AddError("idempotency_key", "invalid_idempotency_key",
                        "must be 1 to 255 characters long");
    }
    for (const FieldError& e : command->errors()) {
      errors.push_back({at + e.field, e.reason, e.detail});
    }
    item.ref = ref.value_or("");
    item.key = key.value_or("");
    item.if_version = if_match;
    if (simdjson::dom::element e; body_object && !c.at_key("body").get(e)) item.body = e;
    items->push_back(std::move(item));
  }
  return errors;
}

}  // namespace

HttpResponse Service::BatchRoute(Context& ctx) {
  if (ctx.req.Header("if-match")) {
    return Problem(422, "if_match_on_batch",
                   "a batch takes no If-Match header: give each command that must find its "
                   "customer unchanged its own \"if_match\" (the customer's version)");
  }
  auto envelope = JsonBody::Parse(ctx.req.body, {"commands"});
  if (!envelope) return envelope.error();
  std::vector<Item> items;
  items.reserve(kMaxBatch);
  if (auto errors = ReadEnvelope(*envelope, &items); !errors.empty()) return Problem(errors);
  const std::int64_t now_ms = clock_->NowMs();

  // Each command needs its own route's permission.
  for (Item& item : items) {
    if (!ctx.principal.Can(item.what->permission)) {
      Answer(&item, Problem(403, "permission_denied",
                            "this needs the permission " +
                                std::string(PermissionName(item.what->permission))));
    }
  }
  // The keys, claimed together (one sync), as Service::Idempotent claims one.
  std::vector<std::pair<std::string, std::string>> keys;
  std::vector<Item*> keyed;
  for (Item& item : items) {
    if (item.answered || item.key.empty()) continue;
    const std::string body = item.body ? simdjson::minify(*item.body) : std::string();
    item.fingerprint =
        "batch " + std::string(item.what->kind) + ' ' + item.ref + ' ' + HashToken(body);
    keys.emplace_back(item.key, item.fingerprint);
    keyed.push_back(&item);
  }
  if (!keys.empty()) {
    auto claims = idempotency_->BeginMany(ctx.principal.name, keys);
    using V = IdempotencyKeys::Verdict;
    for (std::size_t k = 0; k < claims.size(); ++k) {
      Item& item = *keyed[k];
      if (!claims[k]) {
        metrics_.LimitHit("storage");
        Answer(&item,
               Problem(503, "storage_unavailable",
                       "this node cannot keep the idempotency key now (" +
                           claims[k].error().message() + "); nothing was done, retry later"));
        continue;
      }
      switch (claims[k]->verdict) {
        case V::kOtherRequest:
          Answer(&item, Problem(422, "idempotency_key_reused",
                                "this idempotency key was used with another command; use a new "
                                "key"));
          break;
        case V::kInFlight:
          Answer(&item, Problem(409, "idempotency_in_flight",
                                "a command with this idempotency key is still being processed; "
                                "retry"));
          break;
        case V::kOverBudget:
          metrics_.LimitHit("idempotency_keys");
          Answer(&item, Problem(429, "idempotency_budget_exceeded",
                                "this principal holds as many idempotency keys as it may; keys "
                                "expire after idempotency.lifetime_hours, or send the command "
                                "without a key"));
          break;
        case V::kReplay:
          Answer(&item, std::move(claims[k]->answer));
          item.replayed = true;
          break;
        case V::kRun:
        case V::kRecover:
          item.claimed = true;
          item.request_key =
              HashToken(options_.node + '\n' + ctx.principal.name + '\n' + item.key + '\n' +
                        item.fingerprint + '\n' + std::to_string(claims[k]->expires_ms));
          break;
      }
    }
  }
  // Bodies and customers, read as their routes read them.
  std::vector<BatchCommand> run;
  std::vector<Item*> running;
  for (Item& item : items) {
    if (item.answered) continue;
    auto body = item.body ? JsonBody::Of(*item.body, item.what->fields)
                          : JsonBody::Parse("{}", item.what->fields);
    if (!body) {
      Answer(&item, body.error());
      continue;
    }
    auto cmd = item.what->read(*body, now_ms);
    if (!cmd) {
      Answer(&item, cmd.error());
      continue;
    }
    auto id = ResolveCustomer(item.ref);
    if (!id) {
      Answer(&item, Problem(id.error()));
      continue;
    }
    run.push_back({*id, std::move(*cmd), item.request_key, item.if_version});
    running.push_back(&item);
  }
  if (!run.empty()) {
    auto outcomes = commands_->ExecuteBatch(run, ctx.principal.name);
    std::uint64_t last = 0;
    for (std::size_t k = 0; k < outcomes.size(); ++k) {
      if (!outcomes[k]) {
        Answer(running[k], Problem(outcomes[k].error()));
        continue;
      }
      running[k]->customer_id = outcomes[k]->customer_id;
      last = std::max(last, outcomes[k]->last_position);
    }
    // Read your writes: the customers once the table has every event of the batch.
    if (last > 0 && !projector_->WaitFor(last, options_.read_your_write_timeout)) {
      for (Item* item : running) {
        if (item->answered) continue;
        Answer(item, Problem(503, "projections_behind",
                             "the change was recorded (log position " + std::to_string(last) +
                                 ") but the customer table has not caught up yet; read it "
                                 "again shortly"));
      }
    }
    for (Item* item : running) {
      if (!item->answered) Answer(item, CustomerAfter(ctx, item->customer_id, 0, 200));
    }
  }
  // The answers of the keys run here are kept, as Service::Idempotent keeps one.
  std::vector<std::pair<std::string, const HttpResponse*>> finished;
  for (Item* item : keyed) {
    if (item->claimed) finished.emplace_back(item->key, &item->answer);
  }
  if (!finished.empty()) idempotency_->FinishMany(ctx.principal.name, finished);

  std::string out = R"({"results":[)";
  out.reserve(items.size() * 512);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const HttpResponse& r = items[i].answer;
    if (i > 0) out += ',';
    out += R"({"status":)";
    out += std::to_string(r.status);
    if (items[i].replayed) out += R"(,"replayed":true)";
    out += r.status < 300 ? R"(,"customer":)" : R"(,"problem":)";
    out += r.body.empty() ? "null" : r.body;
    out += '}';
  }
  out += "]}";
  HttpResponse response;
  response.status = 200;
  response.body = std::move(out);
  return response;
}

}  // namespace clientele::api
