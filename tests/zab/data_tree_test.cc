#include "zab/data_tree.h"

#include <array>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "base/status.h"

namespace zabsim::zab {
namespace {

Op Create(std::string path, std::string data, bool ephemeral = false) {
  return Op{.type = OpType::kCreate, .path = std::move(path), .data = std::move(data),
            .ephemeral = ephemeral};
}
Op Set(std::string path, std::string data, int32_t version = -1) {
  return Op{.type = OpType::kSetData, .path = std::move(path), .data = std::move(data),
            .version = version};
}
Op Delete(std::string path, int32_t version = -1) {
  return Op{.type = OpType::kDelete, .path = std::move(path), .version = version};
}
Op OpenSession() { return Op{.type = OpType::kCreateSession}; }
Op CloseSession() { return Op{.type = OpType::kCloseSession}; }

// Replica applies ops as txns of epoch 1 with consecutive counters, and remembers them
// so that a test can replay the same txns elsewhere.
class Replica {
 public:
  ApplyResult Do(uint64_t session, Op op) {
    Txn txn{.zxid = Zxid::Make(Epoch{1}, ++counter_), .session = session, .cxid = counter_,
            .op = std::move(op)};
    txns_.push_back(txn);
    return tree_.Apply(txn);
  }
  Code Run(uint64_t session, Op op) { return Do(session, std::move(op)).code; }
  // Skip burns zxids, so that two replicas reach the same content at different zxids.
  void Skip(uint32_t n) { counter_ += n; }

  const DataTree& tree() const { return tree_; }
  const std::vector<Txn>& txns() const { return txns_; }

