// Status and Result<T>: how errors cross module boundaries.
//
// A Status is either OK or an error with
//   code    - one of a small set of canonical codes (see StatusCode);
//   reason  - a stable machine-readable slug, e.g. "insufficient_credit", that
//             clients and tests may match on;
//   field   - the input field or rule the error is about ("" when none);
//   message - a human sentence saying what went wrong and what to do.
//
// Result<T> is std::expected<T, Status>. Functions that can fail return one of
// the two; exceptions are kept for start-up failures and bugs.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace clientele {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the input itself is wrong; retrying will not help
  kNotFound,            // the addressed thing does not exist
  kConflict,            // a concurrency or uniqueness conflict (version, id reuse)
  kFailedPrecondition,  // the input is fine but the current state refuses it
  kUnavailable,         // a transient failure; the operation may be retried
  kCorruption,          // stored data is damaged or tampered with
  kInternal,            // a bug or an unexpected failure
  kUnauthenticated,     // the caller did not say who it is, or not credibly
  kPermissionDenied,    // the caller may not do this
};

std::string_view StatusCodeName(StatusCode code);

class Status {
 public:
  Status() = default;  // OK

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string field, std::string reason, std::string message) {
    return Status(StatusCode::kInvalidArgument, std::move(reason), std::move(field),
                  std::move(message));
  }
  static Status NotFound(std::string reason, std::string message) {
    return Status(StatusCode::kNotFound, std::move(reason), "", std::move(message));
  }
  static Status Conflict(std::string reason, std::string message) {
    return Status(StatusCode::kConflict, std::move(reason), "", std::move(message));
  }
  static Status FailedPrecondition(std::string field, std::string reason, std::string message) {
    return Status(StatusCode::kFailedPrecondition, std::move(reason), std::move(field),
                  std::move(message));
  }
  static Status Unavailable(std::string message) {
    return Status(StatusCode::kUnavailable, "unavailable", "", std::move(message));
  }
  // Storage refuses writes for now (a full disk): the same request may work later.
  static Status StorageUnavailable(std::string message) {
    return Status(StatusCode::kUnavailable, "storage_unavailable", "", std::move(message));
  }
  static Status Corruption(std::string message) {
    return Status(StatusCode::kCorruption, "corruption", "", std::move(message));
  }
  static Status Unauthenticated(std::string reason, std::string message) {
    return Status(StatusCode::kUnauthenticated, std::move(reason), "", std::move(message));
  }
  static Status PermissionDenied(std::string reason, std::string message) {
    return Status(StatusCode::kPermissionDenied, std::move(reason), "", std::move(message));
  }
  static Status Internal(std::string message) {
    return Status(StatusCode::kInternal, "internal", "", std::move(message));
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& reason() const { return reason_; }
  const std::string& field() const { return field_; }
  const std::string& message() const { return message_; }

  // "INVALID_ARGUMENT [first_name/blank]: first_name must not be blank"
  std::string ToString() const;

 private:
  Status(StatusCode code, std::string reason, std::string field, std::string message)
      : code_(code),
        reason_(std::move(reason)),
        field_(std::move(field)),
        message_(std::move(message)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string reason_;
  std::string field_;
  std::string message_;
};

template <typename T>
using Result = std::expected<T, Status>;

// Lets `return Error(Status::NotFound(...));` read naturally in Result-returning code.
inline std::unexpected<Status> Error(Status s) { return std::unexpected<Status>(std::move(s)); }

}  // namespace clientele
