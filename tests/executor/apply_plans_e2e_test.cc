// Every plan in plans/ (listed at run time, so a new plan is covered when it is added) applied
// against the plans' fixture, on a clean line and with faults on every action, must leave
// exactly the state its steps describe, with one resource per ClientToken.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "audit/seal.h"
#include "planner/resolve.h"
#include "tests/executor/e2e.h"

namespace tcplan::testing {
namespace apply_plans_e2e_test {

namespace json = boost::json;
namespace fs = std::filesystem;
using e2e::Bed;
using e2e::dump;

std::vector<std::string> example_plans() {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(e2e::plans_dir())) {
    if (entry.is_regular_file() && entry.path().extension() == ".toml") {
      out.push_back(entry.path().filename().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::int64_t int_at(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_number() ? v->to_number<std::int64_t>() : 0;
}

std::string str_at(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::size_t list_size(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_array() ? v->as_array().size() : 0;
}

// What a plan that succeeded leaves behind, read off its steps as an operator would: a create
// adds a cluster ("new:<step>" until we know its id), a scale-out adds nodes, a scale-in
// removes what it selects, a terminate removes a cluster or instances.
struct Expected {
  std::map<std::string, std::int64_t> nodes;  // every live cluster -> its node count
  std::set<std::string> gone_clusters;
  std::set<std::string> gone_instances;
  std::vector<std::string> creates;           // ids of the create steps
  std::map<std::string, std::int64_t> added;  // scale-out step -> nodes it adds
};

Expected expected_effects(const planner::Plan& plan, const json::value& before) {
  Expected e;
  for (const auto& c : before.at("Clusters").as_array()) {
    if (!c.at("Terminated").as_bool()) {
      e.nodes[str_at(c.as_object(), "ClusterId")] =
          static_cast<std::int64_t>(c.at("Nodes").as_array().size());
    }
  }
  planner::ResolveContext ctx;
  ctx.plan = &plan;
  ctx.allow_unknown_outputs = true;
  for (const auto& step : plan.steps) {
    if (step.kind == planner::StepKind::kCreate) {
      ctx.outputs[step.id] = json::object{{"InstanceId", "new:" + step.id}};
    }
  }
  for (const auto& step : plan.steps) {
    json::array items{json::value(nullptr)};
    if (step.for_each_query) {
      // A fleet chosen by query is resolved by the dry run; the steps that use one leave the
      // node counts as they are (a step that changes them needs the query resolved here).
      EXPECT_TRUE(step.kind == planner::StepKind::kRestart ||
                  step.kind == planner::StepKind::kWait ||
                  step.kind == planner::StepKind::kScheduler)
          << step.id;
      continue;
    }
    if (step.for_each) {
      auto list = planner::resolve_for_each(step, ctx);
      EXPECT_TRUE(list.ok()) << step.id;
      if (list.ok()) items = *list;
    }
    for (const auto& item : items) {
      auto c = ctx;
      c.item = step.for_each ? &item : nullptr;
      auto resolved = planner::resolve_params(step, c);
      EXPECT_TRUE(resolved.ok()) << step.id;
      if (!resolved.ok()) continue;
      const json::object& p = resolved->params;
      const std::string cluster = str_at(p, "InstanceId");
      switch (step.kind) {
        case planner::StepKind::kCreate: {
          const auto& spec = p.at("ResourceSpec").as_object();
          e.nodes["new:" + step.id] = int_at(spec, "MasterCount") + int_at(spec, "CoreCount") +
                                      int_at(spec, "TaskCount") + int_at(spec, "CommonCount");
          e.creates.push_back(step.id);
          break;
        }
        case planner::StepKind::kScaleOut: {
          std::int64_t n = int_at(p, "TaskCount") + int_at(p, "CoreCount") +
                           int_at(p, "RouterCount") + int_at(p, "MasterCount");
          if (auto* cfg = p.if_contains("ScaleOutNodeConfig"); cfg && cfg->is_object()) {
            n += int_at(cfg->as_object(), "NodeCount");
          }
          e.nodes[cluster] += n;
          e.added[step.id] += n;
          break;
        }
        case planner::StepKind::kScaleIn: {
          std::int64_t n = static_cast<std::int64_t>(list_size(p, "ResourceIds") +
                                                     list_size(p, "CvmInstanceIds"));
          if (step.select)
            n = step.select->added_by.empty() ? step.select->newest
                                              : e.added[step.select->added_by];
          e.nodes[cluster] -= n;
          break;
        }
        case planner::StepKind::kTerminate:
          if (step.service == "emr") {
            e.nodes.erase(cluster);
            e.gone_clusters.insert(cluster);
          }
          for (const char* key : {"InstanceIds", "InstanceIdSet"}) {
            if (auto* ids = p.if_contains(key); ids && ids->is_array()) {
              for (const auto& id : ids->as_array())
                e.gone_instances.insert(std::string(id.as_string()));
            }
          }
          break;
        default:
          break;
      }
    }
  }
  return e;
}

const json::object* find_cluster(const json::value& state, const std::string& id) {
  for (const auto& c : state.at("Clusters").as_array()) {
    if (str_at(c.as_object(), "ClusterId") == id) return &c.as_object();
  }
  return nullptr;
}

std::string tag_value(const json::object& cluster, const std::string& key) {
  for (const auto& t : cluster.at("Tags").as_array()) {
    if (str_at(t.as_object(), "TagKey") == key) return str_at(t.as_object(), "TagValue");
  }
  return {};
}

// The state after the run against what the plan's steps say it must be.
void check_effects(const planner::Plan& plan, const json::value& before, const json::value& after,
                   const std::string& run_id, const std::vector<e2e::Row>& rows) {
  Expected e = expected_effects(plan, before);

  // Clusters the run created, each found by the tags tcplan puts on what it creates.
  std::map<std::string, std::string> real;  // "new:<step>" -> cluster id
  std::size_t created = 0;
  for (const auto& c : after.at("Clusters").as_array()) {
    const auto& cluster = c.as_object();
    if (find_cluster(before, str_at(cluster, "ClusterId"))) continue;
    ++created;
    EXPECT_EQ(tag_value(cluster, "tcplan:run"), run_id);
    std::string& slot = real["new:" + tag_value(cluster, "tcplan:step")];
    EXPECT_TRUE(slot.empty()) << "two clusters for step " << tag_value(cluster, "tcplan:step")
                              << ": " << slot << " and " << str_at(cluster, "ClusterId");
    slot = str_at(cluster, "ClusterId");
  }
  EXPECT_EQ(created, e.creates.size()) << "exactly one cluster per create step";
  auto id_of = [&](const std::string& id) {
    return id.rfind("new:", 0) == 0 && real.count(id) ? real[id] : id;
  };

  for (const auto& [id, count] : e.nodes) {
    const json::object* c = find_cluster(after, id_of(id));
    ASSERT_NE(c, nullptr) << "cluster " << id << " missing";
    EXPECT_FALSE(c->at("Terminated").as_bool()) << id;
    EXPECT_EQ(int_at(*c, "Status"), 2) << "cluster " << id << " is not back to running";
    EXPECT_EQ(static_cast<std::int64_t>(c->at("Nodes").as_array().size()), count)
        << "nodes of cluster " << id;
  }
  for (const auto& id : e.gone_clusters) {
    const json::object* c = find_cluster(after, id_of(id));
    ASSERT_NE(c, nullptr) << "cluster " << id << " missing";
    EXPECT_TRUE(c->at("Terminated").as_bool()) << "cluster " << id << " was not terminated";
  }
  for (const auto& i : after.at("Instances").as_array()) {
    std::string id = str_at(i.as_object(), "InstanceId");
    EXPECT_EQ(str_at(i.as_object(), "InstanceState"),
              e.gone_instances.count(id) ? "TERMINATED" : "RUNNING")
        << "instance " << id;
  }
  StateCounts counts = count_state(after);
  EXPECT_LE(counts.max_resources_per_token, 1u) << "a ClientToken created twice";
  EXPECT_EQ(counts.clusters, e.nodes.size());

  // A scale-out's ClientToken added the nodes its step asked for, once.
  std::map<std::string, std::string> step_of_token;
  for (const auto& r : e2e::select(rows, "step_started")) {
    if (!r.str("client_token").empty()) step_of_token[r.str("client_token")] = r.step();
  }
  for (const auto& t : after.at("ClientTokens").as_array()) {
    const auto& token = t.as_object();
    if (str_at(token, "Action").rfind("ScaleOut", 0) != 0) continue;
    const std::string step = step_of_token[str_at(token, "ClientToken")];
    EXPECT_EQ(int_at(token, "ResourcesCreated"), e.added[step])
        << "nodes created with the ClientToken of step '" << step << "'";
  }
}

void apply_and_check(const std::string& name, const fs::path& faults) {
  const fs::path plan_file = e2e::plans_dir() / name;
  planner::Diagnostics diags(plan_file.string());
  auto plan = planner::check_plan_file(plan_file.string(), diags);
  ASSERT_TRUE(plan && !diags.has_errors()) << diags.render();

  LocalCloudOptions options;
  options.fixture = e2e::fleet_fixture();
  options.faults = faults;
  LocalCloud cloud(options);
  Bed bed;
  const json::value before = cloud.state();

  std::vector<std::string> extra;
  if (auto now = e2e::now_inside_window(plan_file); !now.empty()) extra = {"--now", now};
  fs::path input = plan_file;
  if (plan->approval && plan->approval->required > 0) {
    // As its approver and applier would: saved, signed by another key, applied with that.
    // `tcplan plan` does not retry, so the review reads a cloud without the faults (same
    // fixture, same prices); apply, which retries, meets them.
    LocalCloudOptions calm = options;
    calm.faults.clear();
    LocalCloud review(calm);
    input = bed.dir / "saved.json";
    ASSERT_TRUE(audit::SealKey::load_or_create(bed.dir / "approver.key").ok());
    std::vector<std::string> save{"plan", plan_file.string(), "--out", input.string()};
    save.insert(save.end(), extra.begin(), extra.end());
    ProcessResult saved = bed.tcplan(review, save);
    ASSERT_EQ(saved.exit_code, 0) << dump(saved);
    ProcessResult approved =
        bed.tcplan(review, {"approve", input.string(), "--key", (bed.dir / "approver.key").string(),
                            "--approver", "approver", "--ticket", "CHG-1"});
    ASSERT_EQ(approved.exit_code, 0) << dump(approved);
  }
  ProcessResult r = bed.apply(cloud, input, extra);
  ASSERT_EQ(r.exit_code, 0) << dump(r);
  EXPECT_NE(r.out.find("run succeeded"), std::string::npos) << dump(r);
  const std::string run_id = e2e::run_id_of(r);
  ASSERT_FALSE(run_id.empty()) << dump(r);

  // Let any flow the last step started (a scale-in, a terminate) run to its end.
  cloud.advance_ms(2 * 3600 * 1000);
  check_effects(*plan, before, cloud.state(), run_id, e2e::export_rows(bed, cloud, run_id));

  ProcessResult verify = bed.tcplan(cloud, {"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << dump(verify);
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = fs::path(info.param).stem().string();
  for (auto& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

class ApplyExamplePlan : public ::testing::TestWithParam<std::string> {};

TEST_P(ApplyExamplePlan, SucceedsAndLeavesExactlyWhatItDescribes) {
  apply_and_check(GetParam(), {});
}

TEST_P(ApplyExamplePlan, SucceedsWithFaultsOnEveryActionWithoutDuplicates) {
  apply_and_check(GetParam(), e2e::data_dir() / "faults-every-action.toml");
}

INSTANTIATE_TEST_SUITE_P(Plans, ApplyExamplePlan, ::testing::ValuesIn(example_plans()), test_name);

}  // namespace apply_plans_e2e_test
}  // namespace tcplan::testing
