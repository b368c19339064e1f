#include "runner/explore_steps.h"

#include <map>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "base/check.h"
#include "zab/messages.h"
#include "zab/txn.h"
#include "zab/types.h"

namespace zabsim::runner::explore {
namespace {

using Kind = World::PendingKind;
using Frame = World::PendingFrame;

// ConnName names a connection by its ends and port: "3>1:3888", ".2" appended for the
// opener's third connection to that peer and port.
std::string ConnName(const World::PendingStep& p) {
  std::string name = fmt::format("{}>{}:{}", p.opener.value, p.acceptor.value, p.port);
  if (p.ordinal > 0) name += fmt::format(".{}", p.ordinal);
  return name;
}

std::string FrameText(const World::PendingStep& p) {
  std::string what;
  switch (p.frame) {
    case Frame::kSyn:
      what = "SYN";
      break;
    case Frame::kSynAck:
      what = "SYNACK";
      break;
    case Frame::kFin:
      what = "FIN";
      break;
    case Frame::kData:
      what = p.message != nullptr ? DescribeMessage(*p.message) : "DATA";
      break;
  }
  return fmt::format("step deliver {}>{} {} conn={}", p.from.value, p.target.value, what, ConnName(p));
}

std::string EventText(const World::PendingStep& p) {
  switch (p.kind) {
    case Kind::kStart:
      return fmt::format("step start {}", p.target.value);
    case Kind::kTimer:
      return fmt::format("step timer {} tag={}", p.target.value, p.tag);
    case Kind::kFrame:
      return FrameText(p);
    case Kind::kNotice:
      return fmt::format("step disconnect {} conn={}", p.target.value, ConnName(p));
    case Kind::kSynced:
      return fmt::format("step fsync {} {}", p.target.value, p.file.empty() ? "-" : p.file);
    case Kind::kStep: {
      std::string thread(p.thread.name);
      if (p.thread.instance != 0) thread += fmt::format(":{}", p.thread.instance);
      return fmt::format("step thread {} {} tag={}", p.target.value, thread, p.tag);
    }
    case Kind::kFault:
      return fmt::format("step fault {}", p.seq);
  }
  return "step ?";
}

}  // namespace

uint64_t ProcessBit(uint32_t process) {
  ZABSIM_CHECK(process < 64, "explore: process id {} beyond the 64 a step can name", process);
  return uint64_t{1} << process;
}

std::string DescribeMessage(const zab::Message& message) {
  if (const auto* n = std::get_if<zab::Notification>(&message)) {
    return fmt::format("NOTIFICATION leader={} zxid={} round={} epoch={} {}", n->leader.value,
                       zab::ToString(n->zxid), n->election_epoch, n->peer_epoch.value,
                       zab::ToString(n->state));
  }
  if (const auto* q = std::get_if<zab::QuorumPacket>(&message)) {
    std::string text = fmt::format("{} {}", zab::ToString(q->type), zab::ToString(q->zxid));
    if (q->number != 0) text += fmt::format(" n={}", q->number);
    if (q->request) text += fmt::format(" session={} cxid={}", q->request->session, q->request->cxid);
    if (q->snapshot) text += fmt::format(" snapshot={}b", q->snapshot->size());
    return text;
  }
  if (const auto* r = std::get_if<zab::ClientRequest>(&message)) {
    return fmt::format("CLIENT-REQUEST session={} cxid={} {}", r->session, r->cxid,
                       zab::ToString(r->op.type));
  }
  const auto& reply = std::get<zab::ClientReply>(message);
  return fmt::format("CLIENT-REPLY session={} cxid={} {} {}", reply.session, reply.cxid,
                     zab::ToString(reply.code), zab::ToString(reply.zxid));
}

void Settle(World& world) {
  // Each inert event is run alone and the list taken again: running one may make others
  // inert, never live.
  for (int bound = 0; bound < 1'000'000; ++bound) {
    bool ran = false;
    for (const World::PendingStep& p : world.PendingSteps()) {
      if (!p.inert) continue;
      world.RunPending(p.seq);
      ran = true;
      break;
    }
    if (!ran) return;
  }
  ZABSIM_CHECK(false, "explore: inert events that never end");
}

std::vector<Step> ListEvents(World& world) {
  std::vector<Step> out;
  std::map<std::string, int> seen;  // Names listed so far, to keep each unique.
  for (const World::PendingStep& p : world.PendingSteps()) {
    ZABSIM_CHECK(!p.inert, "explore: list the events after Settle");
    Step s;
    s.kind = p.kind == Kind::kTimer ? Step::Kind::kTimer : Step::Kind::kEvent;
    s.seq = p.seq;
    s.at = p.at;
    s.process = p.target.value;
    s.network = p.kind == Kind::kFrame || p.kind == Kind::kNotice;
    s.involves = ProcessBit(p.target.value);
    if (s.network) {
      s.involves |= ProcessBit(p.opener.value) | ProcessBit(p.acceptor.value);
      if (p.kind == Kind::kFrame) s.involves |= ProcessBit(p.from.value);
    }
    s.command = EventText(p);
    // Two events of the same name (two timers of one tag) are told apart by their rank.
    if (const int n = ++seen[s.command]; n > 1) s.command += fmt::format(" n={}", n);
    out.push_back(std::move(s));
  }
  return out;
}

void RunEvent(World& world, const Step& step) {
  ZABSIM_CHECK(step.kind == Step::Kind::kEvent || step.kind == Step::Kind::kTimer,
               "explore: {} is no event", step.command);
  world.RunPending(step.seq);
}

}  // namespace zabsim::runner::explore
