#include "projections/table_index.h"

#include <algorithm>
#include <bit>
#include <unordered_map>

#include "projections/search_text.h"

namespace clientele {

namespace {

// Results up to this size are sorted directly rather than found by walking a
// built order.
constexpr std::size_t kDirectSort = 4096;

struct ParsedQuery {
  std::vector<std::string> words;  // folded
  std::string digits;
  bool by_phone = false;  // one run of digits
};

ParsedQuery Parse(std::string_view query) {
  ParsedQuery p;
  std::string folded = Fold(query);
  for (std::size_t start = 0; start < folded.size();) {
    std::size_t end = folded.find(' ', start);
    if (end == std::string::npos) end = folded.size();
    p.words.push_back(folded.substr(start, end - start));
    start = end + 1;
  }
  bool phone_like = true;
  for (char c : query) {
    phone_like = phone_like && ((c >= '0' && c <= '9') || c == ' ' || c == '+' || c == '-' ||
                                c == '(' || c == ')' || c == '.' || c == '/');
  }
  p.digits = Digits(query);
  p.by_phone = phone_like && p.digits.size() >= 3;
  return p;
}

// Up to 8 bytes of `s` (stopping at '\n') as a big-endian number, zero-padded:
// numbers order like the strings' first 8 bytes.
std::uint64_t Pack(const char* s, std::size_t max) {
  std::uint64_t k = 0;
  std::size_t i = 0;
  for (; i < 8 && i < max && s[i] != '\n'; ++i) k = k << 8 | static_cast<unsigned char>(s[i]);
  return k << (8 * (8 - i));
}

// Whether a '\n'-ended word of `words` starts with (or equals) `w`.
bool HasWord(std::string_view words, std::string_view w, bool exact) {
  for (std::size_t at = 0; at < words.size();) {
    std::size_t end = words.find('\n', at);
    std::string_view word = words.substr(at, end - at);
    if (exact ? word == w : word.starts_with(w)) return true;
    at = end + 1;
  }
  return false;
}

int Cmp(std::string_view a, std::string_view b) {
  int c = a.compare(b);
  return (c > 0) - (c < 0);
}

int Cmp(std::int64_t a, std::int64_t b) { return (a > b) - (a < b); }

void SetBit(std::vector<std::uint64_t>* bits, std::uint32_t row) {
  (*bits)[row >> 6] |= std::uint64_t{1} << (row & 63);
}

bool Bit(const std::vector<std::uint64_t>& bits, std::uint32_t row) {
  return (bits[row >> 6] >> (row & 63)) & 1;
}

bool IsName(SortField f) { return f == SortField::kFirstName || f == SortField::kLastName; }

int NumberIndex(SortField f) {
  return f == SortField::kPoints ? 0 : f == SortField::kCredit ? 1 : 2;
}

}  // namespace

std::string_view SortFieldName(SortField f) {
  switch (f) {
    case SortField::kFirstName:
      return "first_name";
    case SortField::kLastName:
      return "last_name";
    case SortField::kPoints:
      return "points";
    case SortField::kCredit:
      return "credit";
    case SortField::kLastVisit:
      return "last_visit";
  }
  return "";
}

std::optional<SortField> ParseSortField(std::string_view name) {
  for (SortField f : {SortField::kFirstName, SortField::kLastName, SortField::kPoints,
                      SortField::kCredit, SortField::kLastVisit}) {
    if (SortFieldName(f) == name) return f;
  }
  return std::nullopt;
}

std::uint64_t TableIndex::Key8(std::uint32_t off) const {
  return Pack(arena_.data() + off, arena_.size() - off);
}

void TableIndex::Set(std::uint32_t row, const IndexedRow& r) {
  ++version_;
  const bool fresh = row == text_.size();
  if (fresh) {
    text_.emplace_back();
    flags_.push_back(0);
    points_.push_back(0);
    credit_.push_back(0);
    visit_.push_back(0);
    text_dirty_.push_back(0);
    num_dirty_.push_back(0);
  }
  std::string t;
  AppendWords(r.last_name, &t);
  const std::size_t last = t.size();
  AppendWords(r.first_name, &t);
  const std::size_t first = t.size() - last;
  AppendWords(r.email, &t);
  AppendWords(r.phone, &t);
  AppendWords(r.code, &t);
  const std::size_t words = t.size();
  t += Digits(r.phone);

  Text& cur = text_[row];
  const std::size_t old_size = std::size_t{cur.words} + cur.digits;
  if (fresh || std::string_view(arena_.data() + cur.off, old_size) != t || cur.last != last ||
      cur.first != first) {
    arena_live_ = arena_live_ + t.size() - (fresh ? 0 : old_size);
    cur = {static_cast<std::uint32_t>(arena_.size()), static_cast<std::uint16_t>(last),
           static_cast<std::uint16_t>(first), static_cast<std::uint16_t>(words),
           static_cast<std::uint16_t>(t.size() - words)};
    arena_ += t;
    if (!text_dirty_[row]) {
      text_dirty_[row] = 1;
      text_dirty_rows_.push_back(row);
    }
  }
  if (const int b = Bucket(flags_[row], points_[row], credit_[row]); b >= 0) --listed_[b];
  flags_[row] = static_cast<std::uint8_t>((r.listed ? kListed : 0) | (r.active ? kActive : 0));
  if (const int b = Bucket(flags_[row], r.points, r.credit); b >= 0) ++listed_[b];
  if (fresh || points_[row] != r.points || credit_[row] != r.credit ||
      visit_[row] != r.last_visit_ms) {
    points_[row] = r.points;
    credit_[row] = r.credit;
    visit_[row] = r.last_visit_ms;
    if (!num_dirty_[row]) {
      num_dirty_[row] = 1;
      num_dirty_rows_.push_back(row);
    }
  }
}

void TableIndex::Maintain(bool force) {
  Rebuild(force, std::max<std::size_t>(kSettledRows, text_.size() / 16));
}

void TableIndex::Settle() { Rebuild(false, kSettledRows); }

void TableIndex::Rebuild(bool force, std::size_t limit) {
  const bool text =
      force || text_dirty_rows_.size() > limit || arena_.size() > 2 * arena_live_ + (1 << 20);
  const bool numbers = force || num_dirty_rows_.size() > limit;
  if (!text && !numbers) return;
  std::vector<std::uint32_t> id_rank(text_.size());  // each row's place in id order
  {
    const std::vector<std::uint32_t> by_id = ids_->SortedRows();
    for (std::uint32_t i = 0; i < by_id.size(); ++i) id_rank[by_id[i]] = i;
  }
  if (text) BuildText(id_rank);
  if (numbers) BuildNumbers(id_rank);
}

void TableIndex::BuildText(const std::vector<std::uint32_t>& id_rank) {
  const auto n = static_cast<std::uint32_t>(text_.size());
  if (arena_.size() > arena_live_ + arena_live_ / 4) {  // compact to the current rows' text
    std::string arena;
    arena.reserve(arena_live_);
    for (Text& t : text_) {
      const std::uint32_t off = static_cast<std::uint32_t>(arena.size());
      arena.append(arena_, t.off, std::size_t{t.words} + t.digits);
      t.off = off;
    }
    arena_.swap(arena);
    arena_live_ = arena_.size();
  }

  // Word starts, placed by first byte, then each first byte's share sorted.
  std::vector<std::size_t> start(257, 0);
  auto for_each_word = [&](auto fn) {
    for (std::uint32_t row = 0; row < n; ++row) {
      const Text& t = text_[row];
      for (std::uint32_t at = t.off, end = t.off + t.words; at < end;) {
        fn(at, row);
        while (arena_[at] != '\n') ++at;
        ++at;
      }
    }
  };
  for_each_word([&](std::uint32_t off, std::uint32_t) {
    ++start[static_cast<unsigned char>(arena_[off]) + 1];
  });
  for (int b = 0; b < 256; ++b) start[b + 1] += start[b];
  words_.assign(start[256], Entry{0, 0});
  {
    std::vector<std::size_t> next(start.begin(), start.end() - 1);
    for_each_word([&](std::uint32_t off, std::uint32_t row) {
      words_[next[static_cast<unsigned char>(arena_[off])]++] = {off, row};
    });
  }
  std::vector<std::pair<std::uint64_t, Entry>> keyed;
  auto less = [&](const std::pair<std::uint64_t, Entry>& a,
                  const std::pair<std::uint64_t, Entry>& b) {
    if (a.first != b.first) return a.first < b.first;
    if ((a.first & 0xff) == 0) return false;  // both shorter than 8 bytes: equal
    const char* x = arena_.data() + a.second.off + 8;
    const char* y = arena_.data() + b.second.off + 8;
    for (;; ++x, ++y) {
      if (*x != *y) {
        return *x == '\n' ||
               (*y != '\n' && static_cast<unsigned char>(*x) < static_cast<unsigned char>(*y));
      }
      if (*x == '\n') return false;
    }
  };
  for (int b = 0; b < 256; ++b) {
    if (start[b + 1] - start[b] < 2) continue;
    keyed.clear();
    for (std::size_t i = start[b]; i < start[b + 1]; ++i) {
      keyed.emplace_back(Key8(words_[i].off), words_[i]);
    }
    std::sort(keyed.begin(), keyed.end(), less);
    for (std::size_t i = start[b]; i < start[b + 1]; ++i) words_[i] = keyed[i - start[b]].second;
  }
  keyed = {};

  // Rows by each 3-digit run of their phone, each row once per run.
  gram_start_.assign(1001, 0);
  std::vector<std::uint32_t> seen(1000, UINT32_MAX);
  auto for_each_gram = [&](auto fn) {
    for (std::uint32_t row = 0; row < n; ++row) {
      std::string_view d = DigitsOf(text_[row]);
      for (std::size_t i = 0; i + 3 <= d.size(); ++i) {
        const int g = (d[i] - '0') * 100 + (d[i + 1] - '0') * 10 + (d[i + 2] - '0');
        if (seen[g] != row) {
          seen[g] = row;
          fn(g, row);
        }
      }
    }
  };
  for_each_gram([&](int g, std::uint32_t) { ++gram_start_[g + 1]; });
  for (int g = 0; g < 1000; ++g) gram_start_[g + 1] += gram_start_[g];
  gram_rows_.assign(gram_start_[1000], 0);
  {
    std::vector<std::uint32_t> next(gram_start_.begin(), gram_start_.end() - 1);
    std::fill(seen.begin(), seen.end(), UINT32_MAX);
    for_each_gram([&](int g, std::uint32_t row) { gram_rows_[next[g]++] = row; });
  }

  // Name orders: each distinct name ranked once, then rows sorted by ranks.
  auto name_ranks = [&](bool last) {
    std::unordered_map<std::string_view, std::uint32_t> distinct;
    std::vector<std::string_view> names;
    std::vector<std::uint32_t> of_row(n);
    for (std::uint32_t row = 0; row < n; ++row) {
      std::string_view name = last ? LastName(text_[row]) : FirstName(text_[row]);
      auto [it, added] = distinct.try_emplace(name, static_cast<std::uint32_t>(names.size()));
      if (added) names.push_back(name);
      of_row[row] = it->second;
    }
    std::vector<std::uint32_t> by_name(names.size()), rank(names.size());
    for (std::uint32_t i = 0; i < by_name.size(); ++i) by_name[i] = i;
    std::sort(by_name.begin(), by_name.end(),
              [&](std::uint32_t a, std::uint32_t b) { return names[a] < names[b]; });
    for (std::uint32_t i = 0; i < by_name.size(); ++i) rank[by_name[i]] = i;
    for (std::uint32_t& r : of_row) r = rank[r];
    return of_row;
  };
  const std::vector<std::uint32_t> last_rank = name_ranks(true), first_rank = name_ranks(false);
  struct Keyed {
    std::uint64_t names;
    std::uint32_t id, row;
  };
  std::vector<Keyed> by_key(n);
  for (SortField f : {SortField::kLastName, SortField::kFirstName}) {
    const bool last = f == SortField::kLastName;
    for (std::uint32_t row = 0; row < n; ++row) {
      const std::uint64_t a = last ? last_rank[row] : first_rank[row];
      const std::uint64_t b = last ? first_rank[row] : last_rank[row];
      by_key[row] = {a << 32 | b, id_rank[row], row};
    }
    std::sort(by_key.begin(), by_key.end(), [](const Keyed& a, const Keyed& b) {
      return a.names != b.names ? a.names < b.names : a.id < b.id;
    });
    std::vector<std::uint32_t>& order = order_[static_cast<int>(f)];
    order.resize(n);
    for (std::uint32_t i = 0; i < n; ++i) order[i] = by_key[i].row;
  }
  built_text_ = text_;
  for (std::uint32_t row : text_dirty_rows_) text_dirty_[row] = 0;
  text_dirty_rows_.clear();
  text_dirty_rows_.shrink_to_fit();
}

void TableIndex::BuildNumbers(const std::vector<std::uint32_t>& id_rank) {
  const auto n = static_cast<std::uint32_t>(text_.size());
  struct Keyed {
    std::int64_t value;
    std::uint32_t rank, row;
  };
  std::vector<Keyed> keyed(n);
  for (SortField f : {SortField::kPoints, SortField::kCredit, SortField::kLastVisit}) {
    const int k = NumberIndex(f);
    const std::vector<std::int64_t>& values = k == 0 ? points_ : k == 1 ? credit_ : visit_;
    for (std::uint32_t row = 0; row < n; ++row) keyed[row] = {values[row], id_rank[row], row};
    std::sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
      return a.value != b.value ? a.value < b.value : a.rank < b.rank;
    });
    std::vector<std::uint32_t>& order = order_[static_cast<int>(f)];
    order.resize(n);
    for (std::uint32_t i = 0; i < n; ++i) order[i] = keyed[i].row;
    built_num_[k] = values;
  }
  for (std::uint32_t row : num_dirty_rows_) num_dirty_[row] = 0;
  num_dirty_rows_.clear();
  num_dirty_rows_.shrink_to_fit();
}

