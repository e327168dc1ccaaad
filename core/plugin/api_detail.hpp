#pragma once
// Shared helpers of the host table implementation (api_table.cpp, api_records.cpp).
#include <cstring>
#include <string>

#include "plugin/internal.hpp"

namespace pb::plugin::detail {

inline size_t lenOf(const char* p, size_t n) { return n == PB_AUTO_LENGTH ? (p ? std::strlen(p) : 0) : n; }
inline std::string S(const char* p, size_t n) { return p ? std::string(p, lenOf(p, n)) : std::string(); }

void fillMeta(pb_host_api& t);
void fillRegistration(pb_host_api& t);
void fillEvents(pb_host_api& t);
void fillRecords(pb_host_api& t);
void fillRequest(pb_host_api& t);

}  // namespace pb::plugin::detail
