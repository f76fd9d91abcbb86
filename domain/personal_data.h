// Personal data and its keys: the port through which events are sealed and
// opened (crypto-shredding, DESIGN.md §7 invariant 9).
//
// Every customer has a data key of its own. The personal fields of an event
// (first and last name, email, phone, tax id, address, notes, and the notes
// of points and credit entries) are stored as one sealed blob, encrypted with
// that key (domain/event_codec.h says where it sits in the payload); the rest
// of the payload (amounts, codes, ids, times) stays in clear, so balances,
// reports, the audit and `verify` need no key. Erasing a customer destroys
// its key: the blobs stay in the log, which stays append-only and verifiable,
// and can never be opened again.
//
// The implementation is eventstore/data_keys.h (AES-256-GCM, keys in
// <data>/keys); MemoryDataKeys there is the in-memory fake.
#pragma once

#include <string>
#include <string_view>

#include "domain/status.h"

namespace clientele {

class PersonalDataKeys {
 public:
  virtual ~PersonalDataKeys() = default;

  // Encrypts `plain` with the key of `customer_id`, bound to `context` (the
  // event type) and to the customer id: a blob opens only for the customer
  // and context it was sealed for. Without a key here, one is made if
  // `make_key` (a registration, or a customer registered in clear before
  // sealing existed), durable once Persist returns: call it before appending
  // what was sealed. FailedPrecondition "customer_erased" if the customer was
  // erased here, "personal_data_unavailable" if there is no key and none may
  // be made (another node's customer whose key has not arrived); Unavailable
  // if a new key cannot be stored.
  virtual Result<std::string> Seal(std::string_view customer_id, std::string_view context,
                                   std::string_view plain, bool make_key) = 0;
  // True if this node holds a key for the customer.
  virtual bool Has(std::string_view customer_id) = 0;
  // The plain text of a blob Seal made. NotFound "no_key" if this node has no
  // key for the customer (erased, or never received); Corruption if the blob
  // does not authenticate (another customer's or context's, or damaged):
  // decoding shows such fields as absent, as without a key.
  virtual Result<std::string> Open(std::string_view customer_id, std::string_view context,
                                   std::string_view blob) = 0;
  // Makes every key Seal made so far durable (one sync for all of them).
  virtual Status Persist() { return Status::OK(); }
  // Destroys the customer's key for good and remembers that it is erased, so
  // that no key for it is made or taken again. Idempotent.
  virtual Status Destroy(std::string_view customer_id) = 0;
  // True if Destroy was called for the customer.
  virtual bool Erased(std::string_view customer_id) = 0;
};

}  // namespace clientele