 private:
  DataTree tree_;
  uint32_t counter_ = 0;
  std::vector<Txn> txns_;
};

DataTree Replay(const std::vector<Txn>& txns) {
  DataTree tree;
  for (const Txn& txn : txns) tree.Apply(txn);
  return tree;
}

DataTree Reload(const DataTree& tree) {
  absl::StatusOr<DataTree> loaded = DataTree::Deserialize(tree.Serialize());
  EXPECT_TRUE(loaded.ok()) << base::Text(loaded.status());
  return loaded.ok() ? *std::move(loaded) : DataTree();
}

// --- Paths -----------------------------------------------------------------------------

TEST(Paths, ValidPathsAreAbsoluteWithoutEmptyComponentsOrTrailingSlash) {
  EXPECT_TRUE(IsValidPath("/"));
  EXPECT_TRUE(IsValidPath("/a"));
  EXPECT_TRUE(IsValidPath("/a/bc/d"));
  EXPECT_FALSE(IsValidPath(""));
  EXPECT_FALSE(IsValidPath("a"));
  EXPECT_FALSE(IsValidPath("a/b"));
  EXPECT_FALSE(IsValidPath("/a/"));
  EXPECT_FALSE(IsValidPath("//"));
  EXPECT_FALSE(IsValidPath("/a//b"));
  EXPECT_FALSE(IsValidPath(std::string_view("/a\0b", 4)));
}

TEST(Paths, ParentPathDropsTheLastComponent) {
  EXPECT_EQ(ParentPath("/a/b/c"), "/a/b");
  EXPECT_EQ(ParentPath("/a/b"), "/a");
  EXPECT_EQ(ParentPath("/a"), "/");
  EXPECT_EQ(ParentPath("/"), "/");
}

// --- Apply: outcomes -------------------------------------------------------------------

TEST(DataTree, StartsWithOnlyTheRoot) {
  const DataTree tree;
  ASSERT_EQ(tree.node_count(), 1u);
  const Node* root = tree.Find("/");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(*root, Node{});
  EXPECT_TRUE(tree.sessions().empty());
  EXPECT_EQ(tree.last_processed_zxid(), Zxid{});
}

TEST(DataTree, CreateMakesANodeAtVersionZeroStampedWithItsZxid) {
  Replica r;
  const ApplyResult result = r.Do(0, Create("/a", "x"));
  EXPECT_EQ(result.code, Code::kOk);
  EXPECT_EQ(result.version, 0);
  const Node* node = r.tree().Find("/a");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(*node, (Node{.data = "x", .version = 0, .ephemeral_owner = 0,
                         .czxid = Zxid::Make(Epoch{1}, 1), .mzxid = Zxid::Make(Epoch{1}, 1)}));
}

TEST(DataTree, CreateFailsWithNodeExistsWhenThePathExists) {
  Replica r;
  ASSERT_EQ(r.Run(0, Create("/a", "x")), Code::kOk);
  EXPECT_EQ(r.Run(0, Create("/a", "y")), Code::kNodeExists);
  EXPECT_EQ(r.tree().Find("/a")->data, "x");
  EXPECT_EQ(r.Run(0, Create("/", "y")), Code::kNodeExists);
}

TEST(DataTree, CreateFailsWithNoNodeWhenTheParentIsMissing) {
  Replica r;
  EXPECT_EQ(r.Run(0, Create("/a/b", "x")), Code::kNoNode);
  EXPECT_EQ(r.tree().node_count(), 1u);
}

TEST(DataTree, CreateFailsWithNoNodeOnAnInvalidPath) {
  Replica r;
  EXPECT_EQ(r.Run(0, Create("a", "x")), Code::kNoNode);
  EXPECT_EQ(r.Run(0, Create("/a/", "x")), Code::kNoNode);
  EXPECT_EQ(r.Run(0, Create("", "x")), Code::kNoNode);
  EXPECT_EQ(r.tree().node_count(), 1u);
}

TEST(DataTree, CreateUnderAnEphemeralFailsWithNoChildrenForEphemerals) {
  Replica r;
  ASSERT_EQ(r.Run(5, OpenSession()), Code::kOk);
  ASSERT_EQ(r.Run(5, Create("/e", "x", /*ephemeral=*/true)), Code::kOk);
  EXPECT_EQ(r.Run(5, Create("/e/c", "x")), Code::kNoChildrenForEphemerals);
  EXPECT_EQ(r.tree().Find("/e/c"), nullptr);
}

TEST(DataTree, EphemeralCreateIsOwnedByTheSession) {
  Replica r;
  ASSERT_EQ(r.Run(5, OpenSession()), Code::kOk);
  ASSERT_EQ(r.Run(5, Create("/e", "x", /*ephemeral=*/true)), Code::kOk);
  ASSERT_EQ(r.Run(5, Create("/p", "x")), Code::kOk);
  EXPECT_EQ(r.tree().Find("/e")->ephemeral_owner, 5u);
  EXPECT_EQ(r.tree().Find("/p")->ephemeral_owner, 0u);
}

TEST(DataTree, EphemeralCreateWithoutASessionFailsWithSessionExpired) {
  Replica r;
  EXPECT_EQ(r.Run(0, Create("/e", "x", /*ephemeral=*/true)), Code::kSessionExpired);
  EXPECT_EQ(r.tree().Find("/e"), nullptr);
}

TEST(DataTree, SetDataIncrementsTheVersionAndStampsMzxid) {
  Replica r;
  ASSERT_EQ(r.Run(0, Create("/a", "x")), Code::kOk);
  ApplyResult result = r.Do(0, Set("/a", "y"));
  EXPECT_EQ(result.code, Code::kOk);
  EXPECT_EQ(result.version, 1);
  result = r.Do(0, Set("/a", "z", /*version=*/1));
  EXPECT_EQ(result.code, Code::kOk);
  EXPECT_EQ(result.version, 2);
  const Node* node = r.tree().Find("/a");
  EXPECT_EQ(node->data, "z");
  EXPECT_EQ(node->version, 2);
  EXPECT_EQ(node->czxid, Zxid::Make(Epoch{1}, 1));
  EXPECT_EQ(node->mzxid, Zxid::Make(Epoch{1}, 3));
}

TEST(DataTree, SetDataFailsWithBadVersionWhenTheVersionDiffers) {
  Replica r;
  ASSERT_EQ(r.Run(0, Create("/a", "x")), Code::kOk);
  const uint64_t digest = r.tree().digest();
  EXPECT_EQ(r.Run(0, Set("/a", "y", /*version=*/3)), Code::kBadVersion);
  EXPECT_EQ(r.tree().Find("/a")->data, "x");
  EXPECT_EQ(r.tree().digest(), digest);
}

TEST(DataTree, SetDataFailsWithNoNodeWhenTheNodeIsMissing) {
  Replica r;
  EXPECT_EQ(r.Run(0, Set("/a", "y")), Code::kNoNode);
  EXPECT_EQ(r.Run(0, Set("bad", "y")), Code::kNoNode);
}

TEST(DataTree, DeleteRemovesALeaf) {
  Replica r;
  ASSERT_EQ(r.Run(0, Create("/a", "x")), Code::kOk);
  EXPECT_EQ(r.Run(0, Delete("/a", /*version=*/0)), Code::kOk);
  EXPECT_EQ(r.tree().Find("/a"), nullptr);
  EXPECT_EQ(r.Run(0, Delete("/a")), Code::kNoNode);
}

TEST(DataTree, DeleteFailsWithNotEmptyWhenTheNodeHasChildren) {
  Replica r;
  ASSERT_EQ(r.Run(0, Create("/a", "x")), Code::kOk);
  ASSERT_EQ(r.Run(0, Create("/a/b", "x")), Code::kOk);
  EXPECT_EQ(r.Run(0, Delete("/a")), Code::kNotEmpty);
  EXPECT_NE(r.tree().Find("/a"), nullptr);
}

// PrepRequestProcessor checks the version before the children.
TEST(DataTree, DeleteChecksTheVersionBeforeTheChildren) {
  Replica r;
  ASSERT_EQ(r.Run(0, Create("/a", "x")), Code::kOk);
  ASSERT_EQ(r.Run(0, Create("/a/b", "x")), Code::kOk);
  EXPECT_EQ(r.Run(0, Delete("/a", /*version=*/5)), Code::kBadVersion);
  EXPECT_EQ(r.Run(0, Delete("/a", /*version=*/0)), Code::kNotEmpty);
}

TEST(DataTree, ASiblingWithACommonPrefixIsNotAChild) {
  Replica r;
  ASSERT_EQ(r.Run(0, Create("/a", "x")), Code::kOk);
  ASSERT_EQ(r.Run(0, Create("/ab", "x")), Code::kOk);
  ASSERT_EQ(r.Run(0, Create("/a-b", "x")), Code::kOk);  // '-' sorts before '/'.
  EXPECT_EQ(r.Run(0, Delete("/a")), Code::kOk);
}

TEST(DataTree, TheRootIsNeverDeleted) {
  Replica r;
  EXPECT_EQ(r.Run(0, Delete("/")), Code::kNotEmpty);
  EXPECT_NE(r.tree().Find("/"), nullptr);
}

TEST(DataTree, DeleteFailsWithBadVersionWhenTheVersionDiffers) {
  Replica r;
  ASSERT_EQ(r.Run(0, Create("/a", "x")), Code::kOk);
  EXPECT_EQ(r.Run(0, Delete("/a", /*version=*/1)), Code::kBadVersion);
  EXPECT_NE(r.tree().Find("/a"), nullptr);
}

TEST(DataTree, AnUnknownSessionFailsWithSessionExpiredAndChangesNothingButTheZxid) {
  Replica r;
  ASSERT_EQ(r.Run(0, Create("/a", "x")), Code::kOk);
  const DataTree before = r.tree();
  EXPECT_EQ(r.Run(9, Create("/b", "x")), Code::kSessionExpired);
  EXPECT_EQ(r.Run(9, Set("/a", "y")), Code::kSessionExpired);
  EXPECT_EQ(r.Run(9, Delete("/a")), Code::kSessionExpired);
  EXPECT_EQ(r.Run(9, CloseSession()), Code::kSessionExpired);
  EXPECT_EQ(r.Run(0, CloseSession()), Code::kSessionExpired);
  EXPECT_EQ(r.tree().nodes(), before.nodes());
  EXPECT_EQ(r.tree().digest(), before.digest());
  EXPECT_EQ(r.tree().last_processed_zxid(), Zxid::Make(Epoch{1}, 6));
}

TEST(DataTree, CreateSessionIsIdempotentAndIgnoresSessionZero) {
  Replica r;
  EXPECT_EQ(r.Run(0, OpenSession()), Code::kOk);
  EXPECT_TRUE(r.tree().sessions().empty());
  EXPECT_EQ(r.Run(3, OpenSession()), Code::kOk);
  const uint64_t digest = r.tree().digest();
  EXPECT_EQ(r.Run(3, OpenSession()), Code::kOk);
  EXPECT_EQ(r.tree().sessions(), std::set<uint64_t>{3});
  EXPECT_EQ(r.tree().digest(), digest);
}

TEST(DataTree, CloseSessionDeletesExactlyThatSessionsEphemerals) {
  Replica r;
  ASSERT_EQ(r.Run(1, OpenSession()), Code::kOk);
  ASSERT_EQ(r.Run(2, OpenSession()), Code::kOk);
  ASSERT_EQ(r.Run(0, Create("/d", "")), Code::kOk);
  ASSERT_EQ(r.Run(1, Create("/d/e1", "", /*ephemeral=*/true)), Code::kOk);
  ASSERT_EQ(r.Run(2, Create("/d/e2", "", /*ephemeral=*/true)), Code::kOk);
  ASSERT_EQ(r.Run(1, Create("/z", "", /*ephemeral=*/true)), Code::kOk);
  ASSERT_EQ(r.Run(1, Create("/p", "")), Code::kOk);  // Persistent, made by session 1.
  EXPECT_EQ(r.Run(1, CloseSession()), Code::kOk);
  std::vector<std::string> paths;
  for (const auto& [path, node] : r.tree().nodes()) paths.push_back(path);
  EXPECT_EQ(paths, (std::vector<std::string>{"/", "/d", "/d/e2", "/p"}));
  EXPECT_EQ(r.tree().sessions(), std::set<uint64_t>{2});
  EXPECT_EQ(r.Run(1, Create("/x", "")), Code::kSessionExpired);
  EXPECT_EQ(r.tree().digest(), Reload(r.tree()).digest());
}

TEST(DataTree, EveryTxnMovesLastProcessedZxid) {
  Replica r;
  r.Run(0, Create("/a/b", "x"));  // Fails, but the zxid is consumed.
  EXPECT_EQ(r.tree().last_processed_zxid(), Zxid::Make(Epoch{1}, 1));
}

// A txn applied again (a duplicated COMMIT over an unsafe channel) takes effect, but the
// last processed zxid never goes back (DataTree.processTxn).
TEST(DataTree, AnOldTxnAppliedAgainLeavesTheZxidWhereItIs) {
  DataTree tree;
  tree.Apply(Txn{.zxid = Zxid::Make(Epoch{1}, 2), .op = Create("/a", "x")});
  const ApplyResult again = tree.Apply(Txn{.zxid = Zxid::Make(Epoch{1}, 1), .op = Create("/b", "x")});
  EXPECT_EQ(again.code, Code::kOk);
  EXPECT_NE(tree.Find("/b"), nullptr);
  EXPECT_EQ(tree.last_processed_zxid(), Zxid::Make(Epoch{1}, 2));
  EXPECT_EQ(tree.last_applied_txn(), Zxid::Make(Epoch{1}, 2));
}

TEST(DataTreeDeathTest, ApplyRejectsAReadOp) {
  DataTree tree;
  EXPECT_DEATH(tree.Apply(Txn{.zxid = Zxid::Make(Epoch{1}, 1), .op = Op{}}), "getData");
}

// --- Digest ----------------------------------------------------------------------------

TEST(Digest, EqualsThatOfATreeRebuiltFromTheSameTxns) {
  Replica r;
  r.Run(4, OpenSession());
  r.Run(0, Create("/a", "x"));
  r.Run(4, Create("/a/e", "y", /*ephemeral=*/true));
  r.Run(0, Set("/a", "z"));
  const DataTree rebuilt = Replay(r.txns());
  EXPECT_EQ(rebuilt, r.tree());
  EXPECT_EQ(rebuilt.digest(), r.tree().digest());
}

TEST(Digest, DependsOnContentNotOnHistoryOrZxids) {
  Replica a;
  a.Run(0, Create("/a", "x"));
  a.Run(0, Create("/b", "y"));
  a.Run(0, Delete("/a"));
  Replica b;
  b.Skip(10);
  b.Run(0, Create("/b", "y"));
  EXPECT_EQ(a.tree().digest(), b.tree().digest());
  EXPECT_NE(a.tree().Find("/b")->czxid, b.tree().Find("/b")->czxid);
  EXPECT_FALSE(a.tree() == b.tree());
}

TEST(Digest, DiffersWhenDataDiffers) {
  Replica a;
  Replica b;
  a.Run(0, Create("/a", "x"));
  b.Run(0, Create("/a", "y"));
  EXPECT_NE(a.tree().digest(), b.tree().digest());
}

TEST(Digest, DiffersWhenVersionDiffers) {
  Replica a;
  Replica b;
  a.Run(0, Create("/a", "x"));
  a.Run(0, Set("/a", "x"));
  b.Run(0, Create("/a", "x"));
  EXPECT_EQ(a.tree().Find("/a")->data, b.tree().Find("/a")->data);
  EXPECT_NE(a.tree().digest(), b.tree().digest());
}

TEST(Digest, DiffersWhenOwnerDiffers) {
  Replica a;
  Replica b;
  Replica c;
  for (Replica* r : {&a, &b, &c}) {
    r->Run(1, OpenSession());
    r->Run(2, OpenSession());
  }
  a.Run(1, Create("/e", "x", /*ephemeral=*/true));
  b.Run(2, Create("/e", "x", /*ephemeral=*/true));
  c.Run(1, Create("/e", "x"));
  EXPECT_NE(a.tree().digest(), b.tree().digest());
  EXPECT_NE(a.tree().digest(), c.tree().digest());
  EXPECT_NE(b.tree().digest(), c.tree().digest());
}

TEST(Digest, DiffersWhenSessionsDiffer) {
  Replica a;
  Replica b;
  a.Run(1, OpenSession());
  b.Run(2, OpenSession());
  EXPECT_NE(a.tree().digest(), b.tree().digest());
  EXPECT_NE(a.tree().digest(), DataTree().digest());
}

TEST(Digest, ReturnsToTheEmptyTreesAfterUndoingEverything) {
  Replica r;
  r.Run(1, OpenSession());
  r.Run(0, Create("/a", "x"));
  r.Run(1, Create("/a/e", "x", /*ephemeral=*/true));
  r.Run(1, CloseSession());
  r.Run(0, Delete("/a"));
  EXPECT_EQ(r.tree().digest(), DataTree().digest());
}

TEST(Digest, IsUnchangedBySetLastProcessedZxid) {
  DataTree tree;
  const uint64_t digest = tree.digest();
  tree.set_last_processed_zxid(Zxid::Make(Epoch{3}, 0));
  EXPECT_EQ(tree.digest(), digest);
}

// --- Serialize / Deserialize -----------------------------------------------------------

TEST(Serialize, RoundTripsTheWholeTree) {
  Replica r;
  r.Run(7, OpenSession());
  r.Run(0, Create("/a", std::string("bin\0ary", 7)));
  r.Run(7, Create("/a/e", "", /*ephemeral=*/true));
  r.Run(0, Set("/a", "y"));
  const DataTree loaded = Reload(r.tree());
  EXPECT_EQ(loaded, r.tree());
  EXPECT_EQ(loaded.digest(), r.tree().digest());
  EXPECT_EQ(loaded.Serialize(), r.tree().Serialize());
}

TEST(Serialize, AnEmptyTreeRoundTrips) {
  DataTree tree;
  tree.set_last_processed_zxid(Zxid::Make(Epoch{2}, 0));
  EXPECT_EQ(Reload(tree), tree);
}

// Encoding of hand-made trees, in the documented format, for the rejection tests.
struct RawNode {
  std::string path;
  uint64_t owner = 0;
};

void PutLe(std::string& out, uint64_t v, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::string Encode(const std::vector<uint64_t>& sessions, const std::vector<RawNode>& nodes) {
  std::string out("ZDT\x02");
  PutLe(out, 0x100000001, 8);  // Last processed zxid.
  PutLe(out, 0x100000001, 8);  // Last applied txn.
  PutLe(out, sessions.size(), 4);
  for (const uint64_t s : sessions) PutLe(out, s, 8);
  PutLe(out, nodes.size(), 4);
  for (const RawNode& n : nodes) {
    PutLe(out, n.path.size(), 4);
    out += n.path;
    PutLe(out, 0, 4);  // Empty data.
    PutLe(out, 0, 4);  // Version.
    PutLe(out, n.owner, 8);
    PutLe(out, 0, 8);
    PutLe(out, 0, 8);
  }
  return out;
}

// ExpectRejected checks that `bytes` are rejected with a message containing `why`.
void ExpectRejected(std::string_view bytes, std::string_view why) {
  const absl::StatusOr<DataTree> tree = DataTree::Deserialize(bytes);
  ASSERT_FALSE(tree.ok()) << "accepted, expected: " << why;
  EXPECT_EQ(tree.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(base::Text(tree.status()).find(why), std::string_view::npos)
      << base::Text(tree.status());
}

TEST(Deserialize, AcceptsAHandMadeEncoding) {
  const absl::StatusOr<DataTree> tree =
      DataTree::Deserialize(Encode({5}, {{"/"}, {"/a"}, {"/a/e", 5}}));
  ASSERT_TRUE(tree.ok()) << base::Text(tree.status());
  EXPECT_EQ(tree->node_count(), 3u);
  EXPECT_EQ(tree->Find("/a/e")->ephemeral_owner, 5u);
}

TEST(Deserialize, RejectsMalformedTrees) {
  ExpectRejected(Encode({}, {{"/a"}}), "no root");
  ExpectRejected(Encode({}, {{"/"}, {"/a/b"}}), "no parent");
  ExpectRejected(Encode({}, {{"/"}, {"a"}}), "invalid path");
  ExpectRejected(Encode({}, {{"/"}, {"/a"}, {"/a"}}), "duplicate node");
  ExpectRejected(Encode({3, 3}, {{"/"}}), "duplicate session");
  ExpectRejected(Encode({0}, {{"/"}}), "session 0");
  ExpectRejected(Encode({}, {{"/"}, {"/e", 4}}), "not open");
  ExpectRejected(Encode({4}, {{"/"}, {"/e", 4}, {"/e/c"}}), "ephemeral parent");
  ExpectRejected(Encode({4}, {{"/", 4}}), "root is ephemeral");
}

TEST(Deserialize, RejectsBadFraming) {
  const std::string good = Encode({}, {{"/"}});
  ExpectRejected("", "magic");
  ExpectRejected("ZDT\x01" + good.substr(4), "magic");  // The previous format.
  ExpectRejected(good + "x", "trailing");
  std::string huge = Encode({}, {});
  huge.resize(huge.size() - 4);
  PutLe(huge, 0xffffffff, 4);  // A node count far beyond the input.
  ExpectRejected(huge, "do not fit");
}

TEST(Deserialize, RejectsEveryTruncationOfAValidEncoding) {
  Replica r;
  r.Run(7, OpenSession());
  r.Run(0, Create("/a", "data"));
  r.Run(7, Create("/a/e", "more", /*ephemeral=*/true));
  const std::string bytes = r.tree().Serialize();
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DataTree::Deserialize(std::string_view(bytes).substr(0, n)).ok()) << n;
  }
}

// --- Properties over random txn sequences ----------------------------------------------

const std::array<std::string_view, 7> kPaths = {"/", "/a", "/b", "/a/b", "/a/c", "/ab", "/b/a"};

// GenTxns draws write txns over a few paths and sessions, so that creates collide,
// parents go missing and versions match often enough to reach every outcome.
rc::Gen<std::vector<Txn>> GenTxns() {
  const auto one = rc::gen::map(
      rc::gen::tuple(rc::gen::inRange(0, 10), rc::gen::inRange<size_t>(0, kPaths.size()),
                     rc::gen::inRange<uint64_t>(0, 4), rc::gen::elementOf(std::string("xyz")),
                     rc::gen::inRange(-1, 3), rc::gen::arbitrary<bool>()),
      [](const auto& t) {
        const auto& [kind, path, session, data, version, ephemeral] = t;
        static constexpr std::array<OpType, 10> kTypes = {
            OpType::kCreateSession, OpType::kCreateSession, OpType::kCloseSession,
            OpType::kCreate,        OpType::kCreate,        OpType::kCreate,
            OpType::kSetData,       OpType::kSetData,       OpType::kDelete,
            OpType::kDelete};
        return Txn{.session = session,
                   .op = Op{.type = kTypes[static_cast<size_t>(kind)],
                            .path = std::string(kPaths[path]),
                            .data = std::string(1, data),
                            .version = version,
                            .ephemeral = ephemeral}};
      });
  return rc::gen::map(rc::gen::container<std::vector<Txn>>(one), [](std::vector<Txn> txns) {
    uint32_t counter = 0;
    for (Txn& txn : txns) txn.zxid = Zxid::Make(Epoch{1}, ++counter);
    return txns;
  });
}

RC_GTEST_PROP(DataTreeProperty, SerializeRoundTripsAndKeepsTheDigest, ()) {
  const std::vector<Txn> txns = *GenTxns();
  const DataTree tree = Replay(txns);
  const absl::StatusOr<DataTree> loaded = DataTree::Deserialize(tree.Serialize());
  RC_ASSERT(loaded.ok());
  RC_ASSERT(*loaded == tree);
  RC_ASSERT(loaded->digest() == tree.digest());
  RC_ASSERT(loaded->Serialize() == tree.Serialize());
}

RC_GTEST_PROP(DataTreeProperty, ReplayingTheSameTxnsGivesTheSameTree, ()) {
  const std::vector<Txn> txns = *GenTxns();
  const DataTree a = Replay(txns);
  const DataTree b = Replay(txns);
  RC_ASSERT(a == b);
  RC_ASSERT(a.digest() == b.digest());
}

RC_GTEST_PROP(DataTreeProperty, EveryEphemeralBelongsToAnOpenSessionAndHasNoChildren, ()) {
  const DataTree tree = Replay(*GenTxns());
  for (const auto& [path, node] : tree.nodes()) {
    if (path != "/") RC_ASSERT(tree.Find(ParentPath(path)) != nullptr);
    RC_ASSERT(tree.Find(ParentPath(path))->ephemeral_owner == 0u);
    if (node.ephemeral_owner != 0) RC_ASSERT(tree.HasSession(node.ephemeral_owner));
  }
}

// num_children is kept by each create and delete (and each ephemeral a closed session takes
// with it); counted afresh it must agree.
RC_GTEST_PROP(DataTreeProperty, NumChildrenCountsTheDirectChildren, ()) {
  const DataTree tree = Replay(*GenTxns());
  std::map<std::string, int32_t> counted;
  for (const auto& [path, node] : tree.nodes()) {
    counted.try_emplace(path, 0);
    if (path != "/") ++counted[std::string(ParentPath(path))];
  }
  for (const auto& [path, node] : tree.nodes()) RC_ASSERT(node.num_children == counted[path]);
}

RC_GTEST_PROP(DataTreeProperty, DeserializeNeverCrashesOnRandomBytes, (std::string bytes)) {
  const absl::StatusOr<DataTree> tree = DataTree::Deserialize(bytes);
  if (tree.ok()) RC_ASSERT(DataTree::Deserialize(tree->Serialize()).ok());
}

RC_GTEST_PROP(DataTreeProperty, DeserializeRejectsTruncationsAndSurvivesCorruption, ()) {
  const std::string bytes = Replay(*GenTxns()).Serialize();
  const size_t cut = *rc::gen::inRange<size_t>(0, bytes.size());
  RC_ASSERT(!DataTree::Deserialize(std::string_view(bytes).substr(0, cut)).ok());
  std::string corrupt = bytes;
  corrupt[*rc::gen::inRange<size_t>(0, bytes.size())] ^=
      static_cast<char>(*rc::gen::inRange(1, 256));
  const absl::StatusOr<DataTree> tree = DataTree::Deserialize(corrupt);
  if (tree.ok()) RC_ASSERT(Reload(*tree).digest() == tree->digest());
}

}  // namespace
}  // namespace zabsim::zab