int TableIndex::Bucket(std::uint8_t flags, std::int64_t points, std::int64_t credit) {
  if (!(flags & kListed)) return -1;
  return ((flags & kActive) ? 1 : 0) | (points != 0 ? 2 : 0) | (credit != 0 ? 4 : 0);
}

std::size_t TableIndex::CountListed(const TableSearch& q) const {
  std::size_t n = 0;
  for (int b = 0; b < 8; ++b) {
    const bool active = b & 1;
    if (q.status == StatusFilter::kActive && !active) continue;
    if (q.status == StatusFilter::kInactive && active) continue;
    if (q.has_points && !(b & 2)) continue;
    if (q.has_credit && !(b & 4)) continue;
    n += listed_[b];
  }
  return n;
}

bool TableIndex::Passes(std::uint32_t row, const TableSearch& q) const {
  const std::uint8_t f = flags_[row];
  if (!(f & kListed)) return false;
  if (q.status == StatusFilter::kActive && !(f & kActive)) return false;
  if (q.status == StatusFilter::kInactive && (f & kActive)) return false;
  if (q.has_points && points_[row] == 0) return false;
  if (q.has_credit && credit_[row] == 0) return false;
  return true;
}

template <typename F>
void TableIndex::ForEachWordMatch(std::string_view w, bool exact, F fn) const {
  if (w.empty()) return;
  const std::uint64_t lo = Pack(w.data(), w.size());
  const std::uint64_t hi = w.size() >= 8 ? lo : lo | (~std::uint64_t{0} >> (8 * w.size()));
  auto first = std::partition_point(words_.begin(), words_.end(),
                                    [&](const Entry& e) { return Key8(e.off) < lo; });
  auto last =
      std::partition_point(first, words_.end(), [&](const Entry& e) { return Key8(e.off) <= hi; });
  auto word_at = [&](const Entry& e) {
    std::string_view rest(arena_.data() + e.off, arena_.size() - e.off);
    return rest.substr(0, rest.find('\n'));
  };
  if (w.size() > 8) {  // words sharing 8 bytes are sorted in full: narrow on the rest
    first = std::partition_point(first, last, [&](const Entry& e) { return word_at(e) < w; });
    last = std::partition_point(first, last,
                                [&](const Entry& e) { return word_at(e).starts_with(w); });
  }
  for (auto it = first; it != last; ++it) {
    if (text_dirty_[it->row] || (exact && word_at(*it) != w)) continue;
    fn(it->row);
  }
  for (std::uint32_t row : text_dirty_rows_) {
    if (HasWord(Words(text_[row]), w, exact)) fn(row);
  }
}

