// Signed evidence packs of a real `tcplan apply` trail: the pack verifies on its own
// (`tcplan audit verify --pack`), its files are private, and removing, reordering or editing
// any single row of its events.jsonl — every row tried — fails, naming the seq; so do a
// changed file, a changed manifest and a manifest signed by another key.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "audit/pack.h"
#include "audit/seal.h"
#include "tests/audit/fixture.h"
#include "tests/executor/e2e.h"

namespace tcplan::audit::testing {
namespace pack_e2e_test {

using namespace tcplan::testing;
using namespace tcplan::testing::e2e;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines)
    out += l + "\n";
  return out;
}

class PackOfARealApply : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    LocalCloudOptions options;
    options.fixture = fleet_fixture();
    cloud_ = new LocalCloud(options);
    bed_ = new Bed();
    // Another run before it and a read of the trail after it: the pack is a slice in the
    // middle of the chain.
    auto before = bed_->apply(*cloud_, plans_dir() / "create-cluster.toml");
    ASSERT_EQ(before.exit_code, 0) << dump(before);
    auto applied = bed_->apply(*cloud_, plans_dir() / "lifecycle.toml");
    ASSERT_EQ(applied.exit_code, 0) << dump(applied);
    run_ = run_id_of(applied);
    auto read = bed_->tcplan(*cloud_, {"audit", "verify"});
    ASSERT_EQ(read.exit_code, 0) << dump(read);
    auto packed = bed_->tcplan(*cloud_, {"audit", "pack", run_, (bed_->dir / "pack").string()});
    ASSERT_EQ(packed.exit_code, 0) << dump(packed);
    rows_ = new std::string(read_file(bed_->dir / "pack" / "events.jsonl"));
  }
  static void TearDownTestSuite() {
    delete rows_;
    delete bed_;
    delete cloud_;
  }
  // A copy of the pack with events.jsonl replaced.
  PackCheck check_with(const std::string& events) {
    TempDir copy;
    for (const auto& entry : std::filesystem::directory_iterator(bed_->dir / "pack"))
      std::filesystem::copy_file(entry.path(), copy / entry.path().filename().string());
    write_file(copy / "events.jsonl", events);
    auto r = verify_pack(copy.path(), "");
    EXPECT_TRUE(r) << r.error().message;
    return *r;
  }
  static std::int64_t seq_of(const std::string& line) {
    return boost::json::parse(line).at("seq").to_number<std::int64_t>();
  }

  static LocalCloud* cloud_;
  static Bed* bed_;
  static std::string run_;
  static std::string* rows_;
};

LocalCloud* PackOfARealApply::cloud_ = nullptr;
Bed* PackOfARealApply::bed_ = nullptr;
std::string PackOfARealApply::run_;
std::string* PackOfARealApply::rows_ = nullptr;

TEST_F(PackOfARealApply, VerifiesOnItsOwnAndIsPrivate) {
  auto ok = bed_->tcplan(*cloud_, {"audit", "verify", "--pack", (bed_->dir / "pack").string()});
  EXPECT_EQ(ok.exit_code, 0) << dump(ok);
  EXPECT_NE(ok.out.find("pack intact"), std::string::npos) << ok.out;
  auto key = SealKey::load(default_key_path(bed_->db));
  ASSERT_TRUE(key);
  EXPECT_NE(ok.out.find("signed by key " + key->fingerprint() + " (signature valid)"),
            std::string::npos)
      << ok.out;
  auto pinned = bed_->tcplan(*cloud_, {"audit", "verify", "--pack", (bed_->dir / "pack").string(),
                                       "--audit-key", default_key_path(bed_->db).string()});
  EXPECT_EQ(pinned.exit_code, 0) << dump(pinned);
  for (const char* f : {"events.jsonl", "events.csv", "report.html", "manifest.json",
                        "manifest.sig", "SHA256SUMS"}) {
    struct stat st {};
    ASSERT_EQ(::stat((bed_->dir / "pack" / f).c_str(), &st), 0) << f;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
  }
  auto lines = lines_of(*rows_);
  ASSERT_GT(lines.size(), 20u);
  // The slice starts at the run's first event and ends at its seal, unbroken.
  EXPECT_GT(seq_of(lines.front()), 1);
  // A run's first event is its driver taking the run's lease, then run_started.
  EXPECT_NE(lines.front().find("\"kind\":\"lease_acquired\""), std::string::npos) << lines.front();
  EXPECT_NE(lines[1].find("\"kind\":\"run_started\""), std::string::npos) << lines[1];
  EXPECT_NE(lines.back().find("\"kind\":\"sealed\""), std::string::npos) << lines.back();
  for (std::size_t i = 1; i < lines.size(); ++i)
    EXPECT_EQ(seq_of(lines[i]), seq_of(lines[i - 1]) + 1);
  EXPECT_TRUE(check_with(*rows_).ok());
}

