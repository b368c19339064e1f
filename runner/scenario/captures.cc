#include "runner/scenario/captures.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/check.h"
#include "runner/scenario/parser.h"

namespace zabsim::runner::scenario {

void Captures::Add(Capture capture) {
  ZABSIM_CHECK(IsName(capture.name) && Find(capture.name) == nullptr, "capture name");
  captures_.push_back(std::move(capture));
}

const Capture* Captures::Find(std::string_view name) const {
  for (const Capture& c : captures_) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

Capture* Captures::ByInvocation(uint32_t process, uint64_t ordinal) {
  for (Capture& c : captures_) {
    if (c.process == process && c.ordinal == ordinal) return &c;
  }
  return nullptr;
}

Capture* Captures::ByRequest(uint64_t session, uint64_t cxid) {
  for (Capture& c : captures_) {
    if (c.cxid.has_value() && c.session == session && *c.cxid == cxid) return &c;
  }
  return nullptr;
}

std::optional<std::string> Captures::Note(const EventRecord& r) {
  if (const auto* invoked = std::get_if<zab::ClientInvoked>(&r.event)) {
    const uint64_t ordinal = ++invoked_[r.process];
    if (Capture* c = ByInvocation(r.process, ordinal)) {
      c->session = invoked->session;
      c->cxid = invoked->cxid;
    }
    return std::nullopt;
  }
  Capture* c = nullptr;
  std::optional<zab::Zxid> learned;
  if (const auto* p = std::get_if<zab::Proposed>(&r.event)) {
    c = ByRequest(p->session, p->cxid);
    // The first proposal names it: a request is proposed once, by the leader it reached.
    if (c != nullptr && c->write && !c->zxid.has_value()) {
      c->proposer = r.process;
      learned = p->zxid;
    }
  } else if (const auto* done = std::get_if<zab::ClientCompleted>(&r.event)) {
    c = ByRequest(done->session, done->cxid);
    if (c != nullptr && !c->result.has_value()) {
      c->result = *done;
      if (!c->write && !done->indeterminate) learned = done->zxid;
    }
  }
  if (!learned.has_value()) return std::nullopt;
  c->zxid = *learned;
  named_.try_emplace(learned->value, c->name);
  return fmt::format("{}={} (c{} {}{})", c->name, zab::ToString(*learned), c->client, c->what,
                     c->write ? fmt::format(", proposed by {}", c->proposer) : ", read");
}

absl::StatusOr<std::string> Captures::Substitute(std::string_view text, size_t& offset) const {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '$') {
      out += text[i++];
      continue;
    }
    offset = i;
    const size_t n = NameLength(text.substr(i + 1));
    const std::string_view name = text.substr(i + 1, n);
    if (n == 0) {
      return absl::InvalidArgumentError(fmt::format(
          "expected a name after '$' (a capture given by as=, or a repeat variable), found '{}'",
          text.substr(i)));
    }
    const Capture* c = Find(name);
    if (c == nullptr) {
      std::string known;
      for (const Capture& k : captures_) known += (known.empty() ? "" : ", ") + k.name;
      return absl::InvalidArgumentError(fmt::format(
          "unknown name '${}' (expected a capture given by as= on an earlier command, or the "
          "variable of an enclosing repeat; captures so far: {})",
          name, known.empty() ? "none" : known));
    }
    if (!c->zxid.has_value()) {
      const std::string state = !c->cxid.has_value() ? "the client has not sent it yet"
                                : c->result.has_value()
                                    ? fmt::format("it ended {} without a leader proposing it",
                                                  zab::ToString(c->result->code))
                                : c->write ? "no leader has proposed it yet"
                                           : "no reply yet";
      return absl::InvalidArgumentError(
          fmt::format("'${}' is not known yet: {} (c{} {}, line {}){}", name, state, c->client,
                      c->what, c->line,
                      c->write && !c->result.has_value()
                          ? fmt::format("; wait with run until=proposed:${}", name)
                          : ""));
    }
    out += zab::ToString(*c->zxid);
    i += n + 1;
  }
  return out;
}

std::string Captures::Annotate(std::string line) const {
  if (named_.empty() || line.find("0x") == std::string::npos) return line;
  std::string out;
  size_t i = 0;
  while (i < line.size()) {
    const size_t end = std::min(line.find(' ', i), line.size());
    const std::string_view word = std::string_view(line).substr(i, end - i);
    if (word.size() > 2 && word.substr(0, 2) == "0x") {
      uint64_t v = 0;
      bool ok = word.size() <= 18;
      for (const char c : word.substr(2)) {
        const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        ok = ok && d >= 0;
        if (ok) v = v * 16 + static_cast<uint64_t>(d);
      }
      if (const auto it = named_.find(v); ok && it != named_.end()) out += it->second + "=";
    }
    out += word;
    if (end < line.size()) out += ' ';
    i = end + 1;
  }
  return out;
}

}  // namespace zabsim::runner::scenario