void TableIndex::MatchDigits(std::string_view digits, std::vector<std::uint64_t>* bits) const {
  if (digits.size() < 3) return;
  if (!gram_start_.empty()) {
    std::size_t best = 0, best_size = SIZE_MAX;
    for (std::size_t i = 0; i + 3 <= digits.size(); ++i) {
      const int g = (digits[i] - '0') * 100 + (digits[i + 1] - '0') * 10 + (digits[i + 2] - '0');
      const std::size_t size = gram_start_[g + 1] - gram_start_[g];
      if (size < best_size) best = static_cast<std::size_t>(g), best_size = size;
    }
    for (std::size_t i = gram_start_[best]; i < gram_start_[best + 1]; ++i) {
      const std::uint32_t row = gram_rows_[i];
      if (!text_dirty_[row] && DigitsOf(text_[row]).find(digits) != std::string_view::npos) {
        SetBit(bits, row);
      }
    }
  }
  for (std::uint32_t row : text_dirty_rows_) {
    if (DigitsOf(text_[row]).find(digits) != std::string_view::npos) SetBit(bits, row);
  }
}

std::optional<std::vector<std::uint64_t>> TableIndex::Match(const TableSearch& q) const {
  ParsedQuery p = Parse(q.search);
  if (p.words.empty()) return std::nullopt;
  const std::size_t size = (text_.size() + 63) / 64;
  std::vector<std::uint64_t> bits(size, 0);
  auto set = [&](std::uint32_t row) { SetBit(&bits, row); };
  if (p.by_phone) {
    ForEachWordMatch(p.digits, false, set);
    MatchDigits(p.digits, &bits);
    return bits;
  }
  ForEachWordMatch(p.words[0], false, set);
  std::vector<std::uint64_t> more;
  for (std::size_t i = 1; i < p.words.size(); ++i) {
    more.assign(size, 0);
    ForEachWordMatch(p.words[i], false, [&](std::uint32_t row) { SetBit(&more, row); });
    for (std::size_t j = 0; j < size; ++j) bits[j] &= more[j];
  }
  return bits;
}

