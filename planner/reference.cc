// Template parsing for ${...} references.
#include "planner/reference.h"

#include <cctype>

namespace tcplan::planner {

const Reference* Template::whole() const {
  if (parts.size() != 1) return nullptr;
  return std::get_if<Reference>(&parts[0]);
}

bool Template::has_references() const {
  for (const auto& p : parts) {
    if (std::holds_alternative<Reference>(p)) return true;
  }
  return false;
}

std::vector<const Reference*> Template::references() const {
  std::vector<const Reference*> out;
  for (const auto& p : parts) {
    if (const auto* r = std::get_if<Reference>(&p)) out.push_back(r);
  }
  return out;
}

namespace {

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

// Splits "NAME[3]" into NAME and 3.
bool split_index(std::string_view s, std::string_view* name, std::optional<std::size_t>* index) {
  const std::size_t open = s.find('[');
  if (open == s.npos) {
    *name = s;
    return true;
  }
  if (s.back() != ']' || open + 2 > s.size() - 1) return false;
  std::size_t n = 0;
  for (std::size_t i = open + 1; i + 1 < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    n = n * 10 + static_cast<std::size_t>(s[i] - '0');
    if (n > 1'000'000) return false;
  }
  *name = s.substr(0, open);
  *index = n;
  return true;
}

bool valid_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

base::Result<Reference, std::string> parse_reference(std::string_view body) {
  Reference r;
  const std::size_t dot = body.find('.');
  const std::string_view root = body.substr(0, dot);
  const std::string_view rest = dot == body.npos ? std::string_view{} : body.substr(dot + 1);
  std::string_view name;
  if (root == "item" || root.substr(0, 5) == "item[") {
    r.kind = Reference::Kind::kItem;
    if (!rest.empty() || !split_index(root, &name, &r.index)) {
      return std::string("expected ${item} or ${item[N]}");
    }
    return r;
  }
  if (root == "run") {
    if (rest != "id") return std::string("expected ${run.id}");
    r.kind = Reference::Kind::kRun;
    r.name = "id";
    return r;
  }
  if (root == "env") {
    r.kind = Reference::Kind::kEnv;
    if (!valid_name(rest)) return std::string("expected ${env.NAME}");
    r.name = std::string(rest);
    return r;
  }
  if (root == "vars") {
    r.kind = Reference::Kind::kVar;
    if (!split_index(rest, &name, &r.index) || !valid_name(name)) {
      return std::string("expected ${vars.NAME} or ${vars.NAME[N]}");
    }
    r.name = std::string(name);
    return r;
  }
  if (root == "steps") {
    r.kind = Reference::Kind::kStep;
    const std::size_t dot2 = rest.find('.');
    if (dot2 == rest.npos) return std::string("expected ${steps.ID.FIELD}");
    r.name = std::string(rest.substr(0, dot2));
    if (!split_index(rest.substr(dot2 + 1), &name, &r.index) || !valid_name(r.name) ||
        !valid_name(name)) {
      return std::string("expected ${steps.ID.FIELD} or ${steps.ID.FIELD[N]}");
    }
    r.field = std::string(name);
    return r;
  }
  return "unknown reference '${" + std::string(body) +
         "}': expected vars., steps., env., item or run.id";
}

}  // namespace

base::Result<Template, TemplateError> parse_template(std::string_view text) {
  Template t;
  std::string literal;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      literal += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      literal += text[i++];
      continue;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == text.npos) return TemplateError{i, "unterminated reference (missing '}')"};
    auto ref = parse_reference(text.substr(i + 2, close - i - 2));
    if (!ref.ok()) return TemplateError{i, ref.error()};
    if (!literal.empty()) t.parts.emplace_back(std::move(literal));
    literal.clear();
    ref->offset = i;
    ref->text = std::string(text.substr(i, close + 1 - i));
    t.parts.emplace_back(std::move(ref.value()));
    i = close + 1;
  }
  if (!literal.empty()) t.parts.emplace_back(std::move(literal));
  return t;
}

}  // namespace tcplan::planner
