#include "zab/txn.h"

#include <fmt/format.h>

namespace zabsim::zab {

std::string_view ToString(OpType type) {
  // The names of ZooKeeper's ZooDefs.OpCode, as its logs print them.
  switch (type) {
    case OpType::kCreateSession:
      return "createSession";
    case OpType::kCloseSession:
      return "closeSession";
    case OpType::kCreate:
      return "create";
    case OpType::kSetData:
      return "setData";
    case OpType::kDelete:
      return "delete";
    case OpType::kGetData:
      return "getData";
    case OpType::kExists:
      return "exists";
    case OpType::kSync:
      return "sync";
  }
  return "?";
}

bool IsWrite(OpType type) {
  switch (type) {
    case OpType::kCreateSession:
    case OpType::kCloseSession:
    case OpType::kCreate:
    case OpType::kSetData:
    case OpType::kDelete:
      return true;
    case OpType::kGetData:
    case OpType::kExists:
    case OpType::kSync:
      return false;
  }
  return false;
}

std::string_view ToString(Code code) {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kNoNode:
      return "NONODE";
    case Code::kNodeExists:
      return "NODEEXISTS";
    case Code::kBadVersion:
      return "BADVERSION";
    case Code::kNotEmpty:
      return "NOTEMPTY";
    case Code::kNoChildrenForEphemerals:
      return "NOCHILDRENFOREPHEMERALS";
    case Code::kSessionExpired:
      return "SESSIONEXPIRED";
    case Code::kConnectionLoss:
      return "CONNECTIONLOSS";
  }
  return "?";
}

namespace {

// VersionSuffix is " v=N" for a conditional write, and nothing for an unconditional one
// (version -1), which keeps the common case short in traces.
std::string VersionSuffix(int32_t version) {
  return version == -1 ? std::string() : fmt::format(" v={}", version);
}

}  // namespace

std::string DescribeOp(const Op& op) {
  switch (op.type) {
    case OpType::kCreateSession:
    case OpType::kCloseSession:
      return std::string(ToString(op.type));
    case OpType::kCreate:
      return fmt::format("create {}{}={}", op.ephemeral ? "-e " : "", op.path, op.data);
    case OpType::kSetData:
      return fmt::format("set {}={}{}", op.path, op.data, VersionSuffix(op.version));
    case OpType::kDelete:
      return fmt::format("delete {}{}", op.path, VersionSuffix(op.version));
    case OpType::kGetData:
      return fmt::format("get {}", op.path);
    case OpType::kExists:
      return fmt::format("exists {}", op.path);
    case OpType::kSync:
      return fmt::format("sync {}", op.path);
  }
  return "?";
}

}  // namespace zabsim::zab
