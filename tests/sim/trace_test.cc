#include "sim/trace.h"

#include <gtest/gtest.h>

namespace zabsim::sim {
namespace {

void Emit(Trace& trace) {
  trace.Record(Time{1500}, 2, "send").Uint("to", 1).Str("type", "ACK").Hex("zxid", 0x100000001);
  trace.Record(Time{2500}, 0, "partition").Str("groups", "1,2|3").Bool("symmetric", true);
}

TEST(Trace, TheFingerprintDoesNotDependOnSinks) {
  Trace bare;
  Emit(bare);
  Trace watched;
  VectorSink sink;
  watched.AddSink(&sink);
  Emit(watched);
  EXPECT_EQ(bare.fingerprint(), watched.fingerprint());
  EXPECT_EQ(bare.records(), 2u);
  ASSERT_EQ(sink.records.size(), 2u);
  EXPECT_EQ(sink.records[0].Find("type")->str, "ACK");
}

TEST(Trace, AnyChangedFieldChangesTheFingerprint) {
  Trace a;
  a.Record(Time{1}, 1, "x").Uint("v", 1);
  Trace b;
  b.Record(Time{1}, 1, "x").Uint("v", 2);
  Trace c;
  c.Record(Time{2}, 1, "x").Uint("v", 1);
  Trace d;
  d.Record(Time{1}, 1, "x").Int("v", 1);  // Same bits, different type.
  EXPECT_NE(a.fingerprint(), b.fingerprint());
  EXPECT_NE(a.fingerprint(), c.fingerprint());
  EXPECT_NE(a.fingerprint(), d.fingerprint());
}

TEST(Trace, TextAndJsonlForms) {
  Trace trace;
  VectorSink sink;
  trace.AddSink(&sink);
  Emit(trace);
  trace.Record(Time{3000}, 1, "note").Str("text", "two words \"quoted\"").Int("delta", -3);
  EXPECT_EQ(TextSink::Format(sink.records[0]),
            "0.001500 p2 send to=1 type=ACK zxid=0x100000001");
  EXPECT_EQ(TextSink::Format(sink.records[1]), "0.002500 world partition groups=1,2|3 symmetric=true");
  EXPECT_EQ(TextSink::Format(sink.records[2]),
            "0.003000 p1 note text=\"two words \\\"quoted\\\"\" delta=-3");
  EXPECT_EQ(JsonlSink::Format(sink.records[0]),
            "{\"t\":1500,\"p\":2,\"k\":\"send\",\"to\":1,\"type\":\"ACK\",\"zxid\":\"0x100000001\"}");
  EXPECT_EQ(JsonlSink::Format(sink.records[2]),
            "{\"t\":3000,\"p\":1,\"k\":\"note\",\"text\":\"two words \\\"quoted\\\"\",\"delta\":-3}");
}

TEST(JsonEscape, EscapesControlCharacters) {
  EXPECT_EQ(JsonEscape("a\nb\x01"), "\"a\\nb\\u0001\"");
}

}  // namespace
}  // namespace zabsim::sim
