// File: conform/settle.h
//
// When a `state` (or the end of a run) may be observed. zabsim acknowledges a client's
// write when the client's server applied it; the other followers apply it a moment later,
// when the leader's COMMIT reaches them. A real ensemble's `srvr`, asked right after the
// same write, catches some follower before and some after, so a follower's last zxid
// would differ by one at random. Both sides therefore wait, each with a bound, until what
// is in flight has landed: every following server has the leader's last zxid.

#ifndef ZABSIM_CONFORM_SETTLE_H_
#define ZABSIM_CONFORM_SETTLE_H_

#include <vector>

#include "conform/zk_text.h"

namespace zabsim::conform {

// Landed: `servers` (by sid, [0] unused) show nothing in flight: no server leads, or no
// server that is up is still syncing (looking while a leader serves) and every following
// server has the leader's last zxid. A leader that has committed nothing in its
// epoch reports the epoch's start, (epoch, 0), which no follower ever processes: its
// followers keep their own last txn, and nothing is in flight either.
bool Landed(const std::vector<Srvr>& servers);

}  // namespace zabsim::conform

#endif  // ZABSIM_CONFORM_SETTLE_H_
