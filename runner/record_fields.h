// File: runner/record_fields.h
//
// Reading a trace record's fields by name, for the renderers of runner/ (narration,
// diagrams): FieldText gives a field as the text form writes it ("0x100000002" for a
// hex field), FieldStr a text field's value in place, FieldNum its bits; all give an
// empty value for a missing field.

#ifndef ZABSIM_RUNNER_RECORD_FIELDS_H_
#define ZABSIM_RUNNER_RECORD_FIELDS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/compile.h>
#include <fmt/format.h>

#include "sim/trace.h"

namespace zabsim::runner {

inline std::string FieldText(const sim::TraceRecord& r, std::string_view key) {
  const sim::TraceField* f = r.Find(key);
  if (f == nullptr) return "";
  switch (f->type) {
    case sim::TraceField::Type::kStr:
      return f->str;
    case sim::TraceField::Type::kHex:
      return fmt::format(FMT_COMPILE("{:#x}"), f->bits);
    case sim::TraceField::Type::kInt:
      return fmt::format(FMT_COMPILE("{}"), f->AsInt());
    case sim::TraceField::Type::kBool:
      return f->bits != 0 ? "true" : "false";
    case sim::TraceField::Type::kUint:
      return fmt::format(FMT_COMPILE("{}"), f->bits);
  }
  return "";
}

// FieldStr gives a text field's value without copying it; empty for a missing field or
// one of another type.
inline std::string_view FieldStr(const sim::TraceRecord& r, std::string_view key) {
  const sim::TraceField* f = r.Find(key);
  return f == nullptr || f->type != sim::TraceField::Type::kStr ? std::string_view() : f->str;
}

inline uint64_t FieldNum(const sim::TraceRecord& r, std::string_view key) {
  const sim::TraceField* f = r.Find(key);
  return f == nullptr ? 0 : f->bits;
}

}  // namespace zabsim::runner

#endif  // ZABSIM_RUNNER_RECORD_FIELDS_H_
