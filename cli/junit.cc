#include "cli/junit.h"

#include <utility>

#include <fmt/format.h>

#include "base/status.h"
#include "cli/commands.h"

namespace zabsim::cli {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8.

// Utf8Length is the length of the well-formed UTF-8 sequence at the start of `s`, or 0.
size_t Utf8Length(std::string_view s) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = byte(0);
  size_t n = 0;
  uint32_t min = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() < n) return 0;
  uint32_t cp = c & (0x7F >> n);
  for (size_t i = 1; i < n; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  // Overlong forms, UTF-16 surrogates, beyond U+10FFFF, and U+FFFE/U+FFFF are not XML.
  if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF || cp == 0xFFFE || cp == 0xFFFF) {
    return 0;
  }
  return n;
}

}  // namespace

std::string XmlText(std::string_view s, bool attribute) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = Utf8Length(s.substr(i));
      if (n == 0) {
        out += kReplacement;
        ++i;
      } else {
        out += s.substr(i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      // In an attribute a raw one would be read as a space.
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      case '\r': out += "&#13;"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += kReplacement;
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  return out;
}

absl::StatusOr<std::unique_ptr<JUnitReport>> JUnitReport::Open(const std::string& path, std::string suite) {
  auto out = runner::OutputFile::Open(path);
  if (!out.ok()) return out.status();
  std::FILE* body = std::tmpfile();
  if (body == nullptr) {
    return absl::InternalError(fmt::format("{}: cannot make a temporary file for the report", path));
  }
  return std::unique_ptr<JUnitReport>(new JUnitReport(*std::move(out), std::move(suite), body));
}

JUnitReport::~JUnitReport() { std::fclose(body_); }

void JUnitReport::Case(std::string_view classname, std::string_view name, std::string_view inner) {
  ++tests_;
  fmt::print(body_, "    <testcase classname=\"{}\" name=\"{}\"", XmlText(classname), XmlText(name));
  if (inner.empty()) {
    fmt::print(body_, "/>\n");
  } else {
    fmt::print(body_, ">\n{}    </testcase>\n", inner);
  }
}

void JUnitReport::Pass(std::string_view classname, std::string_view name, std::string_view output) {
  Case(classname, name,
       output.empty() ? std::string() : fmt::format("      <system-out>{}</system-out>\n", XmlText(output, false)));
}

void JUnitReport::Fail(std::string_view classname, std::string_view name, std::string_view type,
                       std::string_view message, std::string_view detail) {
  ++failures_;
  Case(classname, name,
       fmt::format("      <failure type=\"{}\" message=\"{}\">{}</failure>\n", XmlText(type), XmlText(message),
                   XmlText(detail, false)));
}

void JUnitReport::Error(std::string_view classname, std::string_view name, std::string_view message) {
  ++errors_;
  Case(classname, name,
       fmt::format("      <error type=\"error\" message=\"{}\">{}</error>\n", XmlText(message), XmlText(message, false)));
}

absl::Status JUnitReport::Commit(double seconds) {
  std::FILE* const f = out_->file();
  fmt::print(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  fmt::print(f, "<testsuites name=\"{0}\" tests=\"{1}\" failures=\"{2}\" errors=\"{3}\" time=\"{4:.3f}\">\n"
                "  <testsuite name=\"{0}\" tests=\"{1}\" failures=\"{2}\" errors=\"{3}\" skipped=\"0\" "
                "time=\"{4:.3f}\">\n",
             XmlText(suite_), tests_, failures_, errors_, seconds);
  // The test cases, copied from the temporary file.
  if (std::fflush(body_) != 0 || std::fseek(body_, 0, SEEK_SET) != 0) {
    return absl::InternalError(fmt::format("{}: the report's temporary file failed", out_->path()));
  }
  char buffer[1 << 16];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, body_)) > 0) std::fwrite(buffer, 1, n, f);
  if (std::ferror(body_)) {
    return absl::InternalError(fmt::format("{}: the report's temporary file failed", out_->path()));
  }
  fmt::print(f, "  </testsuite>\n</testsuites>\n");
  return out_->Commit();
}

void AddJUnitFlag(FlagSet& flags) {
  flags.Add("junit", "FILE", "",
            "also write a JUnit XML report to FILE, for CI systems (docs/ci.md): a test case each, "
            "a failure with the first violation and the replay command");
}

absl::StatusOr<std::unique_ptr<JUnitReport>> OpenJUnit(const FlagSet& flags, std::string_view command) {
  const std::string path = flags.Get("junit");
  if (path.empty()) return std::unique_ptr<JUnitReport>();
  auto report = JUnitReport::Open(path, fmt::format("zabsim {}", command));
  if (!report.ok()) return Fail(fmt::format("zabsim {}: --junit: {}", command, base::Text(report.status())));
  return report;
}

}  // namespace zabsim::cli