int TableIndex::CompareKey(SortField sort, std::uint32_t a, std::uint32_t b, bool built_b) const {
  if (IsName(sort)) {
    const Text& ta = text_[a];
    const Text& tb = built_b ? built_text_[b] : text_[b];
    int c = sort == SortField::kLastName ? Cmp(LastName(ta), LastName(tb))
                                         : Cmp(FirstName(ta), FirstName(tb));
    if (c != 0) return c;
    return sort == SortField::kLastName ? Cmp(FirstName(ta), FirstName(tb))
                                        : Cmp(LastName(ta), LastName(tb));
  }
  const int k = NumberIndex(sort);
  const std::vector<std::int64_t>& current = k == 0 ? points_ : k == 1 ? credit_ : visit_;
  return Cmp(current[a], built_b ? built_num_[k][b] : current[b]);
}

int TableIndex::Compare(SortField sort, std::uint32_t a, std::uint32_t b, bool built_b) const {
  int c = CompareKey(sort, a, b, built_b);
  if (c != 0) return c;
  return ids_->Less(a, b) ? -1 : ids_->Less(b, a) ? 1 : 0;
}

void TableIndex::Extra(const TableSearch& q, const RowTest* test, std::vector<std::uint32_t>* extra,
                       std::vector<std::size_t>* at) const {
  const SortField f = q.sort;
  const std::vector<std::uint32_t>& dirty_rows = IsName(f) ? text_dirty_rows_ : num_dirty_rows_;
  const std::vector<std::uint32_t>& order = order_[static_cast<int>(f)];
  for (std::uint32_t row : dirty_rows) {
    if (Passes(row, q) && (test == nullptr || (*test)(row))) extra->push_back(row);
  }
  std::sort(extra->begin(), extra->end(),
            [&](std::uint32_t a, std::uint32_t b) { return Compare(f, a, b) < 0; });
  at->resize(extra->size());
  for (std::size_t j = 0; j < extra->size(); ++j) {
    (*at)[j] = static_cast<std::size_t>(
        std::partition_point(
            order.begin(), order.end(),
            [&](std::uint32_t b) { return Compare(f, (*extra)[j], b, /*built_b=*/true) > 0; }) -
        order.begin());
  }
}

