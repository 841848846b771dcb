// Predicted vs actual cost (see report_cost.h).
#include "audit/report_cost.h"

#include <algorithm>
#include <boost/json/parse.hpp>

namespace tcplan::audit {
namespace {

constexpr double kHoursPerMonth = 720;  // as the preview converts a monthly quote

const boost::json::object* object_at(const boost::json::object& o, const char* key) {
  auto* f = o.if_contains(key);
  return f != nullptr && f->is_object() ? &f->as_object() : nullptr;
}

std::optional<double> number_at(const boost::json::object& o, const char* key) {
  auto* f = o.if_contains(key);
  if (f == nullptr || !f->is_number()) return std::nullopt;
  return f->to_number<double>();
}

std::string text_at(const boost::json::object& o, const char* key) {
  auto* f = o.if_contains(key);
  return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string();
}

double run_time_scale(const std::vector<Event>& events) {
  for (const auto& e : events) {
    if (e.kind != EventKind::kRunStarted) continue;
    boost::system::error_code ec;
    auto v = boost::json::parse(e.payload, ec);
    if (ec || !v.is_object()) break;
    auto scale = number_at(v.as_object(), "time_scale");
    if (scale && *scale > 0) return *scale;
    break;
  }
  return 1;
}

// When what a step added started to exist: the answer to its last successful call.
std::int64_t created_at(const StepState& s) {
  for (auto it = s.calls.rbegin(); it != s.calls.rend(); ++it) {
    if (!it->in_flight() && !it->transport_error && it->error_code.empty() &&
        it->http_status == 200) {
      return it->received_ms;
    }
  }
  return s.finished_ms;
}

// The preview step's price, in the shape apply records ({"id", "price": {...}}) or the
// older flat one ({"step", "discounted", "original", "unit", "currency"}).
void read_prediction(const boost::json::object& item, StepCost& c) {
  c.step_id = text_at(item, "id");
  const boost::json::object* price = object_at(item, "price");
  if (c.step_id.empty()) {
    c.step_id = text_at(item, "step");
    if (item.contains("discounted")) price = &item;
  }
  auto billable = item.if_contains("billable");
  c.billable =
      price != nullptr || (billable != nullptr && billable->is_bool() && billable->as_bool());
  c.price_note = text_at(item, "price_note");
  if (price != nullptr) {
    c.quoted_discounted = number_at(*price, "discounted");
    c.quoted_original = number_at(*price, "original");
    c.unit = text_at(*price, "unit");
    c.currency = text_at(*price, "currency");
    if (const auto* hourly = object_at(*price, "hourly")) {
      c.hourly = number_at(*hourly, "discounted");
    } else if (c.quoted_discounted && c.unit == "hour") {
      c.hourly = c.quoted_discounted;
    } else if (c.quoted_discounted && c.unit == "month") {
      c.hourly = *c.quoted_discounted / kHoursPerMonth;
    }
  }
  if (const auto* d = object_at(item, "duration")) {
    if (auto ms = number_at(*d, "predicted_ms")) c.predicted_duration_s = *ms / 1000;
  }
  if (const auto* window = object_at(item, "window")) {
    c.predicted_hours = number_at(*window, "hours");
    c.removed_by = text_at(*window, "removed_by");
    if (const auto* cost = object_at(*window, "cost")) c.predicted = number_at(*cost, "discounted");
  }
}

}  // namespace

CostSummary compute_costs(const RunState& run, const std::vector<Event>& events) {
  CostSummary out;
  out.time_scale = run_time_scale(events);
  if (!run.preview.is_object()) return out;
  const auto* steps = run.preview.as_object().if_contains("steps");
  if (steps == nullptr || !steps->is_array()) return out;
  out.has_preview = true;
  if (const auto* total = object_at(run.preview.as_object(), "total")) {
    out.currency = text_at(*total, "currency");
  }
  const double scale = out.time_scale;
  std::int64_t run_end = run.finished_ms;
  if (run_end == 0 && !events.empty()) run_end = events.back().time_ms;

  double predicted_sum = 0, actual_sum = 0;
  bool predicted_known = true, actual_known = true;
  for (const auto& item : steps->as_array()) {
    if (!item.is_object()) continue;
    StepCost c;
    read_prediction(item.as_object(), c);
    if (out.currency.empty()) out.currency = c.currency;
    const StepState* s = run.step(c.step_id);
    if (s != nullptr) {
      c.status = s->status;
      if (s->started_ms != 0 && s->finished_ms >= s->started_ms) {
        c.duration_s = static_cast<double>(s->finished_ms - s->started_ms) / 1000.0 * scale;
      }
    }
    if (c.billable) {
      if (c.predicted) {
        predicted_sum += *c.predicted;
      } else {
        predicted_known = false;
      }
      if (s == nullptr || s->status != "succeeded") {
        c.existed_hours = 0;  // nothing was added
      } else {
        std::int64_t from = created_at(*s), to = run_end;
        const StepState* remover = c.removed_by.empty() ? nullptr : run.step(c.removed_by);
        if (remover != nullptr && remover->status == "succeeded" && remover->finished_ms != 0) {
          to = remover->finished_ms;
        } else {
          c.still_exists = true;
        }
        c.existed_hours =
            static_cast<double>(std::max<std::int64_t>(0, to - from)) / 3'600'000.0 * scale;
      }
      if (c.hourly) {
        c.actual = *c.hourly * *c.existed_hours;
        actual_sum += *c.actual;
      } else {
        actual_known = false;
      }
    }
    out.steps.push_back(std::move(c));
  }
  if (predicted_known) out.predicted_total = predicted_sum;
  if (actual_known) out.actual_total = actual_sum;
  return out;
}

}  // namespace tcplan::audit
