// How a node's data folder is laid out: two RocksDB databases.
//
//   <data>/log     the log, the only source of truth; WAL synced on every commit
//     family log     position:be64                    -> record
//     family default 'R' time_ms:be64                 -> position:be64
//                    recording times: by time_ms (this node's clock, never
//                    going back) the log held every position up to this one
//   <data>/index   indexes derived from the log; written without a WAL, so a
//                  crash loses only what re-indexing the log tail restores
//     'S' stream 0x00 version:be64                    -> position:be64
//     'I' id:16 (UUID bytes)                          -> position:be64
//     'O' origin 0x00 seq:be64                        -> position:be64
//     'C'                                             -> position:be64 (last indexed)
//
//   record    := format:u8 hash:32 canonical
//   canonical := position:le64 id:16 lp(stream) version:le64 lp(type)
//                schema:varint32 time_ms:le64 lp(origin) lp(actor)
//                lp(causation_id) lp(correlation_id) lp(data)
//                [seq:varint64 lp(signature)]          only in format 2
//   lp(x)     := varint32(len(x)) x
//   hash(n)   := SHA-256(hash(n-1) || canonical(n)),  hash(0) := 32 zero bytes
//
// Format 1 records were written before events carried a sequence number and
// a proof of origin; they still open and verify. An event is written in
// format 2 when it has either, else in format 1, so decoding and re-encoding
// gives back the stored bytes.
//
// Recording times are written in the same batch as the records they cover (a
// group commit), or just after a bulk's table file is ingested; they are not
// part of the chain, since each node records an event at its own moment. A log
// written before they existed gets one mark at time 0 covering what it held
// (those events count as recorded from the start); a mark missing after a
// crash between a bulk's ingestion and its mark is written at the next open,
// at that moment.
//
// Big-endian keys sort numerically. The position inside `canonical` binds a
// record to its key, so moving a record breaks the chain as surely as editing it.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/status.h"
#include "eventstore/event.h"

namespace clientele::record {

inline constexpr std::uint8_t kFormatUnsequenced = 1;
inline constexpr std::uint8_t kFormat = 2;
// The format `event` is written in.
inline std::uint8_t FormatOf(const RecordedEvent& event) {
  return event.seq == 0 && event.signature.empty() ? kFormatUnsequenced : kFormat;
}
inline constexpr std::size_t kHashSize = 32;

std::string PositionKey(std::uint64_t position);
std::uint64_t DecodePositionKey(std::string_view key);  // REQUIRES: key.size() == 8
// Index keys (see the grammar above).
std::string StreamKey(std::string_view stream, std::int64_t version);
// The key just past every version of `stream`.
std::string StreamKeyEnd(std::string_view stream);
// The version in a StreamKey of `stream`.
std::int64_t StreamKeyVersion(std::string_view key, std::string_view stream);
std::string IdIndexKey(std::string_view key16);
std::string OriginSeqKey(std::string_view origin, std::uint64_t seq);
// The key just past every sequence number of `origin`.
std::string OriginSeqKeyEnd(std::string_view origin);
inline constexpr std::string_view kCheckpointKey = "C";
// The recording-time key of `time_ms` (>= 0), and the time in one.
std::string RecordedKey(std::int64_t time_ms);
std::int64_t RecordedKeyTime(std::string_view key);  // REQUIRES: IsRecordedKey(key)
bool IsRecordedKey(std::string_view key);
// "customer-<uuid>" text of a UUID id -> 16 bytes; false if `id` is no UUID.
bool IdKey(std::string_view id, std::string* key);
std::string IdText(std::string_view key16);

// Appends canonical(event), in FormatOf(event), to *out.
void EncodeCanonical(const RecordedEvent& event, std::string* out);
// The stored value: format, event.hash, canonical(event).
std::string EncodeRecord(const RecordedEvent& event);
// Parses a stored value, hash included, into *out (reusing its buffers);
// Corruption if it does not parse.
Status DecodeRecord(std::string_view value, RecordedEvent* out);

// A reusable SHA-256 context for chaining. Not thread-safe: one per thread.
class ChainHasher {
 public:
  ChainHasher();
  ~ChainHasher();
  ChainHasher(const ChainHasher&) = delete;
  ChainHasher& operator=(const ChainHasher&) = delete;

  // SHA-256(prev || canonical), 32 bytes.
  std::string Next(std::string_view prev, std::string_view canonical);

 private:
  EVP_MD* md_;
  EVP_MD_CTX* ctx_;
};

}  // namespace clientele::record
