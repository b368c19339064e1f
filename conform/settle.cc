#include "conform/settle.h"

namespace zabsim::conform {

bool Landed(const std::vector<Srvr>& servers) {
  const Srvr* leader = nullptr;
  for (const Srvr& s : servers) {
    if (s.mode == "leading") leader = &s;
  }
  if (leader == nullptr) return true;
  // A server that is up but not serving while a leader serves is syncing with it (or
  // cannot reach it: both sides then wait their bound).
  for (const Srvr& s : servers) {
    if (s.mode == "looking") return false;
  }
  const bool epoch_start = leader->zxid.size() > 8 && leader->zxid.ends_with("00000000");
  if (epoch_start) return true;
  for (const Srvr& s : servers) {
    if (s.mode == "following" && s.zxid != leader->zxid) return false;
  }
  return true;
}

}  // namespace zabsim::conform
