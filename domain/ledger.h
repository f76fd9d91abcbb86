// What each customer event does to the customer's ledger: the one place that
// says how points, credit, total spent and last visit move. Evolve (customer.h)
// and the projections both use it, so a balance means the same everywhere.
//
// A ledger entry is a change of points or credit; those are the rows of a
// customer's history. A purchase itself moves only total spent and last visit;
// the points it earns are their own event (loyalty.points_earned).
#pragma once

#include <cstdint>
#include <string>

#include "domain/events.h"

namespace clientele {

struct LedgerEffect {
  Points points = 0;          // change of the points balance
  Money credit = 0;           // change of the credit balance
  Money spent = 0;            // change of total spent
  std::int64_t visit_ms = 0;  // a visit at this time (0: none)
  bool entry = false;         // a points or credit change: one history row
  bool history = false;       // counts as purchase, points or credit history (blocks delete)
  std::string note;           // the entry's note, if any
  std::string reference;      // the entry's tab, refund or payment reference, if any
};

LedgerEffect EffectOf(const CustomerEvent& event);

}  // namespace clientele
