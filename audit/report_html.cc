// HTML report rendering (see report_html.h). Everything user-controlled is escaped: step ids,
// payloads and error messages come from plans and servers, not from us.
#include "audit/report_html.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <map>

#include "audit/report_cost.h"
#include "base/redact.h"
#include "base/time.h"

namespace tcplan::audit {
namespace {

std::string pretty(const boost::json::value& v, int indent = 0) {
  std::string pad(static_cast<size_t>(indent) * 2, ' ');
  if (v.is_object()) {
    const auto& o = v.as_object();
    if (o.empty()) return "{}";
    std::string out = "{\n";
    size_t i = 0;
    for (const auto& [k, x] : o) {
      out +=
          pad + "  " + boost::json::serialize(boost::json::value(k)) + ": " + pretty(x, indent + 1);
      out += ++i < o.size() ? ",\n" : "\n";
    }
    return out + pad + "}";
  }
  if (v.is_array()) {
    const auto& a = v.as_array();
    if (a.empty()) return "[]";
    std::string out = "[\n";
    for (size_t i = 0; i < a.size(); ++i) {
      out += pad + "  " + pretty(a[i], indent + 1) + (i + 1 < a.size() ? ",\n" : "\n");
    }
    return out + pad + "]";
  }
  return boost::json::serialize(v);
}

std::string pretty_text(const std::string& json_text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(json_text, ec);
  return ec ? json_text : pretty(v);
}

std::string fmt_ms(std::int64_t ms) {
  return ms == 0 ? "—" : base::format_utc_ms(ms);
}

std::string duration(std::int64_t from, std::int64_t to) {
  if (from == 0 || to == 0) return "—";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", static_cast<double>(to - from) / 1000.0);
  return buf;
}

std::string status_class(const std::string& status) {
  if (status == "succeeded") return "ok";
  if (status == "failed" || status == "refused") return "bad";
  if (status == "skipped" || status == "dry run") return "skip";
  return "warn";
}

// A stored payload as the report shows it: the redaction rule applied again (the rows were
// redacted when written; a rule that has grown since must still hold for what is shown),
// pretty-printed.
std::string shown_payload(const std::string& payload) {
  return pretty_text(base::process_redactor().redact_payload(payload));
}

constexpr const char* kStyle = R"css(
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
.ok{color:#176b2c}.bad{color:#b00020}.warn{color:#8a5a00}.skip{color:#666}
#chain-status{padding:8px 12px;border-radius:4px;font-weight:600;white-space:pre-wrap}
#chain-status.ok{background:#e6f4ea}#chain-status.bad{background:#fde7e9}#chain-status.warn{background:#fff4d6}
pre{background:#f6f8fa;padding:8px;overflow:auto;max-height:400px;margin:4px 0}
details{margin:2px 0}summary{cursor:pointer;font-family:monospace}
code,.mono{font-family:monospace}
h3{font-size:14px;margin:14px 0 4px}.note{color:#555}
#verification{margin-top:6px;font-weight:normal;background:white}
)css";

// Client-side: only conveniences (expand/collapse all, a filter box). The page is complete
// without it; it marks <body data-script="ran"> so a headless check can see it executed.
constexpr const char* kScript = R"js(
(function(){
  var all=document.querySelectorAll('#events details');
  document.getElementById('expand').onclick=function(){all.forEach(function(d){d.open=true;});};
  document.getElementById('collapse').onclick=function(){all.forEach(function(d){d.open=false;});};
  document.getElementById('filter').oninput=function(e){
    var q=e.target.value.toLowerCase();
    all.forEach(function(d){d.style.display=d.textContent.toLowerCase().indexOf(q)>=0?'':'none';});
  };
  document.getElementById('event-count').textContent=all.length+' events shown';
  document.body.setAttribute('data-script','ran');
})();
)js";

// The verdict a reviewer acts on: chain, seals (and by which key), witness.
std::string verification_block(const RunState& run, const VerifyReport& chain) {
  std::string verdict, cls, headline;
  if (!chain.intact()) {
    verdict = "failed";
    cls = "bad";
    headline = chain.problem->kind == ProblemKind::kTruncated ? "NOT VERIFIED: trail truncated"
                                                              : "NOT VERIFIED: chain NOT INTACT";
  } else if (!chain.sealed() || !run.sealed) {
    verdict = "unsealed";
    cls = "warn";
    headline = "Chain intact, run NOT sealed";
  } else {
    verdict = "verified";
    cls = chain.anchored ? "ok" : "warn";
    headline = "Verified: chain intact, run sealed";
  }
  std::string keys;
  for (const auto& k : chain.key_fingerprints)
    keys += (keys.empty() ? "" : ", ") + k;
  std::string h = "<div id=\"chain-status\" class=\"" + cls + "\" data-intact=\"" +
                  (chain.intact() ? "true" : "false") + "\" data-verdict=\"" + verdict + "\">" +
                  "<span id=\"verdict\">" + html_escape(headline) + "</span>\n";
  h += "<table id=\"verification\">\n";
  auto row = [&](const std::string& k, const std::string& v, const std::string& id) {
    h += "<tr><th>" + html_escape(k) + "</th><td id=\"" + id + "\">" + html_escape(v) +
         "</td></tr>\n";
  };
  row("hash chain",
      chain.intact()
          ? "intact: " + std::to_string(chain.events) + " events, seq " +
                std::to_string(chain.first_seq) + ".." + std::to_string(chain.last_seq)
          : "NOT INTACT: event " + std::to_string(chain.problem->seq) + ": " +
                std::string(problem_name(chain.problem->kind)) + ": " + chain.problem->detail,
      "v-chain");
  row("seals",
      std::to_string(chain.seals) + " valid" +
          (chain.seals > 0 ? ", last: seal " + std::to_string(chain.last_seal_counter) +
                                 " at event " + std::to_string(chain.last_seal_seq)
                           : std::string()) +
          (run.sealed ? "; this run is sealed" : "; this run is NOT sealed"),
      "v-seals");
  row("signing key", keys.empty() ? "—" : keys, "v-key");
  row("key pinned",
      chain.trusted_fingerprint.empty()
          ? "no: any valid signature was accepted (give --audit-key to pin the key)"
          : "yes: every seal is by key " + chain.trusted_fingerprint,
      "v-pinned");
  std::string witness;
  if (!chain.anchored) {
    witness = "none: truncation back to an earlier seal cannot be ruled out";
  } else if (chain.intact()) {
    for (const auto& a : chain.anchors_met) {
      witness += (witness.empty() ? "" : "; ") + a.source + ": seal " + std::to_string(a.counter) +
                 " at event " + std::to_string(a.seq) + " is in the trail (not cut back)";
    }
  } else {
    witness = "checked: see the hash chain row";
  }
  row("witness", witness, "v-witness");
  h += "</table>\n<details><summary>audit verify output</summary><pre>" +
       html_escape(describe(chain)) + "</pre></details></div>\n";
  return h;
}

// The preview's reads are recorded under the pseudo-step "preview", which never starts or
// finishes as a step: once the run is over it is shown as what it was, with the span of its
// calls, not as a step still running.
bool is_dry_run(const RunState& run, const StepState& s) {
  return s.step_id == "preview" && s.status == "running" && run.status != "running";
}

std::string shown_status(const RunState& run, const StepState& s) {
  return is_dry_run(run, s) ? "dry run" : s.status;
}

std::int64_t shown_end(const RunState& run, const StepState& s, std::int64_t fallback) {
  if (s.finished_ms != 0) return s.finished_ms;
  if (!is_dry_run(run, s)) return fallback;
  std::int64_t last = s.started_ms;
  for (const auto& c : s.calls)
    last = std::max({last, c.received_ms, c.sent_ms});
  return last;
}

std::string timeline_svg(const RunState& run) {
  std::int64_t start = run.started_ms, end = std::max(run.finished_ms, run.started_ms);
  for (const auto& s : run.steps) {
    end = std::max({end, s.finished_ms, s.started_ms});
    for (const auto& c : s.calls)
      end = std::max({end, c.received_ms, c.sent_ms});
  }
  double span = static_cast<double>(std::max<std::int64_t>(end - start, 1));
  const int label_w = 180, width = 960, row_h = 26, plot_w = width - label_w - 20;
  int height = 30 + row_h * static_cast<int>(std::max<size_t>(run.steps.size(), 1));
  auto x = [&](std::int64_t t) { return label_w + static_cast<double>(t - start) / span * plot_w; };
  char buf[256];
  std::string svg = "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    std::to_string(width) + "\" height=\"" + std::to_string(height) +
                    "\" role=\"img\" aria-label=\"timeline of steps and calls\">\n";
  std::snprintf(buf, sizeof buf,
                "<text x=\"%d\" y=\"14\" font-size=\"11\">0 s</text><text x=\"%d\" y=\"14\" "
                "font-size=\"11\" text-anchor=\"end\">%s</text>\n",
                label_w, width - 20, html_escape(duration(start, end)).c_str());
  svg += buf;
  int row = 0;
  for (const auto& s : run.steps) {
    int y = 24 + row * row_h;
    svg += "<text x=\"4\" y=\"" + std::to_string(y + 15) + "\" font-size=\"12\">" +
           html_escape(s.step_id) + "</text>\n";
    std::int64_t s0 = s.started_ms != 0 ? s.started_ms : start;
    std::int64_t s1 = shown_end(run, s, end);
    std::string status = shown_status(run, s);
    std::string color = is_dry_run(run, s)              ? "#b9d3f0"
                        : status_class(status) == "ok"  ? "#8fd19e"
                        : status_class(status) == "bad" ? "#f1a0a8"
                                                        : "#f3d58b";
    std::snprintf(buf, sizeof buf,
                  "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"%s\" rx=\"3\">",
                  x(s0), y + 2, std::max(2.0, x(s1) - x(s0)), color.c_str());
    svg += buf;
    svg += "<title>" + html_escape(s.step_id + ": " + status + ", " + duration(s0, s1)) +
           "</title></rect>\n";
    for (const auto& c : s.calls) {
      std::string mark = c.in_flight() ? "#8a5a00" : (c.error_code.empty() ? "#176b2c" : "#b00020");
      std::snprintf(buf, sizeof buf,
                    "<circle cx=\"%.1f\" cy=\"%d\" r=\"4\" fill=\"%s\" stroke=\"white\">",
                    x(c.sent_ms), y + 11, mark.c_str());
      svg += buf;
      svg += "<title>" +
             html_escape(c.action + " attempt " + std::to_string(c.attempt) + " (event " +
                         std::to_string(c.request_seq) + "): " +
                         (c.in_flight()          ? "in flight"
                          : c.error_code.empty() ? "ok"
                                                 : c.error_code)) +
             "</title></circle>\n";
    }
    ++row;
  }
  return svg + "</svg>\n";
}

std::string money(const std::optional<double>& v) {
  if (!v) return "unknown";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", *v);
  return buf;
}

std::string hours_text(double hours) {
  char buf[48];
  if (hours < 1.0 / 60) {
    std::snprintf(buf, sizeof buf, "%.1f s", hours * 3600);
  } else if (hours < 1) {
    std::snprintf(buf, sizeof buf, "%.1f min", hours * 60);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f h", hours);
  }
  return buf;
}

std::string cost_table(const RunState& run, const std::vector<Event>& events) {
  CostSummary costs = compute_costs(run, events);
  if (!costs.has_preview) {
    return "<p id=\"cost\">No cost preview was recorded for this run.</p>\n";
  }
  std::string out;
  if (costs.time_scale != 1) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "<p class=\"note\">A rehearsal at time scale %g: durations below are scaled "
                  "back to cloud time (wall time x %g).</p>\n",
                  costs.time_scale, costs.time_scale);
    out += buf;
  }
  out +=
      "<table id=\"cost\"><tr><th>step</th><th>predicted price</th><th>predicted hourly</th>"
      "<th>predicted cost</th><th>status</th><th>predicted duration</th><th>actual duration</th>"
      "<th>resources existed</th>"
      "<th>actual cost</th></tr>\n";
  for (const auto& c : costs.steps) {
    std::string price = "not billable";
    if (c.quoted_discounted) {
      price = money(c.quoted_discounted) + " " + c.currency + "/" + c.unit + " (list " +
              money(c.quoted_original) + ")";
    } else if (c.billable) {
      price = "unknown" + (c.price_note.empty() ? std::string() : ": " + c.price_note);
    }
    std::string predicted = !c.billable ? "—"
                            : c.predicted
                                ? money(c.predicted) + " (" + hours_text(*c.predicted_hours) +
                                      (c.removed_by.empty() ? "" : ", until " + c.removed_by) + ")"
                                : "unknown (no end in the plan)";
    std::string existed = !c.billable || !c.existed_hours ? "—"
                          : c.status != "succeeded"       ? "nothing added"
                                                          : hours_text(*c.existed_hours);
    if (c.still_exists && c.status == "succeeded") existed += " (still exists at the end)";
    out += "<tr class=\"cost-row\" data-step=\"" + html_escape(c.step_id) +
           "\"><td class=\"mono\">" + html_escape(c.step_id) + "</td><td class=\"price\">" +
           html_escape(price) + "</td><td>" + html_escape(c.hourly ? money(c.hourly) : "—") +
           "</td><td>" + html_escape(predicted) + "</td><td class=\"" + status_class(c.status) +
           "\">" + html_escape(c.status) + "</td><td>" +
           html_escape(c.predicted_duration_s ? hours_text(*c.predicted_duration_s / 3600) : "—") +
           "</td><td>" + html_escape(c.duration_s ? hours_text(*c.duration_s / 3600) : "—") +
           "</td><td>" + html_escape(existed) + "</td><td class=\"actual\">" +
           html_escape(c.billable ? money(c.actual) : "—") + "</td></tr>\n";
  }
  out += "<tr id=\"cost-total\"><th>total</th><td colspan=\"2\">" + html_escape(costs.currency) +
         "</td><td>" + html_escape(money(costs.predicted_total)) +
         "</td><td colspan=\"4\"></td><td>" + html_escape(money(costs.actual_total)) +
         "</td></tr>\n";
  return out + "</table>\n";
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v)
    out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string render_html_report(const RunState& run, const std::vector<Event>& events,
                               const VerifyReport& chain) {
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" +
                  html_escape("tcplan audit report: run " + run.run_id) + "</title>\n<style>" +
                  kStyle + "</style></head>\n<body>\n";
  h += "<h1>Audit report: run <span class=\"mono\" id=\"run-id\">" + html_escape(run.run_id) +
       "</span></h1>\n";
  h += verification_block(run, chain);

  h += "<h2>Summary</h2>\n<table id=\"summary\">\n";
  auto row = [&](const std::string& k, const std::string& v, const std::string& cls = "") {
    h += "<tr><th>" + html_escape(k) + "</th><td" + (cls.empty() ? "" : " class=\"" + cls + "\"") +
         ">" + html_escape(v) + "</td></tr>\n";
  };
  row("status", run.status, status_class(run.status));
  row("operator", run.operator_user + "@" + run.operator_host);
  row("tool", run.tool_version);
  row("region", run.region.empty() ? "—" : run.region);
  row("started (UTC)", fmt_ms(run.started_ms));
  row("finished (UTC)", fmt_ms(run.finished_ms));
  row("duration", duration(run.started_ms, run.finished_ms));
  row("plan SHA-256", run.plan_sha256.empty() ? "—" : run.plan_sha256);
  row("preview SHA-256", run.preview_sha256.empty() ? "—" : run.preview_sha256);
  row("approved", run.approved ? "yes" : "no");
  for (const auto& a : run.approvals) {
    auto text = [&](const char* key) {
      const auto* v = a.if_contains(key);
      return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    if (text("by") != "approval") continue;
    row("approval", text("approver") + " (key " + text("approver_fingerprint") +
                        (text("ticket").empty() ? "" : ", ticket " + text("ticket")) + ", given " +
                        text("approved_at") + ", expires " + text("expires_at") + ")");
  }
  if (!run.refusal.empty()) row("refused", run.refusal, "bad");
  row("events", std::to_string(run.events) + " (seq " + std::to_string(run.first_seq) + ".." +
                    std::to_string(run.last_seq) + ")");
  row("sealed", run.sealed ? "yes" : "no", run.sealed ? "ok" : "warn");
  h += "</table>\n";

  h += "<h2>Timeline</h2>\n" + timeline_svg(run);
  h += "<h2>Predicted cost vs actual</h2>\n" + cost_table(run, events);

  h += "<h2>Steps</h2>\n<table id=\"steps\"><tr><th>step</th><th>status</th><th>started</th>"
       "<th>duration</th><th>attempts</th><th>retries</th><th>ClientToken</th>"
       "<th>resources</th><th>flows</th><th>last error</th></tr>\n";
  for (const auto& s : run.steps) {
    h += "<tr class=\"step\" data-step=\"" + html_escape(s.step_id) + "\"><td class=\"mono\">" +
         html_escape(s.step_id) + "</td><td class=\"" + status_class(shown_status(run, s)) + "\">" +
         html_escape(shown_status(run, s)) + "</td><td>" + html_escape(fmt_ms(s.started_ms)) +
         "</td><td>" + html_escape(duration(s.started_ms, shown_end(run, s, 0))) + "</td><td>" +
         std::to_string(s.attempts) + "</td><td>" + std::to_string(s.retries) +
         "</td><td class=\"mono\">" + html_escape(s.client_token) + "</td><td class=\"mono\">" +
         html_escape(join(s.resource_ids)) + "</td><td class=\"mono\">" +
         html_escape(join(s.flow_ids)) + "</td><td>" + html_escape(s.last_error) + "</td></tr>\n";
  }
  h += "</table>\n";

  h += "<h2>Requests and responses by step</h2>\n<div id=\"calls\">\n";
  std::map<std::int64_t, const Event*> by_seq;
  for (const auto& e : events)
    by_seq[e.seq] = &e;
  for (const auto& s : run.steps) {
    h += "<section class=\"step-calls\" data-step=\"" + html_escape(s.step_id) +
         "\"><h3 class=\"mono\">" + html_escape(s.step_id) +
         (s.step_id == "preview" ? " (dry-run reads and prices)" : "") + "</h3>\n";
    if (s.calls.empty()) h += "<p>No API calls.</p>\n";
    for (const auto& c : s.calls) {
      std::string outcome = c.in_flight()       ? "no answer recorded (in flight)"
                            : c.transport_error ? "transport error " + c.error_code
                            : c.error_code.empty()
                                ? "HTTP " + std::to_string(c.http_status) + " ok"
                                : "HTTP " + std::to_string(c.http_status) + " " + c.error_code;
      std::string summary = c.action + (c.item.empty() ? "" : " [" + c.item + "]") + " attempt " +
                            std::to_string(c.attempt) + ": " + outcome +
                            (c.request_id.empty() ? "" : " · RequestId " + c.request_id);
      h += "<details class=\"call\" data-request-seq=\"" + std::to_string(c.request_seq) +
           "\"><summary>" + html_escape(summary) + "</summary>\n";
      auto it = by_seq.find(c.request_seq);
      if (it != by_seq.end()) {
        h += "<div>request (event " + std::to_string(c.request_seq) +
             ")</div><pre class=\"request\">" + html_escape(shown_payload(it->second->payload)) +
             "</pre>\n";
      }
      it = c.response_seq != 0 ? by_seq.find(c.response_seq) : by_seq.end();
      if (it != by_seq.end()) {
        h += "<div>response (event " + std::to_string(c.response_seq) +
             ")</div><pre class=\"response\">" + html_escape(shown_payload(it->second->payload)) +
             "</pre>\n";
      }
      h += "</details>\n";
    }
    h += "</section>\n";
  }
  h += "</div>\n";

  h += "<h2>Events, requests and responses</h2>\n<p><button id=\"expand\">expand all</button> "
       "<button id=\"collapse\">collapse all</button> <input id=\"filter\" "
       "placeholder=\"filter\"> <span id=\"event-count\"></span></p>\n<div id=\"events\">\n";
  for (const auto& e : events) {
    std::string summary = "#" + std::to_string(e.seq) + " " + base::format_utc_ms(e.time_ms) + " " +
                          std::string(kind_name(e.kind));
    if (!e.step_id.empty()) summary += " step=" + e.step_id;
    if (!e.action.empty()) summary += " " + e.action;
    if (e.attempt > 0) summary += " attempt=" + std::to_string(e.attempt);
    if (e.http_status != 0) summary += " http=" + std::to_string(e.http_status);
    if (!e.error_code.empty()) summary += " error=" + e.error_code;
    if (!e.request_id.empty()) summary += " RequestId=" + e.request_id;
    h += "<details data-seq=\"" + std::to_string(e.seq) + "\"><summary>" + html_escape(summary) +
         "</summary>\n<pre>" +
         html_escape(e.kind == EventKind::kSealed ? pretty_text(e.payload)  // a public key
                                                  : shown_payload(e.payload)) +
         "</pre>\n<div class=\"mono\">" +
         html_escape("endpoint " + e.endpoint + " · region " + e.region + " · ClientToken " +
                     e.client_token + " · latency " + std::to_string(e.latency_us) + " µs · hash " +
                     e.hash) +
         "</div></details>\n";
  }
  h += "</div>\n<script>" + std::string(kScript) + "</script>\n</body></html>\n";
  return h;
}

}  // namespace tcplan::audit
