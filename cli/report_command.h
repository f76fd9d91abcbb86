// clientele report NAME: a report of the chain (GET /v1/reports/NAME on a
// running node), as a readable table, CSV or JSON.
#pragma once

#include <string>

#include "cli/transfer.h"

namespace clientele {

struct ReportFlags {
  std::string date;              // liability, dormant: the day ("": today)
  std::string from;              // the period's first day ("": the first of this month)
  std::string to;                // its last day ("": today)
  std::string limit;             // top-customers ("": 20)
  std::string format = "table";  // table | csv | json
};

// Prints the report to standard output. Exit status: 0 printed; 1 refused
// (the reason on standard error); 2 the node could not be reached.
int RunReport(const NodeAddress& node, const std::string& name, const ReportFlags& flags);

}  // namespace clientele
