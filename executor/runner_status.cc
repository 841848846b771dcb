// Batched cluster status reads. EMR DescribeInstances takes a list of InstanceIds, so every read
// of one cluster's status — waits, restarts, busy retries, reconciles — joins the others
// waiting in the same region: one call carries up to 100 ids (paginated), and the batch grows
// while it waits for its rate-limit slot, so 200 waiting items cost 2 calls, not 200. Each call
// takes a slot of the DescribeInstances rate and is recorded like any other (as a run-level
// read: it belongs to no one step).
#include <algorithm>
#include <boost/asio/detached.hpp>

#include "api/catalog.h"
#include "api/pages.h"
#include "executor/runner_internal.h"

namespace tcplan::executor {

namespace {

// DescribeInstances: InstanceIds takes as many ids as a page holds.
constexpr auto kIdsPerCall = static_cast<std::size_t>(api::kMaxPageSize);

// Moving the expiry (rather than cancel()) also wakes a waiter that has not started waiting.
template <typename Waiter>
void wake(Waiter& w) {
  w.wake.expires_at(std::chrono::steady_clock::time_point::min());
}

}  // namespace

awaitable<Runner::StatusAnswer> Runner::cluster_status(Item& it, const std::string& cluster,
                                                       const std::string& region) {
  // A read changes nothing, so a throttled or transient failure is retried within the step's
  // retry policy, as read() does.
  for (int failures = 1;; ++failures) {
    StatusAnswer a = co_await read_status(cluster, region);
    if (a.ok || a.interrupted || a.error.code == api::kNotSent) co_return a;
    const auto delay = read_retry_delay(it, a.error, failures,
                                        {{"read", "DescribeInstances"}, {"cluster", cluster}});
    if (!delay) co_return a;
    if (!co_await sleep_for(*delay, &it)) {
      a.interrupted = true;
      co_return a;
    }
  }
}

awaitable<Runner::StatusAnswer> Runner::read_status(const std::string& cluster,
                                                    const std::string& region) {
  if (interrupted_) {
    StatusAnswer a;
    a.interrupted = true;
    co_return a;
  }
  auto waiter = std::make_shared<StatusWaiter>(io_, cluster);
  status_waiting_[region].push_back(waiter);
  if (status_flushing_.insert(region).second) {
    asio::co_spawn(io_, flush_status(region), asio::detached);
  }
  timers_.insert(&waiter->wake);  // an interruption wakes it too
  boost::system::error_code ec;
  co_await waiter->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  timers_.erase(&waiter->wake);
  if (!waiter->done) {
    StatusAnswer a;
    a.interrupted = true;
    co_return a;
  }
  co_return waiter->answer;
}

awaitable<void> Runner::flush_status(std::string region) {
  api::CallRequest request;
  request.service = "emr";
  request.action = "DescribeInstances";
  request.region = region;
  // Named, not a temporary in the co_await: GCC 12 destroys such temporaries twice.
  const EventContext run_level;  // a run-level read: it belongs to no one step
  auto& waiting = status_waiting_[region];
  while (!waiting.empty() && !interrupted_) {
    // The slot's wait is what lets the batch grow: everyone who starts waiting meanwhile joins.
    if (!co_await wait_for_slot(request)) break;
    if (waiting.empty()) break;
    // Up to 100 distinct clusters, oldest waiters first; every waiter of those clusters goes.
    std::vector<std::string> ids;
    std::vector<std::shared_ptr<StatusWaiter>> batch, rest;
    for (auto& w : waiting) {
      const bool known = std::find(ids.begin(), ids.end(), w->cluster) != ids.end();
      const bool take = known || ids.size() < kIdsPerCall;
      if (take && !known) ids.push_back(w->cluster);
      (take ? batch : rest).push_back(std::move(w));
    }
    waiting = std::move(rest);
    json::array id_list;
    for (const auto& id : ids)
      id_list.push_back(json::value(id));

    // Every page through the one paging rule (api/pages.h); a further page is another call and
    // takes its own slot.
    api::PageCursor cursor(json::object{{"DisplayStrategy", "clusterList"},
                                        {"InstanceIds", std::move(id_list)},
                                        {"ProjectId", -1}},
                           "ClusterList");
    CallResult failed;
    bool ok = true;
    while (!cursor.done()) {
      if (cursor.pages() > 0 && !co_await wait_for_slot(request)) {
        ok = false;
        failed.interrupted = true;
        break;
      }
      request.params = cursor.next_request();
      CallResult r = co_await call_on_pool(request, run_level);
      if (!r.ok) {
        ok = false;
        failed = std::move(r);
        break;
      }
      if (auto taken = cursor.take(r.response.response); !taken.ok()) {
        ok = false;
        failed.error.code = api::kParseJson;
        failed.error.message = taken.error().message;
        failed.error.service = request.service;
        failed.error.action = request.action;
        break;
      }
    }
    std::map<std::string, json::object> found;
    for (auto& c : cursor.take_items()) {
      if (c.is_object()) found[string_param(c.as_object(), "ClusterId")] = std::move(c.as_object());
    }
    for (auto& w : batch) {
      if (ok) {
        w->answer.ok = true;
        if (auto f = found.find(w->cluster); f != found.end()) {
          w->answer.listed = true;
          w->answer.cluster = f->second;
        }
      } else {
        w->answer.interrupted = failed.interrupted;
        w->answer.error = failed.error;
      }
      w->done = !failed.interrupted || ok;
      wake(*w);
    }
  }
  // Interrupted: whoever still waits wakes (interrupt() cancels their timers too).
  for (auto& w : waiting)
    wake(*w);
  waiting.clear();
  status_flushing_.erase(region);
}

}  // namespace tcplan::executor
