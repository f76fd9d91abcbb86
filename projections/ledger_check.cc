#include "projections/ledger_check.h"

#include <openssl/evp.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "domain/event_codec.h"
#include "domain/ids.h"
#include "domain/ledger.h"
#include "domain/nodes.h"
#include "domain/time.h"
#include "eventstore/base64.h"
#include "eventstore/coding.h"
#include "eventstore/record_format.h"
#include "eventstore/signing.h"
#include "projections/internal/extract_reading.h"
#include "projections/ledger_extract.h"

namespace clientele {

namespace {

namespace dom = simdjson::dom;
using extract_internal::Fields;
using extract_internal::LineReader;

// What the header says, shared read-only by the threads checking lines.
struct Header {
  std::string node;
  std::int64_t from_ms = 0, to_ms = 0;
  NodeRegistry registry;
};

// What one line says, once checked on its own.
struct Facts {
  enum class Kind { kOpening, kEvent, kEntry, kEnd };
  Kind kind = Kind::kEvent;
  std::string problem;  // "" if the line is fine on its own
  std::string id;
  std::string customer;
  std::uint64_t position = 0;
  std::int64_t version = 0;
  std::int64_t points_change = 0, credit_change = 0, points_after = 0, credit_after = 0;
  std::string prev_hash, hash;  // 32 bytes each
  bool signed_event = false;
  // The end line.
  std::uint64_t lines = 0, entries = 0, customers = 0;
  std::string digest, key, signature;