TEST_F(PackOfARealApply, EveryRowRemovedReorderedOrEditedFailsNamingItsSeq) {
  auto lines = lines_of(*rows_);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string seq = std::to_string(seq_of(lines[i]));
    SCOPED_TRACE("row " + std::to_string(i) + " (event " + seq + ")");
    {
      auto removed = lines;
      removed.erase(removed.begin() + static_cast<std::ptrdiff_t>(i));
      auto c = check_with(joined(removed));
      ASSERT_FALSE(c.ok());
      EXPECT_NE(c.problems.front().find("event " + seq), std::string::npos) << describe(c);
    }
    if (i + 1 < lines.size()) {
      auto swapped = lines;
      std::swap(swapped[i], swapped[i + 1]);
      auto c = check_with(joined(swapped));
      ASSERT_FALSE(c.ok());
      EXPECT_NE(c.problems.front().find("event " + seq), std::string::npos) << describe(c);
    }
    {
      // A one-character edit inside the row (time_ms + 1), leaving valid JSON.
      auto edited = lines;
      auto row = boost::json::parse(edited[i]).as_object();
      row["time_ms"] = row["time_ms"].to_number<std::int64_t>() + 1;
      edited[i] = boost::json::serialize(row);
      auto c = check_with(joined(edited));
      ASSERT_FALSE(c.ok());
      EXPECT_NE(c.problems.front().find("event " + seq + ": hash mismatch"), std::string::npos)
          << describe(c);
    }
  }
}

TEST_F(PackOfARealApply, ChangedFilesManifestOrSignerFail) {
  TempDir copy;
  for (const auto& entry : std::filesystem::directory_iterator(bed_->dir / "pack"))
    std::filesystem::copy_file(entry.path(), copy / entry.path().filename().string());
  write_file(copy / "report.html", read_file(copy / "report.html") + "<!-- edited -->");
  auto changed = verify_pack(copy.path(), "");
  ASSERT_TRUE(changed);
  ASSERT_FALSE(changed->ok());
  EXPECT_NE(describe(*changed).find("report.html: SHA-256 differs"), std::string::npos)
      << describe(*changed);

  std::string manifest = read_file(bed_->dir / "pack" / "manifest.json");
  std::string lowered = manifest;
  lowered.replace(lowered.find("\"count\":"), 8, "\"count\":1");
  write_file(copy / "manifest.json", lowered);
  auto forged = verify_pack(copy.path(), "");
  ASSERT_TRUE(forged);
  EXPECT_FALSE(forged->signature_ok);
  EXPECT_NE(describe(*forged).find("signature does not verify"), std::string::npos);

  // Re-signed by someone else's key: valid on its face, refused against the trusted key.
  TempDir other;
  auto attacker = SealKey::load_or_create(other / "k.pem");
  ASSERT_TRUE(attacker);
  auto owner = SealKey::load(default_key_path(bed_->db));
  ASSERT_TRUE(owner);
  auto store = open_store(bed_->db);
  PackOptions po;
  po.signer = &*attacker;
  ASSERT_TRUE(pack_run(*store, run_, other / "pack", po));
  auto own_face = verify_pack(other / "pack", "");
  ASSERT_TRUE(own_face);
  EXPECT_TRUE(own_face->ok()) << describe(*own_face);
  auto trusted = verify_pack(other / "pack", owner->public_key_hex());
  ASSERT_TRUE(trusted);
  EXPECT_FALSE(trusted->ok());
  EXPECT_NE(describe(*trusted).find("not by the trusted key"), std::string::npos)
      << describe(*trusted);
  auto cli = bed_->tcplan(*cloud_, {"audit", "verify", "--pack", (other / "pack").string(),
                                    "--audit-key", default_key_path(bed_->db).string()});
  EXPECT_EQ(cli.exit_code, 1) << dump(cli);
}

}  // namespace pack_e2e_test
}  // namespace tcplan::audit::testing
