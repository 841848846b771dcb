// Exporting the trail as JSONL or CSV (schema "tcplan.audit.export/1", docs/audit.md).
// JSONL keeps every chain field, with the payload as the exact stored JSON text, so an
// export can be verified on its own (parse_jsonl + ChainVerifier) without the DB.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "audit/event.h"
#include "base/result.h"

namespace tcplan::audit {

inline constexpr std::string_view kExportSchema = "tcplan.audit.export/1";

enum class ExportFormat { kJsonl, kCsv };

// One JSON object per event per line (plus derived "time" text, not hashed).
std::string to_jsonl(const std::vector<Event>& events);
// RFC 4180 CSV with a header row; the same columns as JSONL. A text cell that a spreadsheet
// would run as a formula (it starts with =, +, -, @, tab or CR: server strings such as an
// error code or message can) gets a leading apostrophe. So the CSV is a view for people;
// the JSONL is the export that verifies.
std::string to_csv(const std::vector<Event>& events);
std::string neutralise_csv_text(std::string text);
std::string export_events(const std::vector<Event>& events, ExportFormat format);

// Reads a JSONL export back into events (for verifying an export on its own).
base::Result<std::vector<Event>> parse_jsonl(std::string_view text);

}  // namespace tcplan::audit
