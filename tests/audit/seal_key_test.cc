// The seal key is created exactly once: first runs racing on a new DB (processes and threads)
// all end up with the same key, the file is whole and private, and a readable key is refused.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "tests/audit/fixture.h"

namespace tcplan::audit::testing {
namespace seal_key_test {

using tcplan::testing::TempDir;

std::string read_all(int fd) {
  std::string out;
  char buf[256];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<size_t>(n));
  return out;
}

// Child processes wait on a pipe until all of them exist, then race to create the key and
// report the public key they ended up with.
TEST(SealKey, ProcessesRacingOnANewKeyAllGetTheSameOne) {
  constexpr int kProcesses = 6;
  for (int round = 0; round < 3; ++round) {
    TempDir dir;
    auto path = dir / "audit.db.key";
    int start[2];
    ASSERT_EQ(::pipe(start), 0);
    std::vector<std::pair<pid_t, int>> children;
    for (int i = 0; i < kProcesses; ++i) {
      int out[2];
      ASSERT_EQ(::pipe(out), 0);
      pid_t pid = ::fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        ::close(start[1]);
        ::close(out[0]);
        char go;
        (void)::read(start[0], &go, 1);  // returns 0 when the parent closes its end
        auto key = SealKey::load_or_create(path);
        std::string answer = key ? key->public_key_hex() : "error: " + key.error().message;
        (void)::write(out[1], answer.data(), answer.size());
        ::_exit(key ? 0 : 1);
      }
      ::close(out[1]);
      children.emplace_back(pid, out[0]);
    }
    ::close(start[0]);
    ::close(start[1]);  // go
    std::set<std::string> keys;
    for (auto [pid, fd] : children) {
      keys.insert(read_all(fd));
      ::close(fd);
      int status = 0;
      ASSERT_EQ(::waitpid(pid, &status, 0), pid);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    ASSERT_EQ(keys.size(), 1u) << "round " << round << ": " << *keys.begin();
    auto on_disk = SealKey::load(path);
    ASSERT_TRUE(on_disk) << on_disk.error().message;
    EXPECT_EQ(on_disk->public_key_hex(), *keys.begin());
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    // No temp file is left behind.
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path()))
      ++files;
    EXPECT_EQ(files, 1u);
  }
}

TEST(SealKey, ThreadsRacingOnANewKeyAllGetTheSameOne) {
  TempDir dir;
  auto path = dir / "k.pem";
  constexpr int kThreads = 8;
  std::vector<std::string> got(kThreads);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      ++ready;
      while (ready.load() < kThreads)
        std::this_thread::yield();  // until every thread is here, so they race
      auto key = SealKey::load_or_create(path);
      got[i] = key ? key->public_key_hex() : key.error().message;
    });
  }
  for (auto& t : threads)
    t.join();
  for (const auto& k : got)
    EXPECT_EQ(k, got[0]);
  auto on_disk = SealKey::load(path);
  ASSERT_TRUE(on_disk);
  EXPECT_EQ(on_disk->public_key_hex(), got[0]);
}

TEST(SealKey, AKeyReadableByOthersIsRefused) {
  TempDir dir;
  auto key = SealKey::load_or_create(dir / "k.pem");
  ASSERT_TRUE(key);
  ASSERT_EQ(::chmod((dir / "k.pem").c_str(), 0644), 0);
  auto again = SealKey::load_or_create(dir / "k.pem");
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("readable by other users"), std::string::npos);
}

}  // namespace seal_key_test
}  // namespace tcplan::audit::testing