std::vector<std::uint32_t> TableIndex::Walk(const TableSearch& q,
                                            const std::vector<std::uint64_t>* bits) const {
  const SortField f = q.sort;
  const std::vector<std::uint8_t>& dirty = IsName(f) ? text_dirty_ : num_dirty_;
  const std::vector<std::uint32_t>& order = order_[static_cast<int>(f)];

  // Changed rows: sorted on their own, then placed where they fall in the
  // built order.
  std::vector<std::uint32_t> extra;
  std::vector<std::size_t> at;
  const RowTest in_bits = [&](std::uint32_t row) { return Bit(*bits, row); };
  Extra(q, bits != nullptr ? &in_bits : nullptr, &extra, &at);

  std::vector<std::uint32_t> out;
  std::size_t j = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    while (j < extra.size() && at[j] <= i) out.push_back(extra[j++]);
    const std::uint32_t row = order[i];
    if (dirty[row] || (bits != nullptr && !Bit(*bits, row)) || !Passes(row, q)) continue;
    out.push_back(row);
  }
  while (j < extra.size()) out.push_back(extra[j++]);

  if (q.descending) {  // reversed, then ties back to ascending ids
    std::reverse(out.begin(), out.end());
    for (std::size_t i = 0; i < out.size();) {
      std::size_t end = i + 1;
      while (end < out.size() && CompareKey(f, out[i], out[end], false) == 0) ++end;
      std::reverse(out.begin() + static_cast<std::ptrdiff_t>(i),
                   out.begin() + static_cast<std::ptrdiff_t>(end));
      i = end;
    }
  }
  return out;
}

