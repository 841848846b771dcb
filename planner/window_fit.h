// Whether a plan fits its change window: the plan's predicted makespan (predict.h) against the
// time the window has left, as one verdict and one sentence — "fits with 1h12m to spare",
// "will not fit: needs 2h5m, 1h10m left", "window closed 6d0h ago". `tcplan plan` shows it;
// `tcplan apply` refuses to start a plan that is not open or will not fit. Pure: the clock is
// passed in (--now pins it for rehearsals).
#pragma once

#include <optional>
#include <string>

#include "base/time.h"
#include "planner/plan.h"

namespace tcplan::planner {

enum class FitVerdict {
  kNoWindow,    // the plan has no [window]
  kNotYetOpen,  // it opens later (fits says whether the plan would fit in all of it)
  kFits,        // open, and the plan should end before it closes
  kWillNotFit,  // open, but the plan should end after it closes
  kClosed,      // it has closed
};

struct WindowFit {
  FitVerdict verdict = FitVerdict::kNoWindow;
  Millis needed{0};  // the predicted makespan
  Millis left{0};    // until the window closes (the whole window when it is not open yet)
  Millis opens_in{0};
  Millis closed_ago{0};
  bool fits = true;  // needed <= left
  std::string text;  // the sentence
};

WindowFit fit_window(const std::optional<Window>& window, base::SysTime now, Millis needed);

const char* to_string(FitVerdict v);

}  // namespace tcplan::planner
