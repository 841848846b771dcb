// The per-run HTML report for reviewers: one self-contained file (inline CSS, SVG and a
// little script; no external assets, so it opens offline and can be archived as is) with the
// run summary, chain and seal status, a timeline of steps and calls, predicted cost vs what
// ran, and every event's request/response payload in collapsible sections.
#pragma once

#include <string>
#include <vector>

#include "audit/event.h"
#include "audit/projection.h"
#include "audit/verify.h"

namespace tcplan::audit {

std::string render_html_report(const RunState& run, const std::vector<Event>& events,
                               const VerifyReport& chain);

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string html_escape(std::string_view text);

}  // namespace tcplan::audit