std::vector<std::uint32_t> TableIndex::SortDirect(const TableSearch& q,
                                                  const std::vector<std::uint64_t>& bits,
                                                  std::size_t keep) const {
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < bits.size(); ++i) {
    for (std::uint64_t w = bits[i]; w != 0; w &= w - 1) {
      const auto row = static_cast<std::uint32_t>(i * 64 + std::countr_zero(w));
      if (Passes(row, q)) out.push_back(row);
    }
  }
  auto less = [&](std::uint32_t a, std::uint32_t b) {
    const int c = CompareKey(q.sort, a, b, /*built_b=*/false);
    if (c != 0) return q.descending ? c > 0 : c < 0;
    return ids_->Less(a, b);
  };
  if (keep < out.size()) {
    std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(keep), out.end(),
                      less);
  } else {
    std::sort(out.begin(), out.end(), less);
  }
  return out;
}

std::vector<std::uint32_t> TableIndex::Find(const TableSearch& q) const {
  auto bits = Match(q);
  if (bits) {
    std::size_t count = 0;
    for (std::uint64_t w : *bits) count += static_cast<std::size_t>(std::popcount(w));
    if (count <= kDirectSort) return SortDirect(q, *bits);
  }
  return Walk(q, bits ? &*bits : nullptr);
}

std::optional<std::vector<std::uint32_t>> TableIndex::WalkPage(
    const TableSearch& q, const RowTest* test, std::size_t total, std::size_t offset,
    std::size_t limit, std::size_t max_steps) const {
  const SortField f = q.sort;
  const std::vector<std::uint8_t>& dirty = IsName(f) ? text_dirty_ : num_dirty_;
  const std::vector<std::uint32_t>& order = order_[static_cast<int>(f)];
  std::vector<std::uint32_t> extra;
  std::vector<std::size_t> at;
  Extra(q, test, &extra, &at);
  std::size_t steps = 0;
  bool gave_up = false;
  auto skip = [&](std::uint32_t row) {
    if (++steps > max_steps) gave_up = true;
    return dirty[row] || !Passes(row, q) || (test != nullptr && !(*test)(row));
  };
  constexpr std::uint32_t kEnd = UINT32_MAX;
  // Walk's result before its reversal, one row at a time, from either end,
  // ending once all `total` rows came (the rest of the order has none).
  std::size_t produced = 0;
  std::size_t i = 0, j = 0;
  auto next_up = [&]() -> std::uint32_t {
    if (produced == total) return kEnd;
    for (;;) {
      if (j < extra.size() && (i >= order.size() || at[j] <= i)) return ++produced, extra[j++];
      if (i >= order.size()) return kEnd;
      const std::uint32_t row = order[i++];
      if (!skip(row)) return ++produced, row;
      if (gave_up) return kEnd;
    }
  };
  std::size_t ri = order.size(), rj = extra.size();  // one past the next to take
  auto next_down = [&]() -> std::uint32_t {
    if (produced == total) return kEnd;
    for (;;) {
      if (rj > 0 && (ri == 0 || at[rj - 1] > ri - 1)) return ++produced, extra[--rj];
      if (ri == 0) return kEnd;
      const std::uint32_t row = order[--ri];
      if (!skip(row)) return ++produced, row;
      if (gave_up) return kEnd;
    }
  };

  std::vector<std::uint32_t> out;
  std::size_t seen = 0;
  auto take = [&](std::uint32_t row) {
    if (seen++ >= offset) out.push_back(row);
    return out.size() < limit;
  };
  if (limit == 0) return out;
  if (!q.descending) {
    for (std::uint32_t row = next_up(); row != kEnd; row = next_up()) {
      if (!take(row)) break;
    }
    if (gave_up) return std::nullopt;
    return out;
  }
  // Descending: from the top, each run of equal keys back in ascending ids.
  std::vector<std::uint32_t> run;
  std::uint32_t row = next_down();
  while (row != kEnd) {
    run.assign(1, row);
    for (row = next_down(); row != kEnd && CompareKey(f, run[0], row, false) == 0;
         row = next_down()) {
      run.push_back(row);
    }
    if (gave_up) return std::nullopt;
    for (auto it = run.rbegin(); it != run.rend(); ++it) {
      if (!take(*it)) return out;
    }
  }
  if (gave_up) return std::nullopt;
  return out;
}

