// Witness state, its JSON form, and the file witness (see witness.h).
#include "audit/witness.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "audit/location.h"
#include "base/atomic_file.h"

namespace tcplan::audit {
namespace {

std::string state_text(const WitnessState& s) {
  return "seal " + std::to_string(s.counter) + " at event " + std::to_string(s.seq) + " (hash " +
         s.hash.substr(0, 16) + "…)";
}

// Closes the lock file (and so releases the flock) when it goes out of scope.
struct LockFile {
  int fd = -1;
  ~LockFile() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string witness_json(const WitnessState& s) {
  boost::json::object o;
  o["format"] = kWitnessFormat;
  o["counter"] = s.counter;
  o["seq"] = s.seq;
  o["hash"] = s.hash;
  o["run_id"] = s.run_id;
  o["key_fingerprint"] = s.key_fingerprint;
  o["time_ms"] = s.time_ms;
  return boost::json::serialize(o) + "\n";
}

base::Result<WitnessState> parse_witness(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return base::Error{"not JSON"};
  const auto& o = v.as_object();
  auto str = [&](const char* k) {
    auto* f = o.if_contains(k);
    return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  auto num = [&](const char* k) -> std::optional<std::int64_t> {
    auto* f = o.if_contains(k);
    if (f == nullptr || !f->is_int64()) return std::nullopt;
    return f->as_int64();
  };
  if (str("format") != kWitnessFormat) {
    return base::Error{"not a " + std::string(kWitnessFormat) + " witness"};
  }
  WitnessState s;
  auto counter = num("counter"), seq = num("seq");
  s.hash = str("hash");
  if (!counter || !seq || *counter < 1 || *seq < 1 || s.hash.size() != 64) {
    return base::Error{"witness has no valid counter, seq and hash"};
  }
  s.counter = *counter;
  s.seq = *seq;
  s.run_id = str("run_id");
  s.key_fingerprint = str("key_fingerprint");
  s.time_ms = num("time_ms").value_or(0);
  return s;
}

AdvanceDecision advance_decision(const std::optional<WitnessState>& stored,
                                 const WitnessState& next) {
  if (!stored) return AdvanceDecision::kWrite;
  const WitnessState& s = *stored;
  if (next.counter == s.counter) {
    return next.seq == s.seq && next.hash == s.hash ? AdvanceDecision::kKeep
                                                    : AdvanceDecision::kRefuse;
  }
  if (next.counter > s.counter) {
    return next.seq > s.seq ? AdvanceDecision::kWrite : AdvanceDecision::kRefuse;
  }
  // An older seal: a later one was recorded by a faster sealer. Keeping it is right only if
  // it is also later in the chain.
  return next.seq < s.seq ? AdvanceDecision::kKeep : AdvanceDecision::kRefuse;
}

base::Result<std::optional<WitnessState>> FileWitness::read() const {
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path_, ec)) return std::optional<WitnessState>();
    return base::Error{"cannot read " + describe()};
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto state = parse_witness(text.str());
  if (!state) return base::Error{describe() + ": " + state.error().message};
  return std::optional<WitnessState>(*state);
}

base::Status<base::Error> FileWitness::advance(const WitnessState& next) {
  LockFile lock;
  std::string lock_path = path_.string() + ".lock";
  lock.fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock.fd < 0) {
    return base::Error{"opening " + lock_path + ": " + std::strerror(errno)};
  }
  while (::flock(lock.fd, LOCK_EX) != 0) {
    if (errno != EINTR) return base::Error{"locking " + lock_path + ": " + std::strerror(errno)};
  }
  auto stored = read();
  if (!stored) return stored.error();
  switch (advance_decision(*stored, next)) {
    case AdvanceDecision::kKeep:
      return {};
    case AdvanceDecision::kRefuse:
      return base::Error{describe() + " records " + state_text(**stored) +
                         "; refusing to replace it with " + state_text(next) +
                         ": they are not one history"};
    case AdvanceDecision::kWrite:
      break;
  }
  return base::write_file_atomically(path_, witness_json(next), 0600);
}

std::shared_ptr<Witness> file_witness(const std::filesystem::path& path) {
  return std::make_shared<FileWitness>(path);
}

std::filesystem::path default_witness_path(const std::string& location,
                                           const std::filesystem::path& key_path) {
  auto parsed = parse_location(location);
  std::string name = parsed ? parsed->name : std::filesystem::path(location).filename().string();
  return key_path.parent_path() / (name + ".witness");
}

}  // namespace tcplan::audit
