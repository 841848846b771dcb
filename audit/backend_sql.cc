// SQL shared by the SQLite and PostgreSQL backends (see backend_sql.h).
#include "audit/backend_sql.h"

#include <charconv>

namespace tcplan::audit::sql {
namespace {

std::int64_t to_int(std::string_view text) {
  std::int64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

}  // namespace

Param text_param(std::string s) {
  Param p;
  p.s = std::move(s);
  return p;
}

Param int_param(std::int64_t i) {
  Param p;
  p.is_int = true;
  p.i = i;
  return p;
}

Where where_clause(const EventFilter& f, char placeholder) {
  Where w;
  std::string cond;
  auto add = [&](const std::string& column_op, Param p) {
    w.params.push_back(std::move(p));
    cond += (cond.empty() ? " WHERE " : " AND ") + column_op + placeholder +
            std::to_string(w.params.size());
  };
  if (f.from_seq > 1) add("seq >= ", int_param(f.from_seq));
  if (f.seq) add("seq = ", int_param(*f.seq));
  if (!f.run_id.empty()) add("run_id = ", text_param(f.run_id));
  if (!f.item.empty()) add("item = ", text_param(f.item));
  if (!f.action.empty()) add("action = ", text_param(f.action));
  if (f.since_ms) add("time_ms >= ", int_param(*f.since_ms));
  if (f.until_ms) add("time_ms <= ", int_param(*f.until_ms));
  if (!f.kinds.empty()) {
    std::string in;
    for (EventKind k : f.kinds) {
      w.params.push_back(text_param(std::string(kind_name(k))));
      in += (in.empty() ? "" : ",") + std::string(1, placeholder) + std::to_string(w.params.size());
    }
    cond += (cond.empty() ? " WHERE " : " AND ") + std::string("kind IN (") + in + ")";
  }
  w.sql = cond + (f.newest_first ? " ORDER BY seq DESC" : " ORDER BY seq");
  if (f.limit > 0) w.sql += " LIMIT " + std::to_string(f.limit);
  return w;
}

Event event_from_text(const std::vector<std::string_view>& c) {
  Event e;
  e.seq = to_int(c[0]);
  e.time_ms = to_int(c[1]);
  auto kind = kind_from_name(c[2]);
  e.kind = kind.value_or(EventKind::kTrailRead);
  e.run_id = c[3];
  e.step_id = c[4];
  e.item = c[5];
  e.attempt = to_int(c[6]);
  e.service = c[7];
  e.action = c[8];
  e.version = c[9];
  e.region = c[10];
  e.endpoint = c[11];
  e.request_id = c[12];
  e.client_token = c[13];
  e.error_code = c[14];
  e.http_status = to_int(c[15]);
  e.latency_us = to_int(c[16]);
  e.operator_user = c[17];
  e.operator_host = c[18];
  e.tool_version = c[19];
  e.payload = kind ? std::string(c[20]) : std::string();
  e.prev_hash = c[21];
  e.hash = c[22];
  return e;
}

std::vector<Param> event_params(const Event& e) {
  return {int_param(e.seq),
          int_param(e.time_ms),
          text_param(std::string(kind_name(e.kind))),
          text_param(e.run_id),
          text_param(e.step_id),
          text_param(e.item),
          int_param(e.attempt),
          text_param(e.service),
          text_param(e.action),
          text_param(e.version),
          text_param(e.region),
          text_param(e.endpoint),
          text_param(e.request_id),
          text_param(e.client_token),
          text_param(e.error_code),
          int_param(e.http_status),
          int_param(e.latency_us),
          text_param(e.operator_user),
          text_param(e.operator_host),
          text_param(e.tool_version),
          text_param(e.payload),
          text_param(e.prev_hash),
          text_param(e.hash)};
}

}  // namespace tcplan::audit::sql
