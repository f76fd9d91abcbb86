#include "domain/merge.h"

#include "domain/customer.h"
#include "domain/ids.h"
#include "domain/money.h"
#include "domain/overloaded.h"
#include "domain/rules.h"
#include "domain/settings.h"

namespace clientele {

std::string MergeLinks::WinningMerge() const {
  for (const auto& [id, link] : out) {
    if (!link.voided) return id;
  }
  return "";
}

std::string MergeLinks::MergedInto() const {
  for (const auto& [id, link] : out) {
    if (!link.voided) return link.other_id;
  }
  return "";
}

std::vector<std::string> MergeLinks::AliasCodes() const {
  std::vector<std::string> codes;
  for (const auto& [id, link] : in) {
    if (!link.voided) codes.push_back(link.other_code);
  }
  return codes;
}

void MergeLinks::Apply(const CustomerEvent& event) {
  std::visit(Overloaded{
                 [&](const CustomerMerged& e) {
                   MergeLink& link = out[e.merge_id];
                   link.other_id = e.survivor_id;
                   link.other_code = e.survivor_code;
                 },
                 [&](const MergeReceived& e) {
                   MergeLink& link = in[e.merge_id];
                   link.other_id = e.duplicate_id;
                   link.other_code = e.duplicate_code;
                 },
                 [&](const MergeSettled& e) {
                   if (e.kind != "void") return;
                   // A void may arrive before the merge it undoes: the link
                   // is made voided, and the merge fills in its ends.
                   MergeLink& link = e.side == "duplicate" ? out[e.merge_id] : in[e.merge_id];
                   link.voided = true;
                   if (link.other_id.empty()) link.other_id = e.other_id;
                 },
                 [](const auto&) {},
             },
             event);
}

Result<MergePlan> DecideMerge(const CustomerState& s, const CustomerState& d,
                              const SettingsState& settings, const MergeCustomers& cmd) {
  if (!settings.modules.customers) {
    return Error(Status::FailedPrecondition("customers", "module_disabled",
                                            "the customers module is disabled"));
  }
  auto merge_id = ParseUuid(cmd.merge_id, "merge_id");
  if (!merge_id) return Error(merge_id.error());
  if (!s.registered) return Error(Status::NotFound("customer_not_found", "no such survivor"));
  if (!d.registered) {
    return Error(Status::NotFound("customer_not_found", "no such duplicate customer"));
  }
  if (s.id == d.id) {
    return Error(Status::InvalidArgument("duplicate", "merge_into_itself",
                                         "customer " + s.code + " cannot be merged into itself"));
  }
  if (s.deleted || d.deleted) {
    const CustomerState& gone = s.deleted ? s : d;
    return Error(Status::Conflict("customer_deleted",
                                  "customer " + gone.code + " was deleted and cannot be merged"));
  }
  if (s.erased || d.erased) {
    const CustomerState& gone = s.erased ? s : d;
    return Error(Status::Conflict("customer_erased",
                                  "customer " + gone.code + " was erased and cannot be merged"));
  }
  if (std::string into = d.merges.MergedInto(); !into.empty()) {
    return Error(
        Status::Conflict("already_merged", "customer " + d.code + " was already merged into " +
                                               d.merges.out.at(d.merges.WinningMerge()).other_code +
                                               "; merges are not undone or repeated"));
  }
  if (std::string into = s.merges.MergedInto(); !into.empty()) {
    return Error(Status::Conflict("survivor_merged",
                                  "customer " + s.code + " was itself merged into " +
                                      s.merges.out.at(s.merges.WinningMerge()).other_code +
                                      "; merge into that customer instead"));
  }
  if (s.merges.out.contains(*merge_id) || d.merges.out.contains(*merge_id) ||
      s.merges.in.contains(*merge_id)) {
    return Error(Status::Conflict("merge_id_reused", "this merge id was used before"));
  }
  if (!CheckedAdd(s.points, d.points) || !CheckedAdd(s.credit, d.credit) ||
      !CheckedAdd(s.total_spent, d.total_spent)) {
    return Error(
        Status::InvalidArgument("duplicate", "overflow", "the merged balances would overflow"));
  }
  MergePlan plan;
  plan.duplicate.push_back(
      CustomerMerged{*merge_id, s.id, s.code, d.points, d.credit, d.total_spent, d.last_visit_ms});
  plan.survivor.push_back(
      MergeReceived{*merge_id, d.id, d.code, d.points, d.credit, d.total_spent, d.last_visit_ms});
  DetailsPatch fill;
  for (DetailField f : kAllDetailFields) {
    auto pick = cmd.fields.find(f);
    const bool take_duplicate =
        pick != cmd.fields.end() ? pick->second == MergeSide::kDuplicate : s.details[f].empty();
    if (take_duplicate && !d.details[f].empty() && d.details[f] != s.details[f]) {
      fill[f] = d.details[f];
    }
  }
  if (!fill.empty()) plan.survivor.push_back(CustomerDetailsChanged{std::move(fill)});
  return plan;
}

std::string ResolveAlias(
    const std::string& id,
    const std::function<std::pair<std::string, std::string>(const std::string&)>& merged_into) {
  std::vector<std::pair<std::string, std::string>> path;  // (customer, its merge id)
  std::string at = id;
  for (int hop = 0; hop < 64; ++hop) {
    for (std::size_t i = 0; i < path.size(); ++i) {
      if (path[i].first != at) continue;
      // A cycle from path[i]: it resolves to the customer whose merge is
      // the largest in the cycle.
      std::size_t loser = i;
      for (std::size_t j = i; j < path.size(); ++j) {
        if (path[j].second > path[loser].second) loser = j;
      }
      return path[loser].first;
    }
    auto [next, merge] = merged_into(at);
    if (next.empty()) return at;
    path.emplace_back(at, merge);
    at = next;
  }
  return at;
}

}  // namespace clientele
