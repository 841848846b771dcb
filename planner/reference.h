// References inside plan strings: ${vars.NAME}, ${vars.NAME[0]}, ${steps.ID.FIELD},
// ${steps.ID.FIELD[0]}, ${item}, ${env.NAME}, ${run.id}; "$${" is a literal "${". A string is
// parsed once into a Template of literal text and references.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"

namespace tcplan::planner {

struct Reference {
  enum class Kind { kVar, kStep, kItem, kEnv, kRun };
  Kind kind = Kind::kVar;
  std::string name;   // var name, step id, env name; "id" for run
  std::string field;  // step output field (kStep only)
  std::optional<std::size_t> index;
  std::size_t offset = 0;  // where "${" starts in the string
  std::string text;        // "${steps.grow.FlowId}", for messages
};

struct Template {
  // Literal text (escapes already undone) and references, in order.
  std::vector<std::variant<std::string, Reference>> parts;

  // The string is exactly one reference: it takes the referenced value's type.
  const Reference* whole() const;
  bool has_references() const;
  std::vector<const Reference*> references() const;
};

struct TemplateError {
  std::size_t offset = 0;  // in the string
  std::string message;
};

base::Result<Template, TemplateError> parse_template(std::string_view text);

// True when `text` may contain a reference or an escape: the fast path for plain strings.
inline bool maybe_template(std::string_view text) {
  return text.find('$') != text.npos;
}

}  // namespace tcplan::planner
