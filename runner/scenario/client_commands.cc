// The client operations of a scenario (docs/scenarios.md, "Client operations"):
// create, set, delete, get, exists and sync, each submitted to one client, and the
// names (`as=NAME`) that later commands use for its request.

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "runner/scenario/args.h"
#include "runner/scenario/runner.h"
#include "zab/messages.h"

namespace zabsim::runner::scenario {

absl::Status ScenarioRunner::ClientOp(const Directive& d, Args& args, Lines& out) {
  const Arg* client = args.Word();
  const Arg* path = args.Word();
  if (client == nullptr || path == nullptr) return args.Missing("the client and the path");
  auto index = args.Uint(*client, 1, std::max<uint32_t>(cluster_->clients(), 1));
  if (!index.ok() || cluster_->clients() == 0) {
    return Error(d, client->column, fmt::format("no client '{}' (clients are 1..{})", client->value,
                                                cluster_->clients()));
  }
  if (!zab::IsValidPath(path->value)) {
    return Error(d, path->column, fmt::format("expected an absolute path such as /a/b, found '{}'", path->value));
  }
  zab::Op op;
  op.path = path->value;
  if (d.name == "create") {
    op.type = zab::OpType::kCreate;
    op.ephemeral = args.Flag("ephemeral");
  } else if (d.name == "set") {
    op.type = zab::OpType::kSetData;
  } else if (d.name == "delete") {
    op.type = zab::OpType::kDelete;
  } else if (d.name == "get") {
    op.type = zab::OpType::kGetData;
  } else if (d.name == "exists") {
    op.type = zab::OpType::kExists;
  } else {
    op.type = zab::OpType::kSync;
  }
  const bool nowait = args.Flag("nowait");
  if (op.type == zab::OpType::kCreate || op.type == zab::OpType::kSetData) {
    if (const Arg* data = args.Word()) {
      op.data = data->value;
    } else if (op.type == zab::OpType::kSetData) {
      return args.Missing("the data");
    }
  }
  if (op.type == zab::OpType::kSetData || op.type == zab::OpType::kDelete) {
    if (const Arg* v = args.Key("version")) {
      auto version = args.Uint(*v, 0, INT32_MAX);
      if (!version.ok()) return version.status();
      op.version = static_cast<int32_t>(*version);
    }
  }
  const uint32_t c = static_cast<uint32_t>(*index) - 1;
  if (cluster_->client(c) == nullptr) return Error(d, client->column, "that client is down");
  if (const Arg* as = args.Key("as")) {
    if (absl::Status s = NameRequest(d, *as, c, op); !s.ok()) return s;
  }
  ++submitted_[c];
  runner::World& world = cluster_->world();
  world.Invoke(sim::ProcessId{cluster_->ClientProcessId(c)},
               [&](sim::Process<zab::Message>& p, Ctx& ctx) {
                 static_cast<ClientProcess&>(p).Submit(ctx, op);
               });
  FireTriggers();
  if (nowait) return absl::OkStatus();
  if (!RunUntil([&] { return cluster_->client(c) == nullptr || cluster_->client(c)->client().idle(); },
                sim::Duration::Seconds(60))) {
    out.push_back("client: the operation did not complete within 60s");
  }
  return absl::OkStatus();
}

absl::Status ScenarioRunner::NameRequest(const Directive& d, const Arg& as, uint32_t c,
                                         const zab::Op& op) {
  if (!IsName(as.value)) {
    return Error(d, as.column + 3,
                 fmt::format("expected a name (a letter, then letters, digits or '_'), found '{}'",
                             as.value));
  }
  if (const scenario::Capture* old = captures_.Find(as.value)) {
    return Error(d, as.column + 3,
                 fmt::format("'{}' names c{} {} already (line {}): a name is given once", as.value,
                             old->client, old->what, old->line));
  }
  scenario::Capture capture;
  capture.name = as.value;
  capture.line = d.line;
  capture.client = c + 1;
  capture.process = cluster_->ClientProcessId(c);
  capture.what = fmt::format("{} {}", zab::ToString(op.type), op.path);
  capture.write = op.type == zab::OpType::kCreate || op.type == zab::OpType::kSetData ||
                  op.type == zab::OpType::kDelete;
  // The client runs what it is given in order: the file's operations and its workload's.
  capture.ordinal = submitted_[c] + cluster_->client(c)->issued() + 1;
  captures_.Add(std::move(capture));
  return absl::OkStatus();
}

}  // namespace zabsim::runner::scenario
