// The arrows ARCHITECTURE.md forbids, checked on the source tree: no folder includes a header
// of, or links the library of, a folder it must not know (api knows no plans, runs or trail;
// the emulator knows no plans; planner and executor reach a cloud only through api). It lives
// with the planner's tests because every test binary can read the tree; it covers all folders.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace tcplan {
namespace architecture_test {

namespace fs = std::filesystem;

const fs::path kRoot = TCPLAN_SOURCE_DIR;

// Every folder and the folders it may use (ARCHITECTURE.md, "The arrows").
const std::map<std::string, std::set<std::string>>& allowed() {
  static const std::map<std::string, std::set<std::string>> kAllowed = {
      {"base", {}},
      {"api", {"base"}},
      {"audit", {"api", "base"}},
      {"emulator", {"api", "base"}},
      {"planner", {"api", "base"}},
      {"executor", {"planner", "audit", "api", "base"}},
      {"cli", {"executor", "planner", "audit", "emulator", "api", "base"}},
  };
  return kAllowed;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// "file:line: #include "x/y.h"" for every include in root/folder of a folder it may not use.
std::vector<std::string> forbidden_includes(const fs::path& root, const std::string& folder) {
  static const std::regex kInclude(R"re(^\s*#\s*include\s*"([a-z_]+)/)re");
  std::vector<std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(root / folder)) {
    const auto ext = entry.path().extension();
    if (!entry.is_regular_file() || (ext != ".h" && ext != ".cc")) continue;
    std::istringstream lines(read(entry.path()));
    std::string line;
    for (int n = 1; std::getline(lines, line); ++n) {
      std::smatch m;
      if (!std::regex_search(line, m, kInclude)) continue;
      const std::string used = m[1];
      if (used == folder || !allowed().count(used) || allowed().at(folder).count(used)) continue;
      out.push_back(fs::relative(entry.path(), root).string() + ":" + std::to_string(n) + ": " +
                    line);
    }
  }
  return out;
}

// The tcplan_* libraries a folder's CMakeLists.txt links that it may not use.
std::vector<std::string> forbidden_links(const std::string& folder) {
  const std::string text = read(kRoot / folder / "CMakeLists.txt");
  std::vector<std::string> out;
  static const std::regex kLink(R"(target_link_libraries\(([^)]*)\))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kLink);
       it != std::sregex_iterator(); ++it) {
    std::istringstream words((*it)[1].str());
    std::string word;
    words >> word;  // the target itself
    while (words >> word) {
      if (word.rfind("tcplan_", 0) != 0) continue;
      const std::string used = word.substr(std::string("tcplan_").size());
      if (used == folder || !allowed().count(used) || allowed().at(folder).count(used)) continue;
      out.push_back(folder + "/CMakeLists.txt links " + word);
    }
  }
  return out;
}

TEST(Architecture, NoFolderIncludesAFolderItMustNotKnow) {
  for (const auto& [folder, uses] : allowed()) {
    SCOPED_TRACE(folder);
    ASSERT_TRUE(fs::is_directory(kRoot / folder));
    EXPECT_THAT(forbidden_includes(kRoot, folder), ::testing::IsEmpty());
  }
}

TEST(Architecture, NoLibraryLinksALibraryItMustNotKnow) {
  for (const auto& [folder, uses] : allowed()) {
    SCOPED_TRACE(folder);
    EXPECT_THAT(forbidden_links(folder), ::testing::IsEmpty());
  }
}

TEST(Architecture, TheCheckSeesAForbiddenInclude) {
  // The scanner itself, on a small tree: api including the planner is caught, api including
  // base and a system header are not.
  const fs::path root = fs::temp_directory_path() / ("tcplan-arch-" + std::to_string(::getpid()));
  fs::create_directories(root / "api");
  {
    std::ofstream out(root / "api" / "probe.h");
    out << "#pragma once\n#include <string>\n#include \"base/result.h\"\n"
           "  #include \"planner/plan.h\"\n";
  }
  const auto found = forbidden_includes(root, "api");
  fs::remove_all(root);
  EXPECT_THAT(found, ::testing::ElementsAre(::testing::HasSubstr("api/probe.h:4")));
}

}  // namespace architecture_test
}  // namespace tcplan
