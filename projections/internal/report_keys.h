// The keys and values of the reports' database (projections/reports.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>

#include "projections/report_ledger.h"

namespace clientele::report_keys {

// Days are stored biased so that negative days sort first.
std::string DayPrefix(std::int32_t day);
std::string FigureKey(std::int32_t day, std::string_view store);
bool DecodeFigureKey(std::string_view key, std::int32_t* day, std::string* store);
std::string MoveKey(const std::tuple<std::int32_t, std::string, std::string>& move);
bool DecodeMoveKey(std::string_view key, std::tuple<std::int32_t, std::string, std::string>* move);
std::string SpendKey(std::int32_t day, std::string_view customer_id);
std::int32_t SpendKeyDay(std::string_view key);  // REQUIRES: key.size() >= 4
std::string ExpiryKey(std::int64_t ms, std::string_view customer_id);

// Figures as zigzag varints, in Figure order; figures added later read as 0.
std::string EncodeFigures(const Figures& f);
bool DecodeFigures(std::string_view bytes, Figures* f);
std::int64_t DecodeI64(std::string_view le64);  // 0 unless 8 bytes

}  // namespace clientele::report_keys
