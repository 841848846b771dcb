#include "api/credentials.h"

#include <openssl/crypto.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "base/text.h"

namespace tcplan::api {
namespace {

namespace json = boost::json;

constexpr const char* kEnvSecretId = "TENCENTCLOUD_SECRET_ID";
constexpr const char* kEnvSecretKey = "TENCENTCLOUD_SECRET_KEY";
constexpr const char* kEnvToken = "TENCENTCLOUD_TOKEN";
constexpr const char* kEnvRegion = "TENCENTCLOUD_REGION";
constexpr const char* kEnvCredentialsFile = "TENCENTCLOUD_CREDENTIALS_FILE";

std::string trim_line(std::string_view s) {
  return std::string(base::trim(s, " \t\r\n"));
}

// A variable of ours that is set must not be empty: an empty key would otherwise fall through
// to a file and sign with credentials the user did not mean.
base::Result<std::optional<std::string>> read_var(const CredentialEnvironment& env,
                                                  const char* name) {
  auto value = env.getenv(name);
  if (value && trim_line(*value).empty()) {
    return base::Error{std::string(name) + " is set but empty; unset it or give it a value"};
  }
  if (value) return std::optional<std::string>(trim_line(*value));
  return std::optional<std::string>();
}

std::optional<std::string> slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return out.str();
}

using IniSection = std::map<std::string, std::string>;

// A key, token or region goes into an HTTP header or a signature: a control character in one
// (a CR pasted with it, say) would inject a header or sign garbage. The message names the
// field, never its value.
std::optional<std::string> control_character_in(const Credentials& c, const std::string& where,
                                                const char* id, const char* key, const char* token,
                                                const char* region) {
  auto has_control = [](const std::string& v) {
    for (unsigned char ch : v) {
      if (ch < 0x20 || ch == 0x7f) return true;
    }
    return false;
  };
  for (const auto& [value, name] : {std::pair{&c.secret_id, id}, std::pair{&c.secret_key, key},
                                    std::pair{&c.token, token}, std::pair{&c.region, region}}) {
    if (has_control(*value)) return where + ": " + name + " holds a control character";
  }
  return std::nullopt;
}

// The INI dialect the SDKs read: [section], key = value, '#' or ';' comments. Values may be
// quoted. Section and key names are case-sensitive, as in the Python SDK's configparser use.
base::Result<std::map<std::string, IniSection>> parse_ini(const std::string& text,
                                                          const std::string& where) {
  std::map<std::string, IniSection> sections;
  IniSection* current = nullptr;
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    std::string t = trim_line(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[') {
      if (t.back() != ']') {
        return base::Error{where + ":" + std::to_string(number) + ": malformed section header"};
      }
      current = &sections[trim_line(std::string_view(t).substr(1, t.size() - 2))];
      continue;
    }
    auto eq = t.find('=');
    if (eq == std::string::npos) {
      // Never echo the line: it may be a pasted secret.
      return base::Error{where + ":" + std::to_string(number) + ": expected key = value"};
    }
    if (current == nullptr) {
      return base::Error{where + ":" + std::to_string(number) + ": key outside any [section]"};
    }
    std::string value = trim_line(std::string_view(t).substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    (*current)[trim_line(std::string_view(t).substr(0, eq))] = value;
  }
  return sections;
}

// One source's answer: nullopt = this source has nothing for the profile, try the next.
using SourceResult = base::Result<std::optional<Credentials>>;

SourceResult from_environment(const CredentialEnvironment& env) {
  auto id = read_var(env, kEnvSecretId);
  if (!id) return id.error();
  auto key = read_var(env, kEnvSecretKey);
  if (!key) return key.error();
  auto token = read_var(env, kEnvToken);
  if (!token) return token.error();
  if (!id->has_value() && !key->has_value()) return std::optional<Credentials>();
  if (!id->has_value()) {
    return base::Error{std::string(kEnvSecretKey) + " is set but " + kEnvSecretId + " is not"};
  }
  if (!key->has_value()) {
    return base::Error{std::string(kEnvSecretId) + " is set but " + kEnvSecretKey + " is not"};
  }
  Credentials c;
  c.secret_id = **id;
  c.secret_key = **key;
  c.token = token->value_or("");
  c.source = "environment";
  return std::optional<Credentials>(std::move(c));
}

// The credentials file's path and bytes; nullopt when there is none (and none was named).
base::Result<std::optional<std::pair<std::string, std::string>>> credentials_file(
    const CredentialEnvironment& env) {
  using Found = std::optional<std::pair<std::string, std::string>>;
  auto named = read_var(env, kEnvCredentialsFile);
  if (!named) return named.error();
  std::filesystem::path path;
  if (named->has_value()) {
    path = **named;
  } else if (!env.home.empty()) {
    path = env.home / ".tencentcloud" / "credentials";
  } else {
    return Found();
  }
  auto text = slurp(path);
  if (!text) {
    // A file the user named explicitly must exist; the default location is optional.
    if (named->has_value()) {
      return base::Error{std::string(kEnvCredentialsFile) + " names " + path.string() +
                         ", which cannot be read"};
    }
    return Found();
  }
  return Found(std::pair{path.string(), std::move(*text)});
}

SourceResult from_credentials_file(const CredentialEnvironment& env, const std::string& profile) {
  auto file = credentials_file(env);
  if (!file) return file.error();
  if (!file->has_value()) return std::optional<Credentials>();
  return parse_credentials_ini((*file)->second, (*file)->first, profile);
}

std::string json_string(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

SourceResult from_tccli(const CredentialEnvironment& env, const std::string& profile) {
  if (env.home.empty()) return std::optional<Credentials>();
  std::filesystem::path dir = env.home / ".tccli";
  auto path = dir / (profile + ".credential");
  auto text = slurp(path);
  if (!text) return std::optional<Credentials>();
  auto parsed = parse_tccli_credential(*text, path.string());
  if (!parsed || !parsed->has_value()) return parsed;
  Credentials c = std::move(**parsed);
  boost::system::error_code ec;
  // The region lives in the sibling .configure file; a broken one only costs the default.
  if (auto conf = slurp(dir / (profile + ".configure"))) {
    json::value cv = json::parse(*conf, ec);
    if (!ec && cv.is_object()) {
      if (auto* sys = cv.get_object().if_contains("_sys_param"); sys && sys->is_object()) {
        c.region = json_string(sys->get_object(), "region");
      }
    }
  }
  return std::optional<Credentials>(std::move(c));
}

}  // namespace

Credentials::~Credentials() {
  wipe(secret_key);
  wipe(token);
}

void wipe(std::string& secret) {
  // The whole capacity: a shorter value assigned over a longer one leaves the tail behind.
  secret.resize(secret.capacity());
  OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

void protect_secrets_in_memory() {
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  const rlimit none{0, 0};
  ::setrlimit(RLIMIT_CORE, &none);
}

base::Result<std::optional<Credentials>> parse_credentials_ini(const std::string& text,
                                                               const std::string& where,
                                                               const std::string& profile) {
  auto sections = parse_ini(text, where);
  if (!sections) return sections.error();
  auto it = sections->find(profile);
  if (it == sections->end()) return std::optional<Credentials>();
  const IniSection& s = it->second;
  const std::string section = where + " [" + profile + "]";
  auto get = [&](const char* k) {
    auto f = s.find(k);
    return f == s.end() ? std::string() : f->second;
  };
  Credentials c;
  c.secret_id = get("secret_id");
  c.secret_key = get("secret_key");
  c.token = get("token");
  c.region = get("region");
  if (c.secret_id.empty() && c.secret_key.empty()) return std::optional<Credentials>();
  if (c.secret_id.empty())
    return base::Error{section + ": secret_key is set but secret_id is missing"};
  if (c.secret_key.empty())
    return base::Error{section + ": secret_id is set but secret_key is missing"};
  if (auto bad = control_character_in(c, section, "secret_id", "secret_key", "token", "region"))
    return base::Error{*bad};
  c.source = section;
  return std::optional<Credentials>(std::move(c));
}

base::Result<std::optional<RoleProfile>> parse_role_profile(const std::string& text,
                                                            const std::string& where,
                                                            const std::string& profile) {
  auto sections = parse_ini(text, where);
  if (!sections) return sections.error();
  auto it = sections->find(profile);
  if (it == sections->end()) return std::optional<RoleProfile>();
  auto get = [&](const char* k) {
    auto f = it->second.find(k);
    return f == it->second.end() ? std::string() : f->second;
  };
  RoleProfile r;
  r.where = where + " [" + profile + "]";
  r.role_arn = get("role_arn");
  if (r.role_arn.empty()) return std::optional<RoleProfile>();
  r.source_profile = get("source_profile");
  r.session_name = get("role_session_name");
  r.external_id = get("external_id");
  if (std::string d = get("duration_seconds"); !d.empty()) {
    try {
      std::size_t used = 0;
      r.duration_s = std::stoll(d, &used);
      if (used != d.size()) throw std::invalid_argument(d);
    } catch (const std::exception&) {
      return base::Error{r.where + ": duration_seconds must be a number of seconds"};
    }
  }
  if (r.source_profile == profile)
    return base::Error{r.where + ": source_profile names the profile itself"};
  return std::optional<RoleProfile>(std::move(r));
}

base::Result<std::optional<RoleProfile>> find_role_profile(const std::string& profile,
                                                           const CredentialEnvironment& env) {
  auto file = credentials_file(env);
  if (!file) return file.error();
  if (!file->has_value()) return std::optional<RoleProfile>();
  return parse_role_profile((*file)->second, (*file)->first, profile);
}

base::Result<std::optional<Credentials>> parse_tccli_credential(const std::string& text,
                                                                const std::string& where) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return base::Error{where + ": not a JSON object"};
  const auto& o = doc.get_object();
  Credentials c;
  c.secret_id = json_string(o, "secretId");
  c.secret_key = json_string(o, "secretKey");
  c.token = json_string(o, "token");
  if (c.secret_id.empty() && c.secret_key.empty()) return std::optional<Credentials>();
  if (c.secret_id.empty()) return base::Error{where + ": secretKey is set but secretId is missing"};
  if (c.secret_key.empty())
    return base::Error{where + ": secretId is set but secretKey is missing"};
  if (auto bad = control_character_in(c, where, "secretId", "secretKey", "token", "region"))
    return base::Error{*bad};
  c.source = where;
  return std::optional<Credentials>(std::move(c));
}

CredentialEnvironment CredentialEnvironment::process() {
  CredentialEnvironment env;
  env.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') env.home = home;
  return env;
}

base::Result<std::optional<Credentials>> find_credentials(const std::string& profile,
                                                          const CredentialEnvironment& env) {
  // Every variable of ours is checked, whichever source ends up used: a set-but-empty one is
  // a mistake the user should hear about even when another source would have worked.
  for (const char* name :
       {kEnvSecretId, kEnvSecretKey, kEnvToken, kEnvRegion, kEnvCredentialsFile}) {
    auto checked = read_var(env, name);
    if (!checked) return checked.error();
  }
  auto region = read_var(env, kEnvRegion);
  if (!region) return region.error();

  std::optional<Credentials> found;
  // tccli applies the environment only when no profile is named; "default" is the unnamed one.
  if (profile == "default") {
    auto e = from_environment(env);
    if (!e) return e.error();
    found = std::move(*e);
  }
  if (!found) {
    auto f = from_credentials_file(env, profile);
    if (!f) return f.error();
    found = std::move(*f);
  }
  if (!found) {
    auto t = from_tccli(env, profile);
    if (!t) return t.error();
    found = std::move(*t);
  }
  if (found && region->has_value()) found->region = **region;
  if (found) protect_secrets_in_memory();
  return found;
}

base::Result<Credentials> load_credentials(const std::string& profile,
                                           const CredentialEnvironment& env) {
  auto found = find_credentials(profile, env);
  if (!found) return found.error();
  if (!found->has_value()) {
    std::string tried = profile == "default"
                            ? std::string(kEnvSecretId) + "/" + kEnvSecretKey + ", "
                            : std::string();
    return base::Error{"no credentials for profile '" + profile + "': tried " + tried +
                       "$TENCENTCLOUD_CREDENTIALS_FILE or ~/.tencentcloud/credentials [" + profile +
                       "], ~/.tccli/" + profile + ".credential"};
  }
  return std::move(**found);
}

}  // namespace tcplan::api
