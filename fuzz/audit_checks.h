// What both audit fuzz targets check once they have a trail's events and its verify report:
// the sealed part of a trail that verifies against the trusted key is exactly the reference
// trail, and `audit report` renders every run of whatever trail it is given, escaping every
// text field.
#pragma once

#include <map>

#include "audit/projection.h"
#include "audit/report_html.h"
#include "audit/verify.h"
#include "fuzz/audit_reference.h"
#include "fuzz/fuzz_check.h"

namespace tcplan::fuzz {

inline void check_verified_trail(const audit::VerifyReport& report,
                                 const std::vector<audit::Event>& events) {
  if (!report.intact() || report.seals == 0) return;
  for (const auto& e : events) {
    if (e.seq > report.last_seal_seq) break;
    FUZZ_CHECK(same_as_reference(e), "event " + std::to_string(e.seq) +
                                         " differs from what was sealed, yet the trail verifies");
  }
}

inline void check_escaped(const std::string& text) {
  const std::string escaped = audit::html_escape(text);
  FUZZ_CHECK(escaped.find_first_of("<>\"'") == std::string::npos, escaped);
}

inline void check_reports(const audit::VerifyReport& report,
                          const std::vector<audit::Event>& events) {
  std::map<std::string, std::vector<audit::Event>> by_run;
  for (const auto& e : events) {
    by_run[e.run_id].push_back(e);
    check_escaped(e.run_id);
    check_escaped(e.step_id);
    check_escaped(e.payload);
  }
  for (const auto& [run_id, run_events] : by_run) {
    const std::string html =
        audit::render_html_report(audit::project_run(run_events), run_events, report);
    FUZZ_CHECK(html.find("</html>") != std::string::npos, "report for run " + run_id);
  }
}

}  // namespace tcplan::fuzz
