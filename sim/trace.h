// File: sim/trace.h
//
// The trace: every event of a run as a structured record (time, process, kind, fields),
// folded into a rolling 64-bit fingerprint. The fingerprint is the determinism witness:
// the same seed and inputs must give the same fingerprint on every run, build type and
// compiler. Sinks render records as human text or JSON Lines; with no sink attached a
// record costs only its hashing.
//
//   trace.Record(now, 3, "send").Uint("to", 1).Str("type", "ACK").Hex("zxid", zxid);
//
// The record is complete when the temporary Recorder dies at the end of the statement.
// Keys and kinds must be string literals (or otherwise outlive the trace): they are kept
// as string_views. Only one Recorder may be alive at a time.

#ifndef ZABSIM_SIM_TRACE_H_
#define ZABSIM_SIM_TRACE_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "base/hash.h"
#include "sim/time.h"

namespace zabsim::sim {

struct TraceField {
  enum class Type : uint8_t { kInt, kUint, kHex, kStr, kBool };

  std::string_view key;
  Type type = Type::kInt;
  uint64_t bits = 0;  // The value of kInt (two's complement), kUint, kHex and kBool.
  std::string str;    // The value of kStr.

  int64_t AsInt() const { return static_cast<int64_t>(bits); }
};

struct TraceRecord {
  Time time;
  uint32_t process = 0;  // 0 is the world itself; processes are numbered from 1.
  std::string_view kind;
  std::vector<TraceField> fields;

  // Find returns the field called `key`, or nullptr.
  const TraceField* Find(std::string_view key) const;
};

// TraceSink receives every record of a run, in order.
class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void Write(const TraceRecord& record) = 0;
};

class Trace;

// Recorder builds one record; see the file comment.
class Recorder {
 public:
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;
  ~Recorder();

  Recorder& Int(std::string_view key, int64_t value);
  Recorder& Uint(std::string_view key, uint64_t value);
  Recorder& Hex(std::string_view key, uint64_t value);
  Recorder& Str(std::string_view key, std::string_view value);
  Recorder& Bool(std::string_view key, bool value);

 private:
  friend class Trace;
  Recorder(Trace* trace, Time time, uint32_t process, std::string_view kind);
  void AddBits(std::string_view key, TraceField::Type type, uint64_t bits);

  Trace* trace_;
  base::Hasher hasher_;
  bool keep_;  // True when some sink will see the record.
};

class Trace {
 public:
  Trace() = default;
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;

  // Record starts a record; see the file comment.
  Recorder Record(Time time, uint32_t process, std::string_view kind) {
    return Recorder(this, time, process, kind);
  }

  // AddSink attaches a sink. REQUIRES: the sink outlives this trace or is removed first.
  void AddSink(TraceSink* sink);
  void RemoveSink(TraceSink* sink);

  uint64_t fingerprint() const { return fingerprint_.value(); }
  uint64_t records() const { return records_; }

 private:
  friend class Recorder;
  void Finish(uint64_t record_hash, bool keep);

  base::Hasher fingerprint_;
  uint64_t records_ = 0;
  std::vector<TraceSink*> sinks_;
  TraceRecord scratch_;  // The record being built when sinks are attached.
  bool recording_ = false;
};

// FormatFingerprint writes a fingerprint as 16 hex digits.
std::string FormatFingerprint(uint64_t fingerprint);

// TextSink writes one line per record: "12.000250 p3 send to=1 type=ACK zxid=0x100000001".
class TextSink final : public TraceSink {
 public:
  // REQUIRES: `out` stays open while the sink is attached. Not owned.
  explicit TextSink(std::FILE* out) : out_(out) {}
  void Write(const TraceRecord& record) override;
  static std::string Format(const TraceRecord& record);

 private:
  std::FILE* out_;
};

// JsonlSink writes one JSON object per line, as documented in docs/trace-format.md.
class JsonlSink final : public TraceSink {
 public:
  explicit JsonlSink(std::FILE* out) : out_(out) {}
  void Write(const TraceRecord& record) override;
  static std::string Format(const TraceRecord& record);

 private:
  std::FILE* out_;
};

// VectorSink keeps every record in memory, for tests and for the scenario runner.
class VectorSink final : public TraceSink {
 public:
  void Write(const TraceRecord& record) override { records.push_back(record); }
  std::vector<TraceRecord> records;
};

// JsonEscape returns `text` as a quoted JSON string.
std::string JsonEscape(std::string_view text);

}  // namespace zabsim::sim

#endif  // ZABSIM_SIM_TRACE_H_