  // As new, keeping the strings' buffers.
  void Reset() {
    kind = Kind::kEvent;
    problem.clear();
    id.clear();
    customer.clear();
    position = 0;
    version = points_change = credit_change = points_after = credit_after = 0;
    signed_event = false;
  }
};

// SHA-256(a || b), with one hasher per thread.
std::string Sha256(std::string_view a, std::string_view b) {
  thread_local record::ChainHasher hasher;
  return hasher.Next(a, b);
}

std::string Num(std::int64_t v) { return std::to_string(v); }
std::string Num(std::uint64_t v) { return std::to_string(v); }

// Checks an event or entry line on its own.
void CheckEvent(dom::object o, bool entry, const Header& header, ProofVerifier* verifier,
                Facts* f) {
  f->kind = entry ? Facts::Kind::kEntry : Facts::Kind::kEvent;
  Fields in(o);
  f->position = in.Uint("position");
  f->id = in.Str("id");
  const std::string_view type = in.Str("type");
  f->customer = in.Str("customer");
  f->version = in.Int("version");
  const std::string_view origin = in.Str("origin");
  const std::uint64_t seq = in.Uint("seq");
  const std::string_view time = in.Str("time");
  const bool in_window = in.Bool("in_window");
  if (entry) {
    f->points_change = in.Int("points_change");
    f->credit_change = in.Int("credit_change");
    f->points_after = in.Int("points_after");
    f->credit_after = in.Int("credit_after");
  }
  in.Hash("prev_hash", &f->prev_hash);
  in.Hash("hash", &f->hash);
  const std::uint64_t format = in.Uint("format");
  thread_local std::string canonical, value;  // buffers reused line after line
  thread_local RecordedEvent e;
  in.Base64("canonical", &canonical);
  if (!in.problem().empty()) {
    f->problem = in.problem();
    return;
  }
  // The record the link covers, and that it is the one the line describes.
  if (format != record::kFormat && format != record::kFormatUnsequenced) {
    f->problem = "format " + std::to_string(format) + " is no record format";
    return;
  }
  // (Bytes that decode to the same values but are not canonical would not be
  // the node's: their hash differs from its chain's, which is what a link
  // checked against the node, or a checkpoint, shows.)
  value.clear();
  value.push_back(static_cast<char>(format));
  value += f->hash;
  value += canonical;
  if (!record::DecodeRecord(value, &e).ok()) {
    f->problem = "the canonical bytes are not a well-formed record";
    return;
  }
  if (Sha256(f->prev_hash, canonical) != f->hash) {
    f->problem =
        "broken link: SHA-256(prev_hash || canonical) is not the line's hash (the event or its "
        "link was altered)";
    return;
  }
  auto differs = [&](const char* field, const std::string& line, const std::string& record) {
    f->problem = std::string("the line's ") + field + " is " + line +
                 " but the hashed record says " + record;
  };
  if (e.position != f->position) return differs("position", Num(f->position), Num(e.position));
  if (e.id != f->id) return differs("id", f->id, e.id);
  if (e.type != type) return differs("type", std::string(type), e.type);
  if (!e.stream.starts_with(kCustomerStreamPrefix) ||
      std::string_view(e.stream).substr(kCustomerStreamPrefix.size()) != f->customer) {
    return differs("customer", f->customer, "stream " + e.stream);
  }
  if (e.version != f->version) return differs("version", Num(f->version), Num(e.version));
  if (e.origin != origin) return differs("origin", std::string(origin), e.origin);
  if (e.seq != seq) return differs("seq", Num(seq), Num(e.seq));
  const std::string event_time = FormatTime(e.time_ms);
  if (event_time != time) return differs("time", std::string(time), event_time);
  if (in_window != (e.time_ms >= header.from_ms && e.time_ms < header.to_ms)) {
    f->problem =
        std::string("in_window is ") + (in_window ? "true" : "false") + " for time " + event_time;
    return;
  }
  // The amounts, from the payload.
  auto decoded = DecodeCustomerEvent(e.type, e.schema, e.data);
  if (!decoded) {
    f->problem = "the payload does not decode: " + decoded.error().message();
    return;
  }
  const LedgerEffect effect = EffectOf(*decoded);
  if (effect.entry != entry) {
    f->problem = entry ? "the line is an entry but its record changes no points or credit"
                       : "the line is a mere event but its record is a points or credit entry";
    return;
  }
  if (entry && effect.points != f->points_change) {
    return differs("points_change", Num(f->points_change), Num(effect.points));
  }
  if (entry && effect.credit != f->credit_change) {
    return differs("credit_change", Num(f->credit_change), Num(effect.credit));
  }
  // The proof of origin.
  if (e.signature.empty()) {
    if (e.origin != header.node && e.seq != 0) {
      f->problem = "the event of " + e.origin + " carries no proof of origin";
    }
    return;
  }
  const std::string_view key = ProofKey(e.signature);
  if (key.empty()) {
    f->problem = "the event's proof of origin is malformed";
    return;
  }
  if (Status s = header.registry.MaySign(e.origin, PublicKeyText(key), e.seq); !s.ok()) {
    f->problem = "proof of origin: " + s.message();
    return;
  }
  if (Status s = verifier->Verify(e); !s.ok()) {
    f->problem = "proof of origin: " + s.message();
    return;
  }
  f->signed_event = true;
}

// Checks one line (not the header) on its own.
void CheckLine(dom::parser* parser, std::string_view line, const Header& header,
               ProofVerifier* verifier, Facts* f) {
  dom::object o;
  if (parser->parse(line.data(), line.size(), false).get_object().get(o) != simdjson::SUCCESS) {
    f->problem = "the line is not a JSON object";
    return;
  }
  dom::object inner;
  if (o["opening"].get_object().get(inner) == simdjson::SUCCESS) {
    f->kind = Facts::Kind::kOpening;
    Fields in(inner);
    f->customer = in.Str("customer");
    in.Str("code");
    f->version = in.Int("version");
    f->points_after = in.Int("points");
    f->credit_after = in.Int("credit");
    f->problem = in.problem();
    return;
  }
  if (o["end"].get_object().get(inner) == simdjson::SUCCESS) {
    f->kind = Facts::Kind::kEnd;
    Fields in(inner);
    f->lines = in.Uint("lines");
    f->entries = in.Uint("entries");
    f->customers = in.Uint("customers");
    in.Hash("digest", &f->digest);
    if (inner["signature"].error() != simdjson::NO_SUCH_FIELD) {
      f->key = in.Base64("key");
      f->signature = in.Base64("signature");
    }
    f->problem = in.problem();
    return;
  }
  std::string_view kind;
  if (o["kind"].get_string().get(kind) != simdjson::SUCCESS ||
      (kind != "entry" && kind != "event")) {
    f->problem = "the line is neither an opening, an entry, an event nor the end";
    return;
  }
  CheckEvent(o, kind == "entry", header, verifier, f);
}

Status ReadHeader(std::string_view line, Header* header, LedgerCheckReport* report) {
  dom::parser parser;
  dom::object o;
  auto bad = [](std::string why) {
    return Status::InvalidArgument("header", "bad_header", std::move(why));
  };
  if (parser.parse(line.data(), line.size()).get_object().get(o) != simdjson::SUCCESS) {
    return bad("the first line is not a JSON object");
  }
  Fields in(o);
  if (in.Str("extract") != kLedgerExtractFormat) {
    return bad("the first line does not say \"extract\":\"" + std::string(kLedgerExtractFormat) +
               "\": not a ledger extract, or another version");
  }
  report->node = header->node = in.Str("node");
  report->from = in.Str("from");
  report->to = in.Str("to");
  std::string_view customer;
  if (o["customer"].get_string().get(customer) == simdjson::SUCCESS) report->customer = customer;
  dom::object head;
  if (o["log_head"].get_object().get(head) == simdjson::SUCCESS) {
    Fields h(head);
    report->log_head = h.Uint("position");
    report->log_head_hash = h.Str("hash");
  }
  if (!in.problem().empty()) return bad("header: " + in.problem());
  auto from = ParseTime(report->from, 0);
  auto to = ParseTime(report->to, 0);
  if (!from || !to) return bad("header: from or to is not a time");
  header->from_ms = *from;
  header->to_ms = *to;
  dom::array keys;
  if (o["keys"].get_array().get(keys) != simdjson::SUCCESS) return bad("header: no 'keys' list");
  for (dom::element k : keys) {
    dom::object ko;
    if (k.get_object().get(ko) != simdjson::SUCCESS) return bad("header: a key is no object");
    Fields kf(ko);
    NodeKeyState state;
    state.node = kf.Str("node");
    const std::string key(kf.Str("key"));
    state.revoked = kf.Bool("revoked");
    state.valid_through = kf.Uint("valid_through");
    if (!kf.problem().empty()) return bad("header: a key's " + kf.problem());
    header->registry.keys[key] = state;
  }
  return Status::OK();
}

}  // namespace

Result<LedgerCheckReport> CheckLedger(const std::string& path, int threads) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) return Error(Status::Unavailable("cannot read " + path));
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  LedgerCheckReport report;
  Header header;
  ProofVerifier verifier;
  LineReader reader(file.get());
  std::vector<std::string_view> lines;
  std::vector<Facts> facts;
  std::vector<dom::parser> parsers(static_cast<std::size_t>(threads));

  EVP_MD_CTX* digest_ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(digest_ctx, EVP_sha256(), nullptr);
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> digest_owner(digest_ctx, &EVP_MD_CTX_free);

  struct Balance {
    std::int64_t version = 0;
    std::int64_t points = 0, credit = 0;
  };
  std::unordered_map<std::string, Balance> customers;
  std::uint64_t line_no = 0;
  std::uint64_t last_position = 0;
  std::string last_hash;
  std::optional<Facts> end;
  bool header_read = false;
  bool digested_end = false;  // the digest reached the end line

  auto fail = [&](std::uint64_t at, const std::string& id, std::string problem) {
    report.ok = false;
    report.bad_line = at;
    report.bad_event = id;
    report.problem = std::move(problem);
    return report;
  };

  while (reader.Next(&lines)) {
    std::size_t first = 0;
    if (!header_read) {
      header_read = true;
      ++line_no;
      EVP_DigestUpdate(digest_ctx, lines[0].data(), reader.WithNewline(lines[0]).size());
      if (Status s = ReadHeader(lines[0], &header, &report); !s.ok()) {
        return fail(1, "", s.message());
      }
      first = 1;
    }
    // Each line on its own, in parallel.
    const std::size_t n = lines.size() - first;
    if (facts.size() < n) facts.resize(n);
    for (std::size_t i = 0; i < n; ++i) facts[i].Reset();
    const std::size_t per =
        (n + static_cast<std::size_t>(threads) - 1) / static_cast<std::size_t>(threads);
    auto work = [&](std::size_t t) {
      const std::size_t begin = t * per, stop = std::min(n, begin + per);
      for (std::size_t i = begin; i < stop; ++i) {
        CheckLine(&parsers[t], lines[first + i], header, &verifier, &facts[i]);
      }
    };
    std::vector<std::thread> pool;
    // Meanwhile the digest of every line before the end line.
    if (!digested_end) {
      std::size_t stop = first;
      while (stop < lines.size() && !lines[stop].starts_with("{\"end\":")) ++stop;
      digested_end = stop < lines.size();
      pool.emplace_back([&, stop] {
        for (std::size_t i = first; i < stop; ++i) {
          EVP_DigestUpdate(digest_ctx, lines[i].data(), reader.WithNewline(lines[i]).size());
        }
      });
    }
    for (std::size_t t = 1; t < static_cast<std::size_t>(threads) && t * per < n; ++t) {
      pool.emplace_back(work, t);
    }
    work(0);
    for (auto& th : pool) th.join();

    // Then across lines, in order.
    for (std::size_t i = 0; i < n; ++i) {
      ++line_no;
      Facts& f = facts[i];
      if (end) return fail(line_no, f.id, "a line after the end line");
      if (!f.problem.empty()) return fail(line_no, f.id, f.problem);
      if (f.kind == Facts::Kind::kEnd) {
        end = std::move(f);
        continue;
      }
      if (f.kind == Facts::Kind::kOpening) {
        auto [it, fresh] = customers.try_emplace(f.customer);
        if (!fresh) return fail(line_no, "", "a second opening line for customer " + f.customer);
        it->second = {f.version, f.points_after, f.credit_after};
        continue;
      }
      if (f.position <= last_position) {
        return fail(line_no, f.id,
                    "position " + std::to_string(f.position) + " is not after the line before's (" +
                        std::to_string(last_position) + "): lines were reordered or repeated");
      }
      if (f.position == last_position + 1 && f.prev_hash != last_hash) {
        return fail(line_no, f.id,
                    "broken link: prev_hash is not the hash of position " +
                        std::to_string(last_position) + " on the line before");
      }
      last_position = f.position;
      last_hash = f.hash;
      auto it = customers.find(f.customer);
      if (it == customers.end()) {
        return fail(line_no, f.id,
                    "customer " + f.customer + " has no opening line before its first line");
      }
      Balance& b = it->second;
      if (f.version != b.version + 1) {
        return fail(line_no, f.id,
                    "customer " + f.customer + "'s stream goes from version " +
                        std::to_string(b.version) + " to " + std::to_string(f.version) +
                        (f.version > b.version + 1 ? ": a line of it is missing"
                                                   : ": lines were reordered or repeated"));
      }
      b.version = f.version;
      ++report.lines;
      if (f.signed_event) {
        ++report.signed_events;
      } else {
        ++report.unsigned_events;
      }
      if (f.kind != Facts::Kind::kEntry) continue;
      ++report.entries;
      b.points += f.points_change;
      b.credit += f.credit_change;
      if (f.points_after != b.points) {
        return fail(line_no, f.id,
                    "points_after is " + Num(f.points_after) + " but opening + changes give " +
                        Num(b.points));
      }
      if (f.credit_after != b.credit) {
        return fail(line_no, f.id,
                    "credit_after is " + Num(f.credit_after) + " but opening + changes give " +
                        Num(b.credit));
      }
    }
  }
  if (reader.failed()) return Error(Status::Unavailable("reading " + path + " failed"));
  if (!header_read) return fail(1, "", "the file is empty");
  report.customers = customers.size();
  if (!end) return fail(line_no + 1, "", "the extract has no end line: it was cut short");
  const std::uint64_t end_line = line_no;  // the end line is the last
  auto count = [&](const char* what, std::uint64_t says, std::uint64_t found) {
    return fail(end_line, "",
                std::string("the end line counts ") + std::to_string(says) + " " + what +
                    " but the extract has " + std::to_string(found) +
                    ": lines were removed or added");
  };
  if (end->lines != report.lines) return count("lines", end->lines, report.lines);
  if (end->entries != report.entries) return count("entries", end->entries, report.entries);
  if (end->customers != report.customers) {
    return count("customers", end->customers, report.customers);
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(digest_ctx, md, &len);
  const std::string digest(reinterpret_cast<char*>(md), len);
  if (digest != end->digest) {
    return fail(end_line, "",
                "the digest of the lines is not the end line's: the extract was altered after it "
                "was made");
  }
  if (!end->signature.empty()) {
    std::string message(kLedgerSignedPrefix);
    message += digest;
    if (!VerifySignature(end->key, message, end->signature)) {
      return fail(end_line, "", "the end line's signature does not verify");
    }
    const std::string text = PublicKeyText(end->key);
    auto known = header.registry.keys.find(text);
    report.signed_by =
        (known == header.registry.keys.end() ? std::string("a key not in the registry")
                                             : known->second.node) +
        " (key fingerprint " + KeyFingerprint(end->key) + ")";
  }
  return report;
}

}  // namespace clientele
