#include "sim/trace.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/check.h"

namespace zabsim::sim {

namespace {

// SameKey tells whether two field keys are equal. Readers look fields up by name for
// every record they render, and many keys have the same length ("conn", "from", "type",
// "zxid"): the address (a reader usually names a key with its writer's literal) and the
// first byte settle most comparisons without a call to memcmp.
bool SameKey(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.data() == b.data() || a.empty()) return true;
  return a[0] == b[0] && a == b;
}

}  // namespace

const TraceField* TraceRecord::Find(std::string_view key) const {
  for (const TraceField& field : fields) {
    if (SameKey(field.key, key)) return &field;
  }
  return nullptr;
}

Recorder::Recorder(Trace* trace, Time time, uint32_t process, std::string_view kind)
    : trace_(trace), keep_(!trace->sinks_.empty()) {
  ZABSIM_CHECK(!trace_->recording_, "a trace record was started inside another");
  trace_->recording_ = true;
  hasher_.Add(static_cast<uint64_t>(time.us));
  hasher_.Add(static_cast<uint64_t>(process));
  hasher_.Add(kind);
  if (keep_) {
    TraceRecord& r = trace_->scratch_;
    r.time = time;
    r.process = process;
    r.kind = kind;
    r.fields.clear();
  }
}

Recorder::~Recorder() { trace_->Finish(hasher_.value(), keep_); }

void Recorder::AddBits(std::string_view key, TraceField::Type type, uint64_t bits) {
  hasher_.Add(key);
  hasher_.Add(static_cast<uint64_t>(type));
  hasher_.Add(bits);
  if (keep_) {
    TraceField& field = trace_->scratch_.fields.emplace_back();
    field.key = key;
    field.type = type;
    field.bits = bits;
  }
}

Recorder& Recorder::Int(std::string_view key, int64_t value) {
  AddBits(key, TraceField::Type::kInt, static_cast<uint64_t>(value));
  return *this;
}

Recorder& Recorder::Uint(std::string_view key, uint64_t value) {
  AddBits(key, TraceField::Type::kUint, value);
  return *this;
}

Recorder& Recorder::Hex(std::string_view key, uint64_t value) {
  AddBits(key, TraceField::Type::kHex, value);
  return *this;
}

Recorder& Recorder::Bool(std::string_view key, bool value) {
  AddBits(key, TraceField::Type::kBool, value ? 1 : 0);
  return *this;
}

Recorder& Recorder::Str(std::string_view key, std::string_view value) {
  hasher_.Add(key);
  hasher_.Add(static_cast<uint64_t>(TraceField::Type::kStr));
  hasher_.Add(value);
  if (keep_) {
    TraceField& field = trace_->scratch_.fields.emplace_back();
    field.key = key;
    field.type = TraceField::Type::kStr;
    field.str.assign(value.data(), value.size());
  }
  return *this;
}

void Trace::AddSink(TraceSink* sink) {
  ZABSIM_CHECK(sink != nullptr);
  ZABSIM_CHECK(!recording_);
  sinks_.push_back(sink);
}

void Trace::RemoveSink(TraceSink* sink) {
  ZABSIM_CHECK(!recording_);
  sinks_.erase(std::remove(sinks_.begin(), sinks_.end(), sink), sinks_.end());
}

void Trace::Finish(uint64_t record_hash, bool keep) {
  fingerprint_.Add(record_hash);
  ++records_;
  recording_ = false;
  if (keep) {
    for (TraceSink* sink : sinks_) sink->Write(scratch_);
  }
}

std::string FormatFingerprint(uint64_t fingerprint) { return fmt::format("{:016x}", fingerprint); }

namespace {

void AppendValue(std::string& out, const TraceField& field, bool json) {
  switch (field.type) {
    case TraceField::Type::kInt:
      fmt::format_to(std::back_inserter(out), "{}", field.AsInt());
      return;
    case TraceField::Type::kUint:
      fmt::format_to(std::back_inserter(out), "{}", field.bits);
      return;
    case TraceField::Type::kHex:
      if (json) {
        fmt::format_to(std::back_inserter(out), "\"{:#x}\"", field.bits);
      } else {
        fmt::format_to(std::back_inserter(out), "{:#x}", field.bits);
      }
      return;
    case TraceField::Type::kBool:
      out += field.bits != 0 ? "true" : "false";
      return;
    case TraceField::Type::kStr:
      if (json) {
        out += JsonEscape(field.str);
      } else if (field.str.empty() || field.str.find(' ') != std::string::npos) {
        out += JsonEscape(field.str);
      } else {
        out += field.str;
      }
      return;
  }
}

}  // namespace

std::string TextSink::Format(const TraceRecord& record) {
  std::string out = FormatTime(record.time);
  if (record.process == 0) {
    out += " world ";
  } else {
    fmt::format_to(std::back_inserter(out), " p{} ", record.process);
  }
  out += record.kind;
  for (const TraceField& field : record.fields) {
    out += ' ';
    out += field.key;
    out += '=';
    AppendValue(out, field, /*json=*/false);
  }
  return out;
}

void TextSink::Write(const TraceRecord& record) {
  const std::string line = Format(record);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fputc('\n', out_);
}

std::string JsonlSink::Format(const TraceRecord& record) {
  std::string out =
      fmt::format("{{\"t\":{},\"p\":{},\"k\":{}", record.time.us, record.process,
                  JsonEscape(record.kind));
  for (const TraceField& field : record.fields) {
    out += ',';
    out += JsonEscape(field.key);
    out += ':';
    AppendValue(out, field, /*json=*/true);
  }
  out += '}';
  return out;
}

void JsonlSink::Write(const TraceRecord& record) {
  const std::string line = Format(record);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fputc('\n', out_);
}

std::string JsonEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace zabsim::sim
