#include "cli/approval_prompt.h"

#include <poll.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "planner/preview_render.h"

namespace tcplan::cli {

namespace {

enum class LineRead { kLine, kEnd, kInterrupted };

// One line from standard input, waiting on the interruption too: SIGINT is blocked in every
// thread (the signal watcher reads it), so a plain read() would not return on Ctrl-C.
LineRead read_line(std::string& line, executor::Interruption& interruption) {
  for (;;) {
    pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {interruption.fd(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) return LineRead::kInterrupted;
    char c = 0;
    ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n <= 0) return LineRead::kEnd;
    if (c == '\n') return LineRead::kLine;
    line.push_back(c);
  }
}

}  // namespace

executor::Approval ask_approval(const planner::Preview& preview, bool yes,
                                executor::Interruption& interruption) {
  executor::Approval a;
  if (yes) {
    a.approved = true;
    a.by = "--yes";
    return a;
  }
  if (!::isatty(STDIN_FILENO)) {
    a.refusal = "not approved: pass --yes, or run on a terminal to answer the prompt";
    return a;
  }
  std::fputs(planner::render_table(preview).c_str(), stdout);
  std::fputs("Apply this plan? Only 'yes' is accepted: ", stdout);
  std::fflush(stdout);
  std::string answer;
  switch (read_line(answer, interruption)) {
    case LineRead::kInterrupted:
      std::fputs("\n", stdout);
      a.interrupted = true;
      return a;
    case LineRead::kEnd:
    case LineRead::kLine:
      break;
  }
  if (!answer.empty() && answer.back() == '\r') answer.pop_back();
  if (answer != "yes") {
    a.refusal = "not approved at the prompt";
    return a;
  }
  a.approved = true;
  a.by = "prompt";
  return a;
}

}  // namespace tcplan::cli
