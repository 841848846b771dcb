// The window-fit verdict (planner/window_fit.h), table-driven: the plan's predicted makespan
// against what is left of its window, as `tcplan plan` shows it and `tcplan apply` decides.
#include "planner/window_fit.h"

#include <gtest/gtest.h>

namespace tcplan::planner {
namespace window_fit_test {

using namespace std::chrono_literals;

TEST(WindowFit, VerdictAndSentence) {
  const auto start = TimePoint(std::chrono::hours(500'000));
  const Window w{start, start + 4h, {}, {}};
  struct Case {
    Millis now_from_start;
    Millis needed;
    FitVerdict verdict;
    const char* text;
  };
  for (const Case& c : {
           Case{1h, 1h, FitVerdict::kFits, "fits with 2h0m to spare (needs 1h0m, 3h0m left)"},
           Case{2h + 50min, 2h + 5min, FitVerdict::kWillNotFit,
                "will not fit: needs 2h5m, 1h10m left"},
           Case{4h - 1min, 90s, FitVerdict::kWillNotFit, "will not fit: needs 1m30s, 1m0s left"},
           Case{-3h, 1h, FitVerdict::kNotYetOpen, "window opens in 3h0m"},
           Case{4h + 6 * 24h, 1h, FitVerdict::kClosed, "window closed 6d0h ago"},
           Case{4h, 0ms, FitVerdict::kClosed, "window closed 0.0s ago"},
       }) {
    SCOPED_TRACE(c.text);
    WindowFit f = fit_window(w, base::SysTime(start + c.now_from_start), c.needed);
    EXPECT_EQ(f.verdict, c.verdict);
    EXPECT_NE(f.text.find(c.text), std::string::npos) << f.text;
    EXPECT_EQ(f.fits, c.verdict == FitVerdict::kFits ||
                          (c.verdict == FitVerdict::kNotYetOpen && c.needed <= 4h));
  }
  EXPECT_EQ(fit_window(std::nullopt, base::SysTime(start), 1h).verdict, FitVerdict::kNoWindow);
}

}  // namespace window_fit_test
}  // namespace tcplan::planner