bool TableIndex::RowMatches(std::uint32_t row, const std::vector<std::string>& words,
                            const std::string& digits, bool by_phone) const {
  const std::string_view text = Words(text_[row]);
  if (by_phone) {
    return HasWord(text, digits, false) ||
           DigitsOf(text_[row]).find(digits) != std::string_view::npos;
  }
  for (const std::string& w : words) {
    if (!HasWord(text, w, false)) return false;
  }
  return true;
}

TableIndex::Page TableIndex::FindPage(const TableSearch& q, std::size_t offset,
                                      std::size_t limit) const {
  Page page;
  const ParsedQuery p = Parse(q.search);
  if (p.words.empty()) {
    page.total = CountListed(q);
    page.rows = *WalkPage(q, nullptr, page.total, offset, limit);
    return page;
  }
  // A search's total is counted from its matches once per version of the
  // table; while it stands, a page of a large result walks the sort order
  // testing rows one by one, as far as the page needs (a bounded walk: when
  // the matches lie far down the order, the matches' bitset instead).
  const std::string key = q.search + '\x1f' + (q.has_points ? '1' : '0') +
                          (q.has_credit ? '1' : '0') +
                          static_cast<char>('0' + static_cast<int>(q.status));
  std::optional<std::size_t> known;
  {
    std::lock_guard lock(cache_mu_);
    if (cache_version_ != version_) {
      cached_totals_.clear();
      cache_version_ = version_;
    }
    if (auto it = cached_totals_.find(key); it != cached_totals_.end()) known = it->second;
  }
  if (known && *known > kDirectSort) {
    const RowTest test = [&](std::uint32_t row) {
      return RowMatches(row, p.words, p.digits, p.by_phone);
    };
    const std::size_t want = offset + limit;
    const std::size_t budget = std::max<std::size_t>(
        4096, want >= text_.size() / 8 ? SIZE_MAX : 8 * want * (text_.size() / *known + 1));
    if (auto rows = WalkPage(q, &test, *known, offset, limit, budget)) {
      page.total = *known;
      page.rows = std::move(*rows);
      return page;
    }
  }
  auto bits = Match(q);
  std::size_t count = 0;
  for (std::size_t i = 0; i < bits->size(); ++i) {
    for (std::uint64_t w = (*bits)[i]; w != 0; w &= w - 1) {
      count += Passes(static_cast<std::uint32_t>(i * 64 + std::countr_zero(w)), q) ? 1 : 0;
    }
  }
  page.total = count;
  if (!known) {
    std::lock_guard lock(cache_mu_);
    if (cache_version_ == version_) {
      if (cached_totals_.size() >= 1024) cached_totals_.clear();
      cached_totals_[key] = count;
    }
  }
  if (count <= kDirectSort) {
    std::vector<std::uint32_t> all = SortDirect(q, *bits, offset + limit);
    const std::size_t from = std::min(offset, all.size());
    const std::size_t to = std::min(all.size(), from + limit);
    page.rows.assign(all.begin() + static_cast<std::ptrdiff_t>(from),
                     all.begin() + static_cast<std::ptrdiff_t>(to));
    return page;
  }
  const RowTest in_bits = [&](std::uint32_t row) { return Bit(*bits, row); };
  page.rows = *WalkPage(q, &in_bits, count, offset, limit);
  return page;
}

std::vector<std::uint32_t> TableIndex::RowsWithWord(std::string_view word) const {
  std::vector<std::uint32_t> rows;
  ForEachWordMatch(word, true, [&](std::uint32_t row) { rows.push_back(row); });
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  return rows;
}

}  // namespace clientele
